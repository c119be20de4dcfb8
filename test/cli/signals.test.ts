import { afterEach, describe, expect, it } from 'vitest';
import { onSignals } from '../../src/cli/signals.ts';
import { ExitCode, InterruptedError } from '../../src/shared/errors.ts';

describe('onSignals', () => {
  let remove: (() => void) | undefined;
  afterEach(() => remove?.());

  it.each([
    ['SIGINT', ExitCode.interruptedInt],
    ['SIGTERM', ExitCode.interruptedTerm],
  ] as const)('aborts the run on the first %s with an InterruptedError for exit %i', (signal, code) => {
    const controller = new AbortController();
    const said: string[] = [];
    const exits: number[] = [];
    remove = onSignals(controller, (t) => said.push(t), (c) => exits.push(c));

    process.emit(signal);

    expect(controller.signal.aborted).toBe(true);
    const reason = controller.signal.reason as InterruptedError;
    expect(reason).toBeInstanceOf(InterruptedError);
    expect(reason.signalName).toBe(signal);
    expect(reason.exitCode).toBe(code);
    expect(exits).toEqual([]);
    expect(said.join('')).toContain('stopping safely');
  });

  it('exits at once on a second signal', () => {
    const controller = new AbortController();
    const exits: number[] = [];
    remove = onSignals(controller, () => undefined, (c) => exits.push(c));

    process.emit('SIGTERM');
    process.emit('SIGINT');

    expect((controller.signal.reason as InterruptedError).signalName).toBe('SIGTERM');
    expect(exits).toEqual([ExitCode.interruptedInt]);
  });

  it('leaves the process alone once removed', () => {
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    onSignals(new AbortController(), () => undefined, () => undefined)();
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(before);
  });
});
