// What the command line prints for people, through main(): colour only on a terminal and never with
// NO_COLOR (help, logs, progress view), and log lines stamped with ISO 8601 times.

import { describe, expect, it } from 'vitest';
import { stripColour } from '../../src/cli/colour.ts';
import { main } from '../../src/cli/main.ts';
import { ExitCode } from '../../src/shared/errors.ts';
import { silentLogger, type LoggerOptions } from '../../src/shared/log.ts';
import { memoryIo } from '../support/memory-io.ts';
import { runCli } from './run-cli.ts';

function terminalIo(env: Record<string, string>, tty: boolean) {
  return Object.assign(memoryIo(env), { stdoutIsTTY: tty, stderrIsTTY: tty });
}

/** Escape sequences other than the cursor moves of the live frame. */
const colourCodes = (text: string): string[] => text.match(new RegExp(String.raw`\u001b\[[0-9;]*m`, 'g')) ?? [];

const cases = [
  ['a terminal', {}, true, true],
  ['a terminal with NO_COLOR=1', { NO_COLOR: '1' }, true, false],
  ['a terminal with NO_COLOR=true', { NO_COLOR: 'true' }, true, false],
  ['no terminal', {}, false, false],
] as const;

describe('colour', () => {
  it.each(cases)('--help on %s', async (_title, env, tty, coloured) => {
    const io = terminalIo(env, tty);
    expect(await main(['run', '--help'], io)).toBe(ExitCode.ok);
    expect(io.out).toContain('Exit codes:');
    if (coloured) expect(io.out).toContain('\x1b[1mExit codes:\x1b[22m');
    else expect(colourCodes(io.out)).toEqual([]);
  });

  it.each(cases)('the logger on %s', async (_title, env, tty, coloured) => {
    const given: LoggerOptions[] = [];
    await main(['demo', '--log-level', 'warn'], terminalIo(env, tty), {
      createLogger: (_level, options) => {
        given.push(options);
        return silentLogger();
      },
    });
    expect(given).toEqual([{ level: 'warn', pretty: tty, colour: coloured }]);
  });

  it.each(cases)('the progress view and the summary on %s', async (_title, env, tty, coloured) => {
    const io = terminalIo(env, tty);
    expect(await main(['demo', '--progress'], io, { createLogger: silentLogger })).toBe(ExitCode.ok);
    expect(stripColour(io.err)).toContain('completed in ');
    if (coloured) expect(io.err).toContain('\x1b[32mcompleted\x1b[39m in ');
    else expect(colourCodes(io.err)).toEqual([]);
  });
});

describe('log lines', () => {
  it('carry ISO 8601 times (JSON on stderr when it is no terminal)', async () => {
    const result = await runCli(['demo', '--log-level', 'info'], { timeoutMs: 30_000 });
    expect(result.code).toBe(ExitCode.ok);
    const entries = result.stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { time: unknown; msg: string });
    expect(entries.length).toBeGreaterThan(5);
    for (const entry of entries) expect(entry.time, entry.msg).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  }, 40_000);
});
