import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { createEsClient } from '../../src/cluster/es-client.ts';
import { EsCluster } from '../../src/cluster/es-cluster.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { createSimulatedWorld } from '../../src/sim/index.ts';
import type { UpgradeReport } from '../../src/upgrade/plan-model.ts';
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

  it('lease, which talks to Elasticsearch alone: trace logs and a cluster that refuses the credentials', async () => {
    const before = server.requests.length;
    const result = await runCli(['lease', '--es-url', server.url, '--es-username', 'elastic', '--log-level', 'trace'], {
      env: { ESRU_ES_PASSWORD: PASSWORD },
    });
    const requests = server.requests.slice(before);
    expect(requests.length).toBeGreaterThan(0);
    expect(requests[0]?.url).toBe('/es-rolling-upgrade-lock/_doc/lease');
    expect(requests[0]?.headers['x-opaque-id']).toMatch(/^es-rolling-upgrade\/\S+ lease \S+:\d+:[0-9a-f]+$/);
    expect(result.code).toBe(ExitCode.internal);
    expect(result.stderr).toContain('"auth":"basic (elastic)"');
    expectNoSecret(result.stdout, result.stderr);
  });
});

describe('a server that echoes the Authorization header into its error', () => {
  // A password and an API key whose every derived form differs from the plain one.
  const ECHO_PASSWORD = 'echo-pw/Tr0ub4dor&3+horse';
  const ECHO_API_ID = 'QmVjaG8tYXBpLWlk01';
  const ECHO_API_SECRET = 'echo-api-secret-9tvNnw';
  const ECHO_API_KEY = Buffer.from(`${ECHO_API_ID}:${ECHO_API_SECRET}`).toString('base64');
  const basic = Buffer.from(`elastic:${ECHO_PASSWORD}`).toString('base64');
  const DERIVED = [
    ECHO_PASSWORD,
    encodeURIComponent(ECHO_PASSWORD),
    basic,
    basic.replace(/=+$/, ''),
    encodeURIComponent(basic),
    ECHO_API_KEY,
    `${ECHO_API_ID}:${ECHO_API_SECRET}`,
    ECHO_API_SECRET,
    encodeURIComponent(ECHO_API_KEY),
  ];

  function expectNothingDerived(...texts: string[]): void {
    for (const text of texts) for (const form of DERIVED) expect(text).not.toContain(form);
  }

  let echo: { url: string; authorizations: string[]; close(): Promise<void> };
  beforeAll(async () => {
    const authorizations: string[] = [];
    // Answers everything with 401, quoting the header it got, decoded and percent-encoded too.
    const server = createServer((req, res) => {
      const header = req.headers.authorization ?? '';
      authorizations.push(header);
      const decoded = Buffer.from(header.replace(/^\S+\s+/, ''), 'base64').toString('utf8');
      req.resume();
      res.writeHead(401, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
      res.end(JSON.stringify({
        error: { type: 'security_exception', reason: `unable to authenticate with [${header}] (credentials [${decoded}], as sent [${encodeURIComponent(decoded)}])` },
        status: 401,
      }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    echo = {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port.toString()}`,
      authorizations,
      close: () => new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
    };
  });
  afterAll(() => echo.close());

  it.each([
    ['basic authentication', ['--es-username', 'elastic'], { ESRU_ES_PASSWORD: ECHO_PASSWORD }, 'Basic '],
    ['an API key', [], { ESRU_ES_API_KEY: ECHO_API_KEY }, 'ApiKey '],
  ])('with %s: nothing derived from the secret reaches stdout or stderr', async (_name, flags, env, scheme) => {
    const before = echo.authorizations.length;
    const result = await runCli(['plan', ...BASE, '--es-url', echo.url, '--aws-endpoint', echo.url, '--log-level', 'trace', ...flags], {
      env: { ...env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' },
    });
    // The server did get the credential, and did echo it.
    expect(echo.authorizations.slice(before).some((h) => h.startsWith(scheme))).toBe(true);
    expect(result.code).not.toBe(ExitCode.ok);
    expect(result.stderr).toContain('unable to authenticate with [');
    expectNothingDerived(result.stdout, result.stderr);
  });

  it('a run that fails on the echo: nothing derived from the password in the report, stdout or stderr', async () => {
    const report = join(dir, 'echo-report.json');
    const world = createSimulatedWorld({ masters: 3, data: 3, fromVersion: '9.4.5', launchVersion: '9.5.4' });
    // The run's health waits go to the real adapter and client, against the echoing server.
    const echoing = new EsCluster(createEsClient({ nodes: [echo.url], username: 'elastic', password: ECHO_PASSWORD, maxRetries: 0 }), silentLogger());
    world.cluster.waitForHealth = (wait, signal) => echoing.waitForHealth(wait, signal);
    const io = memoryIo({ ESRU_ES_PASSWORD: ECHO_PASSWORD });
    const captured = captureLogger('trace');

    const code = await main(
      ['run', '--target-version', '9.5.4', '--region', 'ap-southeast-2', '--es-url', echo.url, '--es-username', 'elastic', '--yes', '--report', report, '--log-level', 'trace'],
      io,
      { createLogger: () => captured.log, connect: () => ({ cluster: world.cluster, fleet: world.fleet, lock: world.lock, close: () => Promise.resolve() }) },
    );

    const written = readFileSync(report, 'utf8');
    expect(code).toBe(ExitCode.internal);
    expect((JSON.parse(written) as UpgradeReport).outcome).toBe('failed');
    expect(written).toContain('unable to authenticate with [Basic [redacted]]');
    expectNothingDerived(written, io.out, io.err, captured.lines().join('\n'));
  });
});
