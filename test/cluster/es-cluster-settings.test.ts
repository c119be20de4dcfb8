import { describe, expect, it } from 'vitest';
import { EsCluster } from '../../src/cluster/es-cluster.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { catShardsResponse, fixtureSet, mockedEs, type MockedEs } from './es-fixtures.ts';

// Settings reads and writes captured by test/cluster/capture-write-fixtures.ts.
const { versionsWith, fixtureResponse } = fixtureSet('es-writes');
const fast = { retries: 2, minDelayMs: 1, maxDelayMs: 2 };
const ENABLE = 'cluster.routing.allocation.enable';
const EXCLUDE = 'cluster.routing.allocation.exclude._name';

function puts(es: MockedEs): unknown[] {
  return es.requests.filter((r) => r.method === 'PUT' && r.path === '/_cluster/settings').map((r) => r.body);
}

describe.each(
  versionsWith('settings-transient-shadows-persistent', 'settings-exclude-names', 'settings-put-allocation-removed', 'settings-put-exclude-names'),
)('EsCluster settings against Elasticsearch %s', (version) => {
  it('writes each layer as given: a persistent value and null to clear, leaving the transient layer alone when none is set', async () => {
    // Prepare
    const es = mockedEs();
    es.serve('GET', '/_cluster/settings', fixtureResponse(version, 'settings-exclude-names'));
    es.serve('PUT', '/_cluster/settings', fixtureResponse(version, 'settings-put-exclude-names'));

    // Act
    await new EsCluster(es.client, silentLogger(), { retry: fast }).putSettings({
      [ENABLE]: { persistent: 'new_primaries', transient: null },
      [EXCLUDE]: { persistent: 'node-7,node-8,node-9', transient: null },
    });

    // Assess
    expect(puts(es)).toEqual([{ persistent: { [ENABLE]: 'new_primaries', [EXCLUDE]: 'node-7,node-8,node-9' } }]);
  });

  it('clears a transient value that would shadow the persistent one', async () => {
    const es = mockedEs();
    es.serve('GET', '/_cluster/settings', fixtureResponse(version, 'settings-transient-shadows-persistent'));
    es.serve('PUT', '/_cluster/settings', fixtureResponse(version, 'settings-put-allocation-removed'));

    await new EsCluster(es.client, silentLogger(), { retry: fast }).putSettings({ [ENABLE]: { persistent: 'new_primaries', transient: null } });

    expect(puts(es)).toEqual([{ persistent: { [ENABLE]: 'new_primaries' }, transient: { [ENABLE]: null } }]);
  });

  it('puts a transient value back in the transient layer, as it was found', async () => {
    const es = mockedEs();
    es.serve('GET', '/_cluster/settings', fixtureResponse(version, 'settings-exclude-names'));
    es.serve('PUT', '/_cluster/settings', fixtureResponse(version, 'settings-put-transient-allocation-none'));

    await new EsCluster(es.client, silentLogger(), { retry: fast }).putSettings({ [ENABLE]: { persistent: 'primaries', transient: 'none' } });

    expect(puts(es)).toEqual([{ persistent: { [ENABLE]: 'primaries' }, transient: { [ENABLE]: 'none' } }]);
  });
});

describe.each(versionsWith('settings-transient-shadows-persistent', 'settings-exclude-names'))('EsCluster effective settings on %s', (version) => {
  const es = fixtureSet('es');

  it.each([
    ['a transient value wins over the persistent one', 'settings-transient-shadows-persistent', 'none', []],
    ['exclusion names split from the comma-separated value', 'settings-exclude-names', null, ['node-7', 'node-8']],
  ])('reads %s', async (_name, settings, enable, excluded) => {
    // Prepare: the read-side capture of this version for everything but the settings.
    const captured = es.versionsWith('nodes', 'health-green', 'cat-shards-green', 'cluster-state-master-coordination');
    const read = captured.includes(version) ? version : captured.at(-1);
    if (!read) return;
    const mocked = mockedEs();
    mocked.serve('GET', '/_nodes', es.fixtureResponse(read, 'nodes'));
    mocked.serve('GET', '/_cluster/health', es.fixtureResponse(read, 'health-green'));
    mocked.serve('GET', '/_cat/shards', catShardsResponse(read, 'cat-shards-green'));
    mocked.serve('GET', '/_cluster/state/:metric', es.fixtureResponse(read, 'cluster-state-master-coordination'));
    mocked.serve('GET', '/_cluster/settings', fixtureResponse(version, settings));

    // Act
    const snapshot = await new EsCluster(mocked.client, silentLogger(), { retry: fast }).observe();

    // Assess
    expect(snapshot.allocationEnable).toBe(enable);
    expect(snapshot.allocationExcludeNames).toEqual(excluded);
  });

  it('reads each layer as stored', async () => {
    const captured = es.versionsWith('nodes', 'health-green', 'cat-shards-green', 'cluster-state-master-coordination');
    const read = captured.includes(version) ? version : captured.at(-1);
    if (!read) return;
    const mocked = mockedEs();
    mocked.serve('GET', '/_nodes', es.fixtureResponse(read, 'nodes'));
    mocked.serve('GET', '/_cluster/health', es.fixtureResponse(read, 'health-green'));
    mocked.serve('GET', '/_cat/shards', catShardsResponse(read, 'cat-shards-green'));
    mocked.serve('GET', '/_cluster/state/:metric', es.fixtureResponse(read, 'cluster-state-master-coordination'));
    mocked.serve('GET', '/_cluster/settings', fixtureResponse(version, 'settings-transient-shadows-persistent'));

    const snapshot = await new EsCluster(mocked.client, silentLogger(), { retry: fast }).observe();

    expect(snapshot.settings).toEqual({ [ENABLE]: { persistent: 'primaries', transient: 'none' }, [EXCLUDE]: { persistent: null, transient: null } });
  });
});
