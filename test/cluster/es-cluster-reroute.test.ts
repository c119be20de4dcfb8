// Placing a held-back replica: one `allocate_replica` reroute command, answered as real clusters did.

import { describe, expect, it } from 'vitest';
import { EsCluster } from '../../src/cluster/es-cluster.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { fixtureResponse, mockedEs } from './es-fixtures.ts';

const fast = { retries: 2, minDelayMs: 1, maxDelayMs: 2 };

describe('EsCluster.allocateReplica', () => {
  it('sends one allocate_replica command naming the index, shard and node, and asks for no state back', async () => {
    const es = mockedEs();
    es.serve('POST', '/_cluster/reroute', fixtureResponse('reroute', 'reroute-allocate-replica'));

    await new EsCluster(es.client, silentLogger(), { retry: fast }).allocateReplica({ index: 'data-1', shard: 1 }, 'i-c51622f18b8447440');

    expect(es.requests).toHaveLength(1);
    expect(es.requests[0]?.querystring).toMatchObject({ metric: 'none' });
    expect(es.requests[0]?.body).toEqual({ commands: [{ allocate_replica: { index: 'data-1', shard: 1, node: 'i-c51622f18b8447440' } }] });
  });

  it('fails with the reason Elasticsearch gives, without retrying a refused command', async () => {
    const es = mockedEs();
    es.serve('POST', '/_cluster/reroute', fixtureResponse('reroute', 'reroute-allocate-replica-unknown-node'));

    const placing = new EsCluster(es.client, silentLogger(), { retry: fast }).allocateReplica({ index: 'data-1', shard: 1 }, 'nowhere');

    await expect(placing).rejects.toThrow(/failed to resolve \[nowhere\], no matching nodes/);
    expect(es.requests).toHaveLength(1);
  });
});
