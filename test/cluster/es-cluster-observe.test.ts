import { errors } from '@elastic/elasticsearch';
import { describe, expect, it } from 'vitest';
import { EsCluster } from '../../src/cluster/es-cluster.ts';
import { ServiceError } from '../../src/shared/errors.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { catShardsResponse, fixtureResponse, loadFixture, mockedEs, versionsWith, type MockedEs } from './es-fixtures.ts';

const fast = { retries: 2, minDelayMs: 1, maxDelayMs: 2 };

interface Scene {
  nodes: string;
  health: string;
  shards: string;
  state: string;
  settings: string;
}

function serveScene(es: MockedEs, version: string, scene: Scene): void {
  es.serve('GET', '/_nodes', fixtureResponse(version, scene.nodes));
  es.serve('GET', '/_cluster/health', fixtureResponse(version, scene.health));
  es.serve('GET', '/_cat/shards', catShardsResponse(version, scene.shards));
  es.serve('GET', '/_cluster/state/:metric', fixtureResponse(version, scene.state));
  es.serve('GET', '/_cluster/settings', fixtureResponse(version, scene.settings));
}

const filesOf = (scene: Scene): string[] => [scene.nodes, scene.health, scene.shards, scene.state, scene.settings];

const green: Scene = {
  nodes: 'nodes',
  health: 'health-green',
  shards: 'cat-shards-green',
  state: 'cluster-state-master-coordination',
  settings: 'settings-empty',
};

const primariesOnly: Scene = {
  ...green,
  health: 'health-yellow-allocation-primaries',
  shards: 'cat-shards-allocation-primaries',
  settings: 'settings-allocation-primaries',
};

const nodeLeft: Scene = {
  nodes: 'nodes-after-node-left',
  health: 'health-yellow-node-left-delayed',
  shards: 'cat-shards-node-left',
  state: 'cluster-state-master-coordination-node-left',
  settings: 'settings-empty',
};

type CatRow = { index: string; shard: string; prirep: string; state: string; node: string | null };

describe.each(versionsWith(...filesOf(green)))('EsCluster.observe against Elasticsearch %s', (version) => {
  it('reads nodes, master, voting configuration, health, shards and settings in one round', async () => {
    // Prepare
    const es = mockedEs();
    serveScene(es, version, green);

    // Act
    const snapshot = await new EsCluster(es.client, silentLogger(), { retry: fast }).observe();

    // Assess
    const state = loadFixture<{ master_node: string; metadata: { cluster_coordination: { last_committed_config: string[] } } }>(version, green.state);
    expect(snapshot.nodes.map((n) => n.version)).toEqual(snapshot.nodes.map(() => version));
    expect(snapshot.nodes.map((n) => n.id)).toContain(state.master_node);
    expect(snapshot.masterNodeId).toBe(state.master_node);
    expect(snapshot.votingConfigNodeIds).toEqual(state.metadata.cluster_coordination.last_committed_config);
    const master = snapshot.nodes.find((n) => n.id === state.master_node);
    expect(master?.roles).toEqual(['master']);
    expect(master?.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(master?.attributes.instance_id).toMatch(/^i-/);
    expect(snapshot.health).toMatchObject({ status: 'green', unassignedShards: 0, timedOut: false });
    expect(snapshot.shards.every((s) => s.state === 'STARTED' && s.node !== undefined)).toBe(true);
    expect(snapshot.allocationEnable).toBeNull();
    expect(snapshot.allocationExcludeNames).toEqual([]);
    expect(snapshot.unassignedExplanations).toBeUndefined();
    expect(es.requests.some((r) => r.path === '/_cluster/allocation/explain')).toBe(false);
  });

  it('asks only for the fields it reads', async () => {
    const es = mockedEs();
    serveScene(es, version, green);

    await new EsCluster(es.client, silentLogger(), { retry: fast }).observe();

    const byPath = (path: string): Record<string, string> | undefined => es.requests.find((r) => r.path === path)?.querystring;
    expect(byPath('/_nodes')?.filter_path).toBe('nodes.*.name,nodes.*.ip,nodes.*.version,nodes.*.roles,nodes.*.attributes');
    expect(byPath('/_cat/shards')).toMatchObject({ format: 'json', h: 'i,s,p,st,n,ua' });
    expect(byPath('/_cluster/state/master_node,metadata')?.filter_path).toBe(
      'master_node,metadata.cluster_coordination.last_committed_config,metadata.cluster_coordination.voting_config_exclusions',
    );
    expect(byPath('/_cluster/settings')).toMatchObject({ flat_settings: 'true', include_defaults: 'false' });
  });
});

describe.each(versionsWith(...filesOf(primariesOnly), 'allocation-explain-allocation-disabled'))(
  'EsCluster.observe with replicas held back against Elasticsearch %s',
  (version) => {
    it('explains each unassigned copy by name once recoveries have settled', async () => {
      // Prepare
      const es = mockedEs();
      serveScene(es, version, primariesOnly);
      es.serve('POST', '/_cluster/allocation/explain', fixtureResponse(version, 'allocation-explain-allocation-disabled'));
      const unassigned = loadFixture<CatRow[]>(version, primariesOnly.shards).filter((r) => r.state === 'UNASSIGNED');

      // Act
      const snapshot = await new EsCluster(es.client, silentLogger(), { retry: fast }).observe();

      // Assess
      expect(snapshot.allocationEnable).toBe('primaries');
      const explains = es.requests.filter((r) => r.path === '/_cluster/allocation/explain');
      expect(explains.map((r) => r.body)).toEqual(unassigned.map((r) => ({ index: r.index, shard: Number(r.shard), primary: r.prirep === 'p' })));
      expect(explains.every((r) => r.querystring.include_yes_decisions === 'false')).toBe(true);
      const [explanation] = snapshot.unassignedExplanations ?? [];
      expect(explanation).toMatchObject({ primary: false, currentState: 'unassigned', unassignedReason: 'INDEX_CREATED', canAllocate: 'no' });
      expect(explanation?.nodeDecisions.flatMap((d) => d.deciders)).toContainEqual(
        expect.objectContaining({ decider: 'enable', decision: 'NO' }),
      );
    });

    it('does not explain anything while a copy is still initializing', async () => {
      // Prepare: the captured health, one copy initializing.
      const es = mockedEs();
      serveScene(es, version, primariesOnly);
      es.mock.clear({ method: 'GET', path: '/_cluster/health' });
      es.serve('GET', '/_cluster/health', { ...loadFixture(version, primariesOnly.health), initializing_shards: 1 });

      // Act
      const snapshot = await new EsCluster(es.client, silentLogger(), { retry: fast }).observe();

      // Assess
      expect(snapshot.unassignedExplanations).toBeUndefined();
      expect(es.requests.some((r) => r.path === '/_cluster/allocation/explain')).toBe(false);
    });

    it('explains each unassigned copy once while nothing it depends on changes, and judges it every tick', async () => {
      const es = mockedEs();
      serveScene(es, version, primariesOnly);
      es.serve('POST', '/_cluster/allocation/explain', fixtureResponse(version, 'allocation-explain-allocation-disabled'));
      const cluster = new EsCluster(es.client, silentLogger(), { retry: fast });
      const explains = (): number => es.requests.filter((r) => r.path === '/_cluster/allocation/explain').length;

      const first = await cluster.observe();
      const afterFirst = explains();
      const second = await cluster.observe();

      expect(afterFirst).toBeGreaterThan(0);
      expect(explains()).toBe(afterFirst);
      expect(second.unassignedExplanations).toEqual(first.unassignedExplanations);
    });

    it.each(versionsWith('allocation-explain-nothing-unassigned').includes(version) ? [version] : [])(
      'skips a copy assigned since _cat/shards (explain answers 400) on %s',
      async () => {
        const es = mockedEs();
        serveScene(es, version, primariesOnly);
        es.serve('POST', '/_cluster/allocation/explain', fixtureResponse(version, 'allocation-explain-nothing-unassigned'));

        const snapshot = await new EsCluster(es.client, silentLogger(), { retry: fast }).observe();

        expect(snapshot.unassignedExplanations).toEqual([]);
      },
    );
  },
);

describe.each(versionsWith(...filesOf(nodeLeft), 'allocation-explain-delayed'))('EsCluster.observe after a node left, against Elasticsearch %s', (version) => {
  it('explains each unassigned (index, shard, primary) once, with limited concurrency', async () => {
    // Prepare
    const es = mockedEs();
    serveScene(es, version, nodeLeft);
    es.serve('POST', '/_cluster/allocation/explain', fixtureResponse(version, 'allocation-explain-delayed'));
    const rows = loadFixture<CatRow[]>(version, nodeLeft.shards).filter((r) => r.state === 'UNASSIGNED');
    const distinct = new Set(rows.map((r) => `${r.index}/${r.shard}/${r.prirep}`));

    // Act
    const snapshot = await new EsCluster(es.client, silentLogger(), { retry: fast, explainConcurrency: 1 }).observe();

    // Assess
    expect(es.requests.filter((r) => r.path === '/_cluster/allocation/explain')).toHaveLength(distinct.size);
    expect(snapshot.unassignedExplanations).toHaveLength(distinct.size);
    expect(snapshot.unassignedExplanations?.[0]).toMatchObject({ unassignedReason: 'NODE_LEFT' });
    expect(snapshot.shards.filter((s) => s.state === 'UNASSIGNED').every((s) => s.node === undefined)).toBe(true);
    const before = Object.keys(loadFixture<{ nodes: object }>(version, 'nodes').nodes);
    expect(snapshot.nodes).toHaveLength(before.length - 1);
  });
});

describe.each(versionsWith(...filesOf(green)))('EsCluster.observe failures against Elasticsearch %s', (version) => {
  it('retries a node that refuses connections, then reads the cluster', async () => {
    // Prepare: the first _cluster/health finds the node gone.
    const es = mockedEs();
    serveScene(es, version, green);
    es.mock.clear({ method: 'GET', path: '/_cluster/health' });
    es.serve('GET', '/_cluster/health', new errors.ConnectionError('connect ECONNREFUSED 10.0.0.1:9200'), fixtureResponse(version, green.health));

    // Act
    const snapshot = await new EsCluster(es.client, silentLogger(), { retry: fast }).observe();

    // Assess
    expect(snapshot.health.status).toBe('green');
    expect(es.requests.filter((r) => r.path === '/_cluster/health')).toHaveLength(2);
  });

  it.each(versionsWith('index-not-found').includes(version) ? [version] : [])(
    'translates a 4xx into a ServiceError naming status, type, reason and path without retrying (%s)',
    async () => {
      const es = mockedEs();
      serveScene(es, version, green);
      es.mock.clear({ method: 'GET', path: '/_cat/shards' });
      es.serve('GET', '/_cat/shards', fixtureResponse(version, 'index-not-found'));

      const error = await new EsCluster(es.client, silentLogger(), { retry: fast }).observe().catch((e: unknown) => e);

      expect(error).toBeInstanceOf(ServiceError);
      expect((error as ServiceError).service).toBe('elasticsearch');
      expect((error as Error).message).toBe(
        'GET _cat/shards failed: HTTP 404, index_not_found_exception: no such index [no-such-index], (GET /_cat/shards)',
      );
      expect(es.requests.filter((r) => r.path === '/_cat/shards')).toHaveLength(1);
    },
  );
});
