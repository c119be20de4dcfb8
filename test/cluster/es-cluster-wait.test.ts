import { describe, expect, it, vi } from 'vitest';
import { EsCluster } from '../../src/cluster/es-cluster.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { captureOf, fixtureResponse, loadFixture, mockedEs, versionsWith } from './es-fixtures.ts';

const fast = { retries: 2, minDelayMs: 1, maxDelayMs: 2 };

describe.each(versionsWith('health-green', 'health-wait-green-timeout', 'health-wait-nodes-timeout'))(
  'EsCluster.waitForHealth against Elasticsearch %s',
  (version) => {
    it('long-polls with every wait condition and a client timeout longer than the server one', async () => {
      // Prepare
      const es = mockedEs();
      es.serve('GET', '/_cluster/health', fixtureResponse(version, 'health-green'));
      const health = vi.spyOn(es.client.cluster, 'health');

      // Act
      const result = await new EsCluster(es.client, silentLogger(), { retry: fast, longPollGraceMs: 5_000 }).waitForHealth({
        status: 'green',
        nodes: '>=6',
        noRelocatingShards: true,
        noInitializingShards: true,
        timeoutMs: 30_000,
      });

      // Assess
      expect(result).toMatchObject({ status: 'green', timedOut: false });
      expect(es.requests[0]?.querystring).toEqual({
        wait_for_status: 'green',
        wait_for_nodes: '>=6',
        wait_for_no_relocating_shards: 'true',
        wait_for_no_initializing_shards: 'true',
        timeout: '30000ms',
      });
      expect(health.mock.calls[0]?.[1]).toMatchObject({ requestTimeout: 35_000 });
    });

    it.each(['health-wait-green-timeout', 'health-wait-nodes-timeout'])('returns timedOut instead of throwing on 408 (%s)', async (fixture) => {
      // Prepare
      const es = mockedEs();
      es.serve('GET', '/_cluster/health', fixtureResponse(version, fixture));
      expect(captureOf(version, fixture).status).toBe(408);

      // Act
      const result = await new EsCluster(es.client, silentLogger(), { retry: fast }).waitForHealth({ status: 'green', timeoutMs: 1_000 });

      // Assess
      const body = loadFixture<{ status: string; unassigned_shards: number }>(version, fixture);
      expect(result).toMatchObject({ timedOut: true, status: body.status, unassignedShards: body.unassigned_shards });
      expect(es.requests).toHaveLength(1);
    });

    it('rejects with the abort reason, without a request, when the signal has already fired', async () => {
      const es = mockedEs();
      es.serve('GET', '/_cluster/health', fixtureResponse(version, 'health-green'));
      const reason = new Error('interrupted by SIGTERM');

      const wait = new EsCluster(es.client, silentLogger(), { retry: fast }).waitForHealth({ timeoutMs: 1_000 }, AbortSignal.abort(reason));

      await expect(wait).rejects.toBe(reason);
      expect(es.requests).toHaveLength(0);
    });
  },
);
