import { describe, expect, it } from 'vitest';
import { isTransientError, withRetry } from '../../src/shared/retry.ts';
import { captureLogger } from './capture-logger.ts';

const fast = { retries: 3, minDelayMs: 1, maxDelayMs: 2 };

function failing(error: Error, times: number): { fn: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    fn: () => {
      calls++;
      return calls <= times ? Promise.reject(error) : Promise.resolve('ok');
    },
    calls: () => calls,
  };
}

function esResponseError(statusCode: number): Error {
  return Object.assign(new Error(`HTTP ${statusCode}`), { name: 'ResponseError', statusCode });
}

function awsError(name: string, httpStatusCode: number, extra: object = {}): Error {
  return Object.assign(new Error(name), { name, $fault: httpStatusCode >= 500 ? 'server' : 'client', $metadata: { httpStatusCode }, ...extra });
}

describe('isTransientError', () => {
  it.each([
    ['connection refused while a node restarts', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
    ['connection reset', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['@elastic/transport ConnectionError', Object.assign(new Error('x'), { name: 'ConnectionError' })],
    ['@elastic/transport TimeoutError', Object.assign(new Error('x'), { name: 'TimeoutError' })],
    ['@elastic/transport NoLivingConnectionsError', Object.assign(new Error('x'), { name: 'NoLivingConnectionsError' })],
    ['Elasticsearch 429', esResponseError(429)],
    ['Elasticsearch 502', esResponseError(502)],
    ['Elasticsearch 503 (no master yet)', esResponseError(503)],
    ['Elasticsearch 504', esResponseError(504)],
    ['AWS throttling', awsError('ThrottlingException', 400, { $retryable: { throttling: true } })],
    ['EC2 RequestLimitExceeded', awsError('RequestLimitExceeded', 503)],
    ['AWS 500 InternalFailure', awsError('InternalFailure', 500)],
    ['a socket error wrapped as cause', new Error('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ETIMEDOUT' }) })],
  ])('retries %s', (_name, error) => {
    expect(isTransientError(error)).toBe(true);
  });

  it.each([
    ['Elasticsearch 400 validation', esResponseError(400)],
    ['Elasticsearch 401', esResponseError(401)],
    ['Elasticsearch 404', esResponseError(404)],
    ['Elasticsearch 409 conflict', esResponseError(409)],
    ['AWS ValidationError', awsError('ValidationError', 400)],
    ['AWS AccessDenied', awsError('AccessDenied', 403)],
    ['a programming error', new TypeError('x is undefined')],
    ['an untrusted certificate (wrong CA), though a ConnectionError', Object.assign(new Error('unable to verify the first certificate; if the root CA is installed locally, try running Node.js with --use-system-ca'), { name: 'ConnectionError' })],
    ['a self-signed certificate by code, wrapped', new Error('fetch failed', { cause: Object.assign(new Error('x'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }) })],
    ['a non-error', 'boom'],
  ])('does not retry %s', (_name, error) => {
    expect(isTransientError(error)).toBe(false);
  });
});

describe('withRetry', () => {
  it('retries a transient failure until it succeeds', async () => {
    // Prepare
    const { log } = captureLogger();
    const op = failing(esResponseError(503), 2);

    // Act
    const result = await withRetry(op.fn, { log, what: 'GET _cluster/health', options: fast });

    // Assess
    expect(result).toBe('ok');
    expect(op.calls()).toBe(3);
  });

  it('fails at once on a 4xx without retrying', async () => {
    const { log } = captureLogger();
    const op = failing(esResponseError(400), 5);

    await expect(withRetry(op.fn, { log, what: 'PUT x', options: fast })).rejects.toThrow('HTTP 400');

    expect(op.calls()).toBe(1);
  });

  it('gives up after the configured number of retries with the last error', async () => {
    const { log } = captureLogger();
    const op = failing(esResponseError(503), 10);

    await expect(withRetry(op.fn, { log, what: 'GET x', options: { ...fast, retries: 2 } })).rejects.toThrow('HTTP 503');

    expect(op.calls()).toBe(3);
  });

  it('logs each retry at debug with the attempt number and what was attempted', async () => {
    const logger = captureLogger();
    const op = failing(Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:9200'), { code: 'ECONNREFUSED' }), 2);

    await withRetry(op.fn, { log: logger.log, what: 'GET _nodes', options: fast });

    const retries = logger.entries().filter((e) => e.msg === 'retrying GET _nodes');
    expect(retries).toHaveLength(2);
    expect(retries.map((e) => [e.level, e.attempt])).toEqual([
      [20, 1],
      [20, 2],
    ]);
    expect(String(retries[0]?.error)).toContain('ECONNREFUSED');
  });

  it('stops retrying when the signal aborts and rejects with its reason', async () => {
    const { log } = captureLogger();
    const controller = new AbortController();
    let calls = 0;
    const fn = (): Promise<string> => {
      calls++;
      if (calls === 2) controller.abort(new Error('interrupted'));
      return Promise.reject(esResponseError(503));
    };

    await expect(withRetry(fn, { log, what: 'GET x', options: { ...fast, retries: 10 }, signal: controller.signal })).rejects.toThrow(
      'interrupted',
    );

    expect(calls).toBe(2);
  });

  it('honours a caller-supplied retry test', async () => {
    const { log } = captureLogger();
    const op = failing(esResponseError(503), 5);

    await expect(withRetry(op.fn, { log, what: 'x', options: fast, isRetryable: () => false })).rejects.toThrow();

    expect(op.calls()).toBe(1);
  });
});
