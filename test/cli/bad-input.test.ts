// Bad input never crashes or hangs: a config file that is no file, or that would expand or nest
// without bound, a stray argument after --version, a duration that is not finite. Each is exit 2
// with a message naming the value and what would be valid, and nothing is contacted.

import { spawnSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { ExitCode } from '../../src/shared/errors.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { memoryIo } from '../support/memory-io.ts';
import { runCli, startRecordingServer, type RecordingServer } from './run-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'esru-bad-input-'));
const BASE = ['--target-version', '9.5.4', '--region', 'ap-southeast-2'];

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

let server: RecordingServer;
/** File descriptors a case opened, closed at the end. */
const opened: number[] = [];
beforeAll(async () => {
  server = await startRecordingServer();
});
afterAll(async () => {
  for (const fd of opened) closeSync(fd);
  await server.close();
});

/** Runs main in this process; the connection must never be asked for. */
async function mainWith(argv: string[], env: Record<string, string> = {}) {
  const io = memoryIo(env);
  let connected = false;
  const code = await main(argv, io, {
    createLogger: silentLogger,
    connect: () => {
      connected = true;
      throw new Error('must not connect');
    },
  });
  return { code, out: io.out, err: io.err, connected };
}

/** A path to give --config, and what the child's standard input is. */
type Target = () => { path: string; stdin: 'ignore' | number };

describe('a config file that is no regular file', () => {
  // A child process: had the file been read as before, it would block, and the timeout shows it.
  const cases: [string, Target, string][] = [
    ['a FIFO', () => {
      const fifo = join(dir, `fifo-${Date.now().toString()}.yaml`);
      expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
      return { path: fifo, stdin: 'ignore' };
    }, 'is a named pipe (FIFO), not a regular file'],
    ['/dev/stdin when it is a pipe with a writer that never writes', () => {
      // As in `sleep 1000 | es-rolling-upgrade --config /dev/stdin`: stdin is a pipe whose writer stays open.
      const fifo = join(dir, `stdin-${Date.now().toString()}.fifo`);
      expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
      const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
      opened.push(reader, openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
      return { path: '/dev/stdin', stdin: reader };
    }, 'is a named pipe (FIFO), not a regular file'],
    ['a device that never ends', () => ({ path: '/dev/zero', stdin: 'ignore' }), 'is a character device, not a regular file'],
    ['a directory', () => ({ path: dir, stdin: 'ignore' }), 'is a directory, not a regular file'],
  ];
  it.each(cases)('%s is refused at once with exit code 2', async (_name, make, expected) => {
    const { path, stdin } = make();
    const before = server.requests.length;
    const started = Date.now();
    const result = await runCli(['plan', ...BASE, '--es-url', server.url, '--config', path], { timeoutMs: 10_000, stdin });
    expect(result.signal).toBeNull();
    expect(result.code).toBe(ExitCode.invalidInput);
    expect(result.stderr).toContain(`error: --config: "${path}" ${expected}; give the path of a JSON or YAML file`);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(server.requests.length).toBe(before);
  }, 15_000);

  it('a file larger than a config file can be', async () => {
    const big = file('big.yaml', `# ${'x'.repeat(1024 * 1024)}\norder: data-first\n`);
    const result = await mainWith(['plan', ...BASE, '--es-url', 'https://es:9200', '--config', big]);
    expect(result.code).toBe(ExitCode.invalidInput);
    expect(result.err).toContain(`error: --config: "${big}" is more than 1048576 bytes; a config file is at most 1048576 bytes (1 MiB)`);
    expect(result.connected).toBe(false);
  });
});

describe('a config file that expands or nests without bound', () => {
  const laughs = [
    'lol1: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
    ...['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].map((name, i) => {
      const previous = String.fromCharCode('a'.charCodeAt(0) + i);
      return `lol${(i + 2).toString()}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]`;
    }),
    'order: data-first',
  ].join('\n');

  it.each([
    ['YAML aliases that expand a billion times', 'laughs.yaml', laughs, 'expands its YAML aliases (*name) too often; a config file may use at most 50 alias expansions'],
    ['YAML nested ten thousand deep', 'deep.yaml', `order: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`, 'nests deeper than 8 levels'],
    ['YAML block mappings nested deep', 'deep-block.yaml', Array.from({ length: 40 }, (_, i) => `${' '.repeat(i * 2)}k${i.toString()}:`).join('\n') + ' x\n', 'nests deeper than 8 levels'],
    ['JSON nested ten thousand deep', 'deep.json', `{"order": ${'['.repeat(10_000)}${']'.repeat(10_000)}}`, 'nests deeper than 8 levels'],
  ])('%s is exit code 2, not an internal error', async (_name, name, content, expected) => {
    const path = file(name, content);
    const result = await mainWith(['plan', ...BASE, '--es-url', 'https://es:9200', '--config', path]);
    expect(result.err).not.toContain('internal error');
    expect(result.code).toBe(ExitCode.invalidInput);
    expect(result.err).toContain(`error: --config: "${path}" ${expected}`);
    expect(result.connected).toBe(false);
  });

  it('a few aliases, as a settings file may use, are fine', async () => {
    const path = file('aliases.yaml', 'group-name: &groups [es-data, es-master]\ndisable-rule: [no_orphans]\nx-groups: *groups\n');
    const result = await mainWith(['plan', ...BASE, '--es-url', 'https://es:9200', '--config', path]);
    expect(result.code).toBe(ExitCode.invalidInput);
    expect(result.err).toContain('unknown setting "x-groups"');
  });
});

describe('--version takes nothing else', () => {
  it.each([
    ['-V junk', ['-V', 'junk'], '-V prints the version and takes nothing else (got "junk")'],
    ['--version junk', ['--version', 'junk'], '--version prints the version and takes nothing else (got "junk")'],
    ['-V with a command', ['plan', '-V'], '-V prints the version and takes nothing else (got "plan")'],
    ['--version with a flag', ['--version', '--order', 'data-first'], '--version prints the version and takes nothing else (got --order)'],
  ])('%s is exit code 2', async (_name, argv, expected) => {
    const result = await mainWith(argv);
    expect(result.code).toBe(ExitCode.invalidInput);
    expect(result.err).toContain(`error: ${expected}; run "es-rolling-upgrade --version" alone`);
    expect(result.out).toBe('');
  });

  it.each([['-V'], ['--version']])('%s alone prints the version', async (flag) => {
    const result = await mainWith([flag]);
    expect(result.code).toBe(ExitCode.ok);
    expect(result.out).toMatch(/^\d+\.\d+\.\d+\S*\n$/);
  });
});

describe('a duration that is not finite', () => {
  it.each([
    ['YAML', 'inf.yaml', 'green-timeout: 1e999\n', 'green-timeout (in '],
    ['YAML .inf', 'dot-inf.yaml', 'green-timeout: .inf\n', 'green-timeout (in '],
    ['JSON', 'inf.json', '{"green-timeout": 1e999}', 'green-timeout (in '],
  ])('a number read as Infinity from %s is named, with what is valid', async (_name, name, content, where) => {
    const path = file(name, content);
    const result = await mainWith(['plan', ...BASE, '--es-url', 'https://es:9200', '--config', path]);
    expect(result.code).toBe(ExitCode.invalidInput);
    expect(result.err).toContain(`${where}${path}): Infinity is not a finite duration; write one with a unit, from 1s to 7d (e.g. 90s, 15m, 1h)`);
    expect(result.err).not.toContain('null');
  });

  it('a duration too long for a number is named, with the valid range', async () => {
    const huge = `${'9'.repeat(400)}s`;
    const result = await mainWith(['plan', ...BASE, '--es-url', 'https://es:9200', '--poll-interval', huge]);
    expect(result.code).toBe(ExitCode.invalidInput);
    expect(result.err).toContain('--poll-interval: "9999');
    expect(result.err).toContain('is not a finite duration; must be between 100ms and 5m');
  });
});
