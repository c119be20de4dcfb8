import { describe, expect, it } from 'vitest';
import { EsCluster } from '../../src/cluster/es-cluster.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { catShardsResponse, fixtureResponse, mockedEs, versionsWith } from './es-fixtures.ts';

const fast = { retries: 2, minDelayMs: 1, maxDelayMs: 2 };
const files = ['nodes', 'health-yellow-version-conflict', 'cat-shards-version-conflict', 'cluster-state-master-coordination', 'allocation-explain-version-conflict'];

describe.each(versionsWith(...files))('EsCluster.observe in a mid-upgrade cluster (%s)', (mixed) => {
  it('reports both versions and explains the replica held back by the version deciders', async () => {
    // Prepare: the mixed capture has no settings file; the newer version's empty settings stand in.
    const [older = '', newer = ''] = mixed.replace('mixed-', '').split('-');
    const es = mockedEs();
    es.serve('GET', '/_nodes', fixtureResponse(mixed, 'nodes'));
    es.serve('GET', '/_cluster/health', fixtureResponse(mixed, 'health-yellow-version-conflict'));
    es.serve('GET', '/_cat/shards', catShardsResponse(mixed, 'cat-shards-version-conflict'));
    es.serve('GET', '/_cluster/state/:metric', fixtureResponse(mixed, 'cluster-state-master-coordination'));
    es.serve('GET', '/_cluster/settings', fixtureResponse(newer, 'settings-empty'));
    es.serve('POST', '/_cluster/allocation/explain', fixtureResponse(mixed, 'allocation-explain-version-conflict'));

    // Act
    const snapshot = await new EsCluster(es.client, silentLogger(), { retry: fast }).observe();

    // Assess
    expect(new Set(snapshot.nodes.map((n) => n.version))).toEqual(new Set([older, newer]));
    const conflict = snapshot.unassignedExplanations?.find((e) => e.index === 'on-newer');
    expect(conflict).toMatchObject({ primary: false, canAllocate: 'no' });
    const deciders = (node: string): string[] =>
      conflict?.nodeDecisions.find((d) => d.nodeName === node)?.deciders.map((d) => `${d.decider}:${d.decision}`) ?? [];
    expect(deciders('data-old')).toEqual(expect.arrayContaining(['node_version:NO']));
    expect(deciders('data-new')).toEqual(['same_shard:NO']);
  });
});
