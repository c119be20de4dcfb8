// The service over real HTTP on a loopback port, with a scripted run behind it.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serviceTokenFromEnv } from '../../src/service/auth.ts';
import type { IdentifyCluster } from '../../src/app/identify-cluster.ts';
import { parseSettings } from '../../src/app/settings-schema.ts';
import { createRunRequestValidator, type ServiceRunSpec } from '../../src/service/run-request.ts';
import { startService, type RunningService } from '../../src/service/server.ts';
import { InterruptedError, InvalidInputError, ServiceError } from '../../src/shared/errors.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { fakeRuns, type FakeRuns } from './fake-run.ts';

const token = 'test-token-0123456789abcdef';
const runBody = (over: Record<string, unknown> = {}, mode = 'run') => ({ mode, options: { 'target-version': '9.5.4', ...over } });

/** The service's own settings: its cluster and region. */
const serviceSettings = (() => {
  const parsed = parseSettings({ 'es-url': ['http://es-1:9200', 'http://es-2:9200'], region: 'eu-west-1' });
  if (!parsed.success) throw parsed.error;
  return parsed.data;
})();
const validator = (identifyCluster: IdentifyCluster = () => Promise.resolve('uuid-1')) =>
  createRunRequestValidator({ settings: serviceSettings, identifyCluster });

let service: RunningService<ServiceRunSpec>;
let runs: FakeRuns;

async function call(method: string, path: string, options: { body?: unknown; token?: string | null; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== null) headers.authorization = `Bearer ${options.token ?? token}`;
  if (options.body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(`${service.url}${path}`, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, text, json };
}

async function startedRunId(body = runBody()): Promise<string> {
  const res = await call('POST', '/v1/runs', { body });
  expect(res.status).toBe(202);
  return res.json.id as string;
}

async function until(predicate: () => Promise<boolean> | boolean, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeEach(async () => {
  runs = fakeRuns();
  service = await startService({ token, startRun: runs.startRun, validate: validator(), log: silentLogger(), port: 0 });
});
afterEach(() => service.close());

describe('authentication', () => {
  it('health needs no token', async () => {
    const res = await call('GET', '/healthz', { token: null });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'ok' });
  });

  it.each([
    ['GET', '/v1/runs'],
    ['POST', '/v1/runs'],
    ['GET', '/metrics'],
    ['GET', '/v1/runs/00000000-0000-0000-0000-000000000000'],
  ])('%s %s without a token is 401 and starts nothing', async (method, path) => {
    const res = await call(method, path, { token: null, ...(method === 'POST' ? { body: runBody() } : {}) });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="es-rolling-upgrade"');
    expect(runs.started).toEqual([]);
  });

  it.each([
    ['a wrong token of the same length', token.replace(/.$/, 'X')],
    ['a prefix of the token', token.slice(0, 10)],
    ['the token with more after it', `${token}0`],
  ])('%s is 401 invalid_token', async (_title, wrong) => {
    const res = await call('POST', '/v1/runs', { token: wrong, body: runBody() });
    expect(res.status).toBe(401);
    expect(res.json.error).toBe('the bearer token is not valid');
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(res.text).not.toContain(token);
    expect(runs.started).toEqual([]);
  });

  it('another scheme than Bearer counts as missing', async () => {
    const res = await call('GET', '/v1/runs', { token: null, headers: { authorization: `Basic ${token}` } });
    expect(res.status).toBe(401);
  });

  it('the right token is let in', async () => {
    expect((await call('GET', '/v1/runs')).status).toBe(200);
    expect((await call('GET', '/metrics')).status).toBe(200);
  });

  it('the service refuses to start without a token, or with a short one', async () => {
    expect(() => serviceTokenFromEnv({})).toThrow(InvalidInputError);
    expect(() => serviceTokenFromEnv({ ESRU_SERVICE_TOKEN: 'short' })).toThrow(/at least 16 characters/);
    expect(serviceTokenFromEnv({ ESRU_SERVICE_TOKEN: token })).toBe(token);
    await expect(
      startService({ token: '', startRun: runs.startRun, validate: validator(), log: silentLogger(), port: 0 }),
    ).rejects.toThrow(InvalidInputError);
  });
});

describe('POST /v1/runs validation', () => {
  it.each([
    ['a missing target version', { mode: 'run', options: {} }, 'options.target-version: is required'],
    ['a bad mode', runBody({}, 'upgrade'), 'mode: must be "plan" or "run"'],
    ['an unknown option', runBody({ 'target-versoin': '9.5.4' }), 'options'],
    ['a duration without unit', runBody({ 'node-join-timeout': '20' }), 'options.node-join-timeout: needs a unit'],
    ['another cluster, with credentials in its URL', runBody({ 'es-url': 'http://elastic:hunter2-secret@es-1:9200' }), 'options.es-url: may not be set by a request: it is a connection setting of the service'],
    ['TLS verification off', runBody({ 'tls-verify': false }), 'options.tls-verify: may not be set by a request: it is a connection setting'],
    ['another AWS profile', runBody({ profile: 'admin' }), 'options.profile: may not be set by a request: it is a connection setting'],
    ['a report path on the service host', runBody({ report: '/etc/passwd' }), 'options.report: may not be set by a request: it means something only on a command line'],
    ['a top-level field that is not one', { ...runBody(), yes: true }, 'yes: is not a field of a run request'],
  ])('%s is 400 with the issue', async (_title, body, issue) => {
    const res = await call('POST', '/v1/runs', { body });
    expect(res.status).toBe(400);
    expect((res.json.issues as string[]).join('\n')).toContain(issue);
    expect(res.text).not.toContain('hunter2-secret');
    expect(runs.started).toEqual([]);
  });

  it('a body that is not JSON is 400, one that is not declared JSON 415', async () => {
    expect((await call('POST', '/v1/runs', { body: '{"mode":' })).status).toBe(400);
    expect((await call('POST', '/v1/runs', { body: 'mode=run', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
  });

  it('a valid request starts the run with the parsed options', async () => {
    const res = await call('POST', '/v1/runs', { body: runBody({ 'node-join-timeout': '5m', order: 'data-first' }) });

    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toBe(`/v1/runs/${String(res.json.id)}`);
    expect(res.json).toMatchObject({ mode: 'run', state: 'running', cluster: 'http://es-1:9200,http://es-2:9200', clusterUuid: 'uuid-1' });
    expect(runs.started[0]?.settings).toMatchObject({ 'node-join-timeout': 300_000, order: 'data-first', 'target-version': '9.5.4' });
  });
});

describe('one run per cluster', () => {
  it('a second run on the same cluster (by its UUID) is 409 naming the run under way', async () => {
    const first = await startedRunId();

    const res = await call('POST', '/v1/runs', { body: runBody({}, 'plan') });

    expect(res.status).toBe(409);
    expect(res.json).toMatchObject({
      runId: first,
      error: 'a run is already under way on this cluster',
      clusterUuid: 'uuid-1',
      cluster: 'http://es-1:9200,http://es-2:9200',
      location: `/v1/runs/${first}`,
    });
    expect(runs.started).toHaveLength(1);
  });

  it('the same cluster may run again once the first ended', async () => {
    const first = await startedRunId();
    runs.finish();
    await until(async () => (await call('GET', `/v1/runs/${first}`)).json.state === 'finished');

    expect((await call('POST', '/v1/runs', { body: runBody() })).status).toBe(202);
  });

  it('a cluster that does not say who it is is 502 and starts nothing', async () => {
    await service.close();
    service = await startService({
      token,
      startRun: runs.startRun,
      validate: validator(() => Promise.reject(new ServiceError('elasticsearch', 'GET / failed: connect ECONNREFUSED'))),
      log: silentLogger(),
      port: 0,
    });

    const res = await call('POST', '/v1/runs', { body: runBody() });

    expect(res.status).toBe(502);
    expect(res.json).toMatchObject({ error: 'cannot start the run' });
    expect((res.json.issues as string[])[0]).toContain('cannot tell which cluster http://es-1:9200, http://es-2:9200 is (GET / for its UUID): GET / failed');
    expect(runs.started).toEqual([]);
  });
});

describe('GET /v1/runs/:id', () => {
  it('while running: the node under way, its waits, the progress', async () => {
    const id = await startedRunId();

    const res = await call('GET', `/v1/runs/${id}`);

    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      id,
      state: 'running',
      progress: { phase: 'data', current: { node: 'es-data-1', index: 1, total: 2 }, wait: { kind: 'node-join', state: 'waiting', startedAt: '2026-01-01T00:00:05.000Z' } },
      nodes: [{ nodeName: 'es-data-1', instanceId: 'i-0aaa', state: 'in-progress', waits: [{ kind: 'node-join' }] }],
      refusals: [],
    });
    expect(res.json).not.toHaveProperty('config');
  });

  it('when finished: outcome, report, timeline from the report', async () => {
    const id = await startedRunId();
    runs.finish();
    await until(async () => (await call('GET', `/v1/runs/${id}`)).json.state === 'finished');

    const res = await call('GET', `/v1/runs/${id}`);

    expect(res.json).toMatchObject({
      outcome: 'completed',
      exitCode: 0,
      terminatedInstanceIds: ['i-0aaa'],
      nodes: [{ nodeName: 'es-data-1', outcome: 'replaced' }],
      report: { tool: 'es-rolling-upgrade' },
    });
  });

  it('an unknown run is 404', async () => {
    expect((await call('GET', '/v1/runs/00000000-0000-0000-0000-000000000000')).status).toBe(404);
    expect((await call('GET', '/v1/nope')).status).toBe(404);
  });
});

describe('the event stream', () => {
  async function readStream(path: string, headers: Record<string, string> = {}): Promise<{ type: string | null; text: string }> {
    const res = await fetch(`${service.url}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } });
    return { type: res.headers.get('content-type'), text: await res.text() };
  }

  it('Server-Sent Events: replays what happened, follows live, ends with the finished event', async () => {
    const id = await startedRunId();
    const streamed = readStream(`/v1/runs/${id}/events`);
    await new Promise((r) => setTimeout(r, 50));
    runs.finish();

    const { type, text } = await streamed;

    expect(type).toContain('text/event-stream');
    const frames = text.trim().split('\n\n').map((f) => Object.fromEntries(f.split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)])));
    expect(frames.map((f) => f.event)).toEqual(['phase', 'node-start', 'wait', 'wait-done', 'recovery', 'wait-done', 'node-done', 'finished']);
    expect(frames.map((f) => Number(f.id))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(JSON.parse(frames[7]?.data ?? '{}')).toMatchObject({ type: 'finished', report: { outcome: 'completed' } });
  });

  it('resumes after Last-Event-ID, and speaks NDJSON on request', async () => {
    const id = await startedRunId();
    runs.finish();
    await until(async () => (await call('GET', `/v1/runs/${id}`)).json.state === 'finished');

    const sse = await readStream(`/v1/runs/${id}/events`, { 'last-event-id': '6' });
    const ndjson = await readStream(`/v1/runs/${id}/events?format=ndjson`);

    expect(sse.text.match(/^event: .*$/gm)).toEqual(['event: node-done', 'event: finished']);
    expect(ndjson.type).toContain('application/x-ndjson');
    const lines = ndjson.text.trim().split('\n').map((l) => JSON.parse(l) as { seq: number; type: string });
    expect(lines.map((l) => l.type)).toEqual(['phase', 'node-start', 'wait', 'wait-done', 'recovery', 'wait-done', 'node-done', 'finished']);
  });
});

describe('cancel', () => {
  it('stops the run as SIGTERM does and the run ends interrupted', async () => {
    const id = await startedRunId();

    const res = await call('POST', `/v1/runs/${id}/cancel`);

    expect(res.status).toBe(202);
    expect(res.json.state).toBe('cancelling');
    const reason = runs.signals[0]?.reason as unknown;
    expect(reason).toBeInstanceOf(InterruptedError);
    expect((reason as InterruptedError).signalName).toBe('SIGTERM');
    await until(async () => (await call('GET', `/v1/runs/${id}`)).json.state === 'finished');
    expect((await call('GET', `/v1/runs/${id}`)).json).toMatchObject({ outcome: 'interrupted', exitCode: 143 });
  });

  it('an ended run cannot be cancelled (409), an unknown one is 404', async () => {
    const id = await startedRunId();
    runs.finish();
    await until(async () => (await call('GET', `/v1/runs/${id}`)).json.state === 'finished');

    expect((await call('POST', `/v1/runs/${id}/cancel`)).status).toBe(409);
    expect((await call('POST', '/v1/runs/00000000-0000-0000-0000-000000000000/cancel')).status).toBe(404);
    expect((await call('GET', `/v1/runs/${id}/cancel`)).status).toBe(405);
  });

  it('closing the service cancels runs under way and waits for them', async () => {
    await startedRunId();
    await service.close();
    expect(runs.signals[0]?.aborted).toBe(true);
    service = await startService({ token, startRun: runs.startRun, validate: validator(), log: silentLogger(), port: 0 });
  });

  it('closing cancels with the signal given, and reports no run left when all ended', async () => {
    await startedRunId();
    const stopped = await service.close(new InterruptedError('SIGINT'));
    expect((runs.signals[0]?.reason as InterruptedError).signalName).toBe('SIGINT');
    expect(stopped.unfinished).toEqual([]);
    service = await startService({ token, startRun: runs.startRun, validate: validator(), log: silentLogger(), port: 0 });
  });

  it('a request still being validated when the service stops gets 503 and starts nothing', async () => {
    await service.close();
    let identified = (): void => undefined;
    const identifying = new Promise<void>((resolve) => (identified = resolve));
    let asked = (): void => undefined;
    const wasAsked = new Promise<void>((resolve) => (asked = resolve));
    service = await startService({
      token,
      startRun: runs.startRun,
      validate: validator(async () => {
        asked();
        await identifying;
        return 'uuid-1';
      }),
      log: silentLogger(),
      port: 0,
    });
    const late = call('POST', '/v1/runs', { body: runBody({}, 'plan') });
    await wasAsked;
    const closing = service.close();
    identified();
    const res = await late;
    expect(res.status).toBe(503);
    expect(res.json.error).toContain('stopping');
    await closing;
    expect(runs.started).toEqual([]);
  });
});

describe('a run that fails internally', () => {
  it('is marked failed with a redacted error and counted', async () => {
    await service.close();
    service = await startService({
      token,
      startRun: () => Promise.reject(new Error('connect ECONNREFUSED http://elastic:pw-0123456789@es-1:9200')),
      validate: validator(),
      log: silentLogger(),
      port: 0,
    });
    const id = await startedRunId();
    await until(async () => (await call('GET', `/v1/runs/${id}`)).json.state === 'failed');

    const res = await call('GET', `/v1/runs/${id}`);
    expect(res.json.error).toBe('connect ECONNREFUSED http://[redacted]@es-1:9200');
    expect((await call('GET', '/metrics')).text).toContain('esru_runs_total{mode="run",outcome="failed"} 1');
  });
});

describe('GET /metrics', () => {
  it('counts runs by outcome, replaced nodes, waits by kind, calls and errors', async () => {
    const id = await startedRunId();
    runs.finish();
    await until(async () => (await call('GET', `/v1/runs/${id}`)).json.state === 'finished');

    const res = await call('GET', '/metrics');

    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const lines = res.text.split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        '# TYPE esru_runs_total counter',
        'esru_runs_total{mode="run",outcome="completed"} 1',
        'esru_runs_active 0',
        'esru_nodes_replaced_total 1',
        '# TYPE esru_wait_duration_seconds histogram',
        'esru_wait_duration_seconds_bucket{kind="node-join",le="60"} 0',
        'esru_wait_duration_seconds_bucket{kind="node-join",le="120"} 1',
        'esru_wait_duration_seconds_bucket{kind="node-join",le="+Inf"} 1',
        'esru_wait_duration_seconds_sum{kind="node-join"} 65',
        'esru_wait_duration_seconds_count{kind="green"} 1',
        'esru_calls_total{service="aws",operation="TerminateInstanceInAutoScalingGroup"} 1',
        'esru_calls_total{service="elasticsearch",operation="cluster.health"} 2',
        'esru_call_errors_total{service="elasticsearch",operation="cluster.health"} 1',
        'esru_call_errors_total{service="aws",operation="TerminateInstanceInAutoScalingGroup"} 0',
      ]),
    );
  });
});
