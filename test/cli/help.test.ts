import { describe, expect, it } from 'vitest';
import { settingsFor, SETTINGS, type SettingSpec } from '../../src/app/settings.ts';
import { parseArgv } from '../../src/cli/args.ts';
import { COMMANDS } from '../../src/cli/commands.ts';
import { formatHelp, helpWidth, shellQuote, wrap } from '../../src/cli/help.ts';
import { main } from '../../src/cli/main.ts';
import { ExitCode } from '../../src/shared/errors.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { memoryIo } from '../support/memory-io.ts';

function commandNamed(name: string) {
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) throw new Error(`no command ${name}`);
  return entry;
}

const flagsIn = (text: string): string[] => [...text.matchAll(/^ {2}--(?:\[no-\])?([a-z-]+)/gm)].map((m) => m[1] ?? '');

describe('<command> --help', () => {
  it.each(COMMANDS.map((c) => c.name))('%s lists exactly the flags it takes', (name) => {
    const text = formatHelp(COMMANDS, commandNamed(name));
    const expected = settingsFor(commandNamed(name).name).map((s) => s.name);
    expect(expected.length).toBeGreaterThan(0);
    expect(flagsIn(text).sort()).toEqual([...expected].sort());
  });

  it('plan does not list the flags only run takes', () => {
    const text = formatHelp(COMMANDS, commandNamed('plan'));
    for (const flag of ['--[no-]yes', '--[no-]dry-run', '--[no-]progress', '--host', '--port']) expect(text).not.toContain(flag);
    expect(text).toContain('--es-url URL');
    expect(text).toContain('Examples:');
  });

  it('serve explains the bearer token it requires', () => {
    const text = formatHelp(COMMANDS, commandNamed('serve')).replace(/\s+/g, ' ');
    expect(text).toContain('ESRU_SERVICE_TOKEN');
    expect(text).toContain('"Authorization: Bearer <token>"');
    expect(text).toContain('at least 16 characters');
    expect(text).toContain('refuses to start without one');
  });

  it('lease marks the flags that come from the command line only, and quotes an example\'s reason', () => {
    const text = formatHelp(COMMANDS, commandNamed('lease'), 100);
    expect(text.replace(/\s+/g, ' ')).toMatch(/--\[no-\]force [^[]*\(default false; command line only\)/);
    expect(text).toContain("--reason 'host lost in INC-1234' --force");
    expect(text).not.toContain('--region');
  });

  it.each([
    ['a plain word', '--es-url', '--es-url'],
    ['a URL', 'https://es-1.internal:9200', 'https://es-1.internal:9200'],
    ['words with spaces', 'host lost', "'host lost'"],
    ['a quote', "it's gone", "'it'\\''s gone'"],
    ['a dollar', '$HOME', "'$HOME'"],
  ])('an example argument as the shell reads it back: %s', (_name, word, quoted) => {
    expect(shellQuote(word)).toBe(quoted);
  });

  it.each(COMMANDS.flatMap((c) => c.examples.map((e) => [c.name, e.argv.join(' '), e] as const)))(
    'the %s example "%s" parses and uses only flags of its command',
    (name, _shown, example) => {
      const args = parseArgv(example.argv);
      expect(args.command).toBe(name);
      const taken = settingsFor(commandNamed(name).name).map((s) => s.name);
      for (const flag of args.flags.keys()) expect(taken).toContain(flag);
    },
  );
});

describe('help fits the width', () => {
  const widths = [40, 52, 64, 80, 100];
  const texts = (width: number): [string, string][] => [
    ['all commands', formatHelp(COMMANDS, undefined, width)],
    ...COMMANDS.map((c): [string, string] => [c.name, formatHelp(COMMANDS, c, width)]),
  ];

  it.each(widths)('no line is longer than %i columns, and nothing is lost', (width) => {
    for (const [name, text] of texts(width)) {
      const long = text.split('\n').filter((line) => line.length > width);
      expect(long, `${name} at ${width.toString()} columns`).toEqual([]);
      // Every flag and environment variable is still there, whole, whatever the wrapping.
      const flat = text.replace(/\s+/g, ' ');
      const shown = name === 'all commands' ? (SETTINGS as readonly SettingSpec[]) : settingsFor(commandNamed(name).name);
      for (const s of shown) for (const env of s.env) expect(flat).toContain(env);
    }
  });

  it('uses the columns of a terminal, 80 without one', () => {
    expect(helpWidth(undefined)).toBe(80);
    expect(helpWidth(132)).toBe(100);
    expect(helpWidth(60)).toBe(60);
    expect(helpWidth(12)).toBe(40);
  });

  it('wraps words and cuts a word longer than a line', () => {
    expect(wrap('aa bb cc', 5)).toEqual(['aa bb', 'cc']);
    expect(wrap('abcdefghij', 4, 1)).toEqual([' abc', ' def', ' ghi', ' j']);
  });

  it('main wraps help to the terminal on stdout, and to 80 columns through a pipe', async () => {
    const narrow = Object.assign(memoryIo(), { stdoutIsTTY: true, stdoutColumns: 50 });
    expect(await main(['run', '--help'], narrow, { createLogger: silentLogger })).toBe(ExitCode.ok);
    expect(Math.max(...narrow.out.split('\n').map((l) => l.length))).toBeLessThanOrEqual(50);
    expect(Math.max(...narrow.out.split('\n').map((l) => l.length))).toBeGreaterThan(40);

    const piped = Object.assign(memoryIo(), { stdoutColumns: 50 });
    expect(await main(['run', '--help'], piped, { createLogger: silentLogger })).toBe(ExitCode.ok);
    const widest = Math.max(...piped.out.split('\n').map((l) => l.length));
    expect(widest).toBeLessThanOrEqual(80);
    expect(widest).toBeGreaterThan(50);
  });
});

describe('a flag of another command', () => {
  const BASE = ['--es-url', 'https://es.internal:9200', '--region', 'ap-southeast-2', '--target-version', '9.5.4'];
  const cases: [string, string[], string][] = [
    ['plan --yes', ['plan', ...BASE, '--yes'], '--yes is not used by the plan command; only run takes it'],
    ['plan --dry-run', ['plan', ...BASE, '--dry-run'], '--dry-run is not used by the plan command; only run takes it'],
    ['plan --no-progress', ['plan', ...BASE, '--no-progress'], '--progress is not used by the plan command; it is for run, demo'],
    ['serve --octopus', ['serve', '--octopus'], '--octopus is not used by the serve command; it is for plan, run, demo'],
    ['serve --report', ['serve', '--report', 'r.json'], '--report is not used by the serve command; it is for plan, run, demo'],
    ['run --port', ['run', ...BASE, '--port', '0'], '--port is not used by the run command; only serve takes it'],
    ['run --break', ['run', ...BASE, '--break'], '--break is not used by the run command; only lease takes it'],
  ];

  it.each(cases)('%s is refused with exit code 2, naming the commands that take it', async (_name, argv, expected) => {
    const io = memoryIo({ ESRU_SERVICE_TOKEN: 'a-token-long-enough-for-serve' });
    let connected = false;
    const code = await main(argv, io, {
      createLogger: silentLogger,
      connect: () => {
        connected = true;
        throw new Error('must not connect');
      },
    });
    expect(code).toBe(ExitCode.invalidInput);
    expect(io.err).toContain(`error: ${expected}`);
    expect(io.out).toBe('');
    expect(io.err).not.toContain('listening on');
    expect(connected).toBe(false);
  });
});
