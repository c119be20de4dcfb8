import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { ExitCode, ServiceError } from '../../src/shared/errors.ts';
import { captureLogger } from '../shared/capture-logger.ts';
import { runCli, startRecordingServer, type RecordingServer } from './run-cli.ts';
import { memoryIo } from '../support/memory-io.ts';

const PASSWORD = 'pw-Tr0ub4dor-3-horse';
const API_KEY = 'VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==';
const URL_PASSWORD = 'url-s3cret-in-host';
const FILE_PASSWORD = 'file-pa55word-yaml';
const SECRETS = [PASSWORD, API_KEY, URL_PASSWORD, FILE_PASSWORD, Buffer.from(`elastic:${PASSWORD}`).toString('base64')];

const dir = mkdtempSync(join(tmpdir(), 'esru-secrets-'));
const BASE = ['--target-version', '2.14.0', '--region', 'ap-southeast-2'];

function expectNoSecret(...texts: string[]): void {
  for (const text of texts) for (const secret of SECRETS) expect(text).not.toContain(secret);
}


const invalid: [string, string[], Record<string, string>][] = [
  ['a password flag with another bad value', ['plan', ...BASE, '--es-url', 'https://es:9200', '--es-username', 'elastic', '--es-password', PASSWORD, '--order', 'sideways'], {}],
  ['an API key in the environment that conflicts with a user', ['plan', ...BASE, '--es-url', 'https://es:9200', '--es-username', 'elastic', '--es-password', PASSWORD], { ESRU_ES_API_KEY: API_KEY }],
  ['a password without a user', ['plan', ...BASE, '--es-url', 'https://es:9200'], { ESRU_ES_PASSWORD: PASSWORD }],
  ['credentials inside the URL', ['plan', ...BASE, '--es-url', `https://elastic:${URL_PASSWORD}@es:9200`], {}],
  ['a password after a misspelt flag', ['plan', ...BASE, '--es-url', 'https://es:9200', '--es-pasword', PASSWORD], {}],
  ['a password given to an on/off flag', ['plan', ...BASE, '--es-url', 'https://es:9200', `--yes=${PASSWORD}`], {}],
  ['a password taken for a missing value', ['plan', ...BASE, '--es-url', 'https://es:9200', '--es-password', `-${PASSWORD}`], {}],
];

describe('secrets never appear in errors or logs', () => {
  it.each(invalid)('when validation fails: %s', async (_name, argv, env) => {
    const io = memoryIo(env);
    const captured = captureLogger('trace');
    const code = await main(argv, io, { createLogger: () => captured.log });
    expect(code).toBe(ExitCode.invalidInput);
    expect(io.err).toMatch(/^error: /);
    expectNoSecret(io.out, io.err, captured.lines().join('\n'));
  });

  it('when a config file holding a password does not parse', async () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, `es-username: elastic\nes-password: "${FILE_PASSWORD}\norder: data-first\n`);
    const io = memoryIo();
    const code = await main(['plan', ...BASE, '--es-url', 'https://es:9200', '--config', file], io);
    expect(code).toBe(ExitCode.invalidInput);
    expect(io.err).toContain('is not valid YAML at line');
    expectNoSecret(io.out, io.err);
  });

  it('when an adapter error echoes the password, and in the debug log of the settings', async () => {
    const io = memoryIo({ ESRU_ES_PASSWORD: PASSWORD });
    const captured = captureLogger('trace');
    const echo = (): Promise<never> => Promise.reject(new ServiceError('elasticsearch', `login failed for elastic:${PASSWORD}`));
    const code = await main(['plan', ...BASE, '--es-url', 'https://es:9200', '--es-username', 'elastic', '--log-level', 'trace'], io, {
      createLogger: () => captured.log,
      connect: () => ({
        cluster: { observe: echo, waitForHealth: echo, explainUnassigned: echo, putSettings: echo, allocateReplica: echo, excludeFromVoting: echo, clearVotingExclusions: echo },
        fleet: { observe: echo, terminateInGroup: echo },
        lock: { acquire: echo, update: echo, release: echo, inspect: echo, breakLease: echo },
        close: () => Promise.resolve(),
      }),
    });
    expect(code).toBe(ExitCode.internal);
    expect(io.err).toContain('login failed for elastic:[redacted]');
    expect(captured.lines().join('\n')).toContain('"auth":"basic (elastic)"');
    expectNoSecret(io.out, io.err, captured.lines().join('\n'));
  });
});

describe('secrets never appear in the output of the process', () => {
  let server: RecordingServer;
  beforeAll(async () => {
    server = await startRecordingServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('with invalid input', async () => {
    const result = await runCli(['plan', ...BASE, '--es-url', server.url, '--es-username', 'elastic', '--es-password', PASSWORD, '--order', 'sideways', '--log-level', 'trace'], {
      env: { ESRU_ES_API_KEY: API_KEY },
    });
    expect(result.code).toBe(ExitCode.invalidInput);
    expectNoSecret(result.stdout, result.stderr);
  });

  it('with valid input, trace logs and a cluster that refuses the credentials', async () => {
    const result = await runCli(['plan', ...BASE, '--es-url', server.url, '--aws-endpoint', server.url, '--es-username', 'elastic', '--log-level', 'trace'], {
      env: { ESRU_ES_PASSWORD: PASSWORD, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' },
    });
    expect(server.requests.some((r) => r.headers.authorization !== undefined)).toBe(true);
    expect(result.code).not.toBe(ExitCode.ok);
    expect(result.stderr).toContain('"msg":"settings"');
    expectNoSecret(result.stdout, result.stderr);
  });
});
