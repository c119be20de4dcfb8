import { errors } from '@elastic/elasticsearch';
import { describe, expect, it } from 'vitest';
import { EsCluster } from '../../src/cluster/es-cluster.ts';
import { toEsServiceError } from '../../src/cluster/es-error.ts';
import { ServiceError } from '../../src/shared/errors.ts';
import { captureLogger } from '../shared/capture-logger.ts';
import { fixtureSet, mockedEs } from './es-fixtures.ts';

// A real 401 from a node with security on (test/cluster/capture-write-fixtures.ts).
const { versionsWith, loadFixture, fixtureResponse } = fixtureSet('es-writes');

const PASSWORD = 'Tr0ub4dor-and-3';
const API_KEY = 'VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==';
const BASIC = Buffer.from(`elastic:${PASSWORD}`).toString('base64');

const credentials = [
  { kind: 'basic auth', auth: { username: 'elastic', password: PASSWORD }, secrets: [PASSWORD, BASIC] },
  { kind: 'an API key', auth: { apiKey: API_KEY }, secrets: [API_KEY] },
];

describe.each(versionsWith('security-unauthenticated'))('secrets against Elasticsearch %s', (version) => {
  it.each(credentials)('never puts $kind in a ServiceError or a logged line, even after retries and a 401', async ({ auth, secrets }) => {
    // Prepare: the node is unreachable once (a debug retry line), then answers 401.
    const es = mockedEs(auth);
    const logger = captureLogger('debug');
    es.serve('GET', '/_cluster/health', new errors.ConnectionError('connect ECONNREFUSED 10.0.0.1:9200'), fixtureResponse(version, 'security-unauthenticated'));
    const cluster = new EsCluster(es.client, logger.log, { retry: { retries: 2, minDelayMs: 1, maxDelayMs: 2 } });

    // Act
    const error = await cluster.waitForHealth({ status: 'green', timeoutMs: 1_000 }).catch((e: unknown) => e);
    logger.log.error({ err: error }, 'wait failed');

    // Assess
    expect(error).toBeInstanceOf(ServiceError);
    const reason = loadFixture<{ error: { reason: string } }>(version, 'security-unauthenticated').error.reason;
    expect((error as Error).message).toBe(`GET _cluster/health (wait) failed: HTTP 401, security_exception: ${reason}, (GET /_cluster/health)`);
    expect((error as Error).cause).toBeUndefined();
    const surfaces = [(error as Error).message, (error as Error).stack ?? '', JSON.stringify(error), ...logger.lines()];
    expect(logger.lines().some((l) => l.includes('retrying GET _cluster/health (wait)'))).toBe(true);
    for (const secret of secrets) for (const text of surfaces) expect(text).not.toContain(secret);
    expect(es.requests).toHaveLength(2);
  });
});

describe('toEsServiceError', () => {
  it('builds its message from status, type, reason and path only, even when the client kept the auth header', () => {
    // Prepare: the worst case, an error whose metadata was not redacted at all.
    const error = new errors.ResponseError(
      {
        body: { error: { type: 'security_exception', reason: 'unable to authenticate user [elastic]' }, status: 401 },
        statusCode: 401,
        headers: {},
        warnings: null,
        meta: { request: { params: { method: 'GET', path: '/_nodes', headers: { authorization: `Basic ${BASIC}` } } } } as never,
      },
      { redaction: { type: 'off' } },
    );

    // Act
    const translated = toEsServiceError(error, 'GET _nodes');

    // Assess
    expect(translated.message).toBe('GET _nodes failed: HTTP 401, security_exception: unable to authenticate user [elastic], (GET /_nodes)');
    expect(JSON.stringify(translated)).not.toContain(BASIC);
    expect(translated.cause).toBeUndefined();
  });
});
