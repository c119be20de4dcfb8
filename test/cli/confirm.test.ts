import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { confirmReplacement } from '../../src/cli/confirm.ts';
import type { Plan } from '../../src/upgrade/plan-model.ts';
import { aReport } from '../support/report-builder.ts';

const plan: Plan = { ...aReport('planned').build().plan, toReplace: 2 };

function terminal(tty: boolean) {
  const input = Object.assign(new PassThrough(), { isTTY: tty });
  const output = Object.assign(new PassThrough(), { isTTY: tty });
  let written = '';
  output.on('data', (c: Buffer) => (written += c.toString()));
  return { input, output, written: () => written };
}

describe('confirmReplacement', () => {
  it.each([
    ['--yes on a terminal', { yes: true, tty: true, env: {} }],
    ['no terminal (a pipe, a deployment tool)', { yes: false, tty: false, env: {} }],
    ['CI set, even on a terminal', { yes: false, tty: true, env: { CI: 'true' } }],
    ['under Octopus, even on a terminal', { yes: false, tty: true, env: { TentacleHome: '/etc/octopus' } }],
  ])('goes ahead without asking: %s', async (_title, c) => {
    const t = terminal(c.tty);
    await expect(confirmReplacement(plan, { input: t.input, output: t.output, env: c.env, yes: c.yes })).resolves.toBe(true);
    expect(t.written()).toBe('');
  });

  it('does not ask when there is nothing to replace', async () => {
    const t = terminal(true);
    await expect(confirmReplacement({ ...plan, toReplace: 0 }, { input: t.input, output: t.output, env: {}, yes: false })).resolves.toBe(true);
    expect(t.written()).toBe('');
  });

  it.each([
    ['y', true],
    ['YES', true],
    ['', false],
    ['n', false],
    ['sure', false],
  ])('on a terminal, the answer %j means %s', async (answer, expected) => {
    const t = terminal(true);
    const asked = confirmReplacement(plan, { input: t.input, output: t.output, env: {}, yes: false });
    t.input.write(`${answer}\r`);
    await expect(asked).resolves.toBe(expected);
    expect(t.written()).toContain('[y/N]');
  });

  it('an abort while asking is not a yes', async () => {
    const t = terminal(true);
    const controller = new AbortController();
    const asked = confirmReplacement(plan, { input: t.input, output: t.output, env: {}, yes: false, signal: controller.signal });
    controller.abort();
    await expect(asked).resolves.toBe(false);
  });
});
