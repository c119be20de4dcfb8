import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.ts';
import { ExitCode } from '../../../src/shared/errors.ts';
import { silentLogger } from '../../../src/shared/log.ts';
import { memoryIo } from '../../support/memory-io.ts';

describe('demo', () => {
  it.each([
    ['plain lines', false],
    ['the live view', true],
  ])('--progress follows the run, not the plan printed before it (%s)', async (_title, tty) => {
    const io = Object.assign(memoryIo({ NO_COLOR: '1' }), { stderrIsTTY: tty });
    expect(await main(['demo', '--progress'], io, { createLogger: silentLogger })).toBe(ExitCode.ok);

    // A plan's end would read as the run's: "planned in 0s: 0 of 6 node(s) replaced".
    expect(io.err).not.toContain('planned in');
    expect(io.err).toContain('completed in ');
    expect(io.err).toContain('6 of 6 node(s) replaced');
    expect(io.out).toContain('Plan: upgrade to 9.5.4; 6 of 6 nodes to replace');
  });
});
