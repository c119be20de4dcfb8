import { describe, expect, it } from 'vitest';
import { openEventStream } from '../../src/cli/event-stream.ts';
import type { UpgradeEvent } from '../../src/upgrade/plan-model.ts';
import { captureLogger } from '../shared/capture-logger.ts';

const event: UpgradeEvent = { type: 'phase', at: '2026-01-01T10:00:00.000Z', phase: 'data', nodes: 3 };

describe('openEventStream', () => {
  it('numbers the lines it writes to stdout from 1', () => {
    const written: string[] = [];
    const stream = openEventStream('-', (text) => written.push(text), captureLogger().log);
    stream.onEvent(event);
    stream.onEvent(event);
    stream.close();

    expect(written.map((line) => (JSON.parse(line) as { seq: number }).seq)).toEqual([1, 2]);
  });

  // /dev/full (Linux) takes no byte: every write fails with ENOSPC, as a full disk would.
  it('a file that cannot take more stops the stream with a warning, never the run', () => {
    const logged = captureLogger();
    const stream = openEventStream('/dev/full', () => undefined, logged.log);

    expect(() => {
      stream.onEvent(event);
      stream.onEvent(event);
    }).not.toThrow();
    stream.close();

    const warnings = logged.entries().filter((e) => e.msg === 'cannot write the events file: no further events go to it');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ file: '/dev/full' });
  });
});
