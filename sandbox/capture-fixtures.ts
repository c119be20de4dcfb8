// Captures real Elasticsearch responses for the controller's unit tests from real multi-node
// clusters on loopback. Usage:
//   npx node sandbox/capture-fixtures.ts [single:<version> | mixed:<older>,<newer> | mixed-newer-master:<older>,<newer>] ...
// Without arguments: every sandbox version alone, then the mixed pairs of an upgrade.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { EsHttp } from './es-http.ts';
import { FixtureRecorder } from './fixture-recorder.ts';
import { startLocalCluster } from './local-cluster.ts';
import { repoRoot, sandboxDir } from './paths.ts';
import { readVersions } from './versions.ts';
import { waitFor } from './wait-for.ts';

const fixturesRoot = join(repoRoot, 'test', 'fixtures', 'es');
const P = 'pretty=true';

interface CatShard {
  index: string;
  shard: string;
  prirep: string;
  state: string;
  'unassigned.reason'?: string;
}

const MASTER = ['master'];
const DATA = ['data', 'ingest'];

function fakeInstanceId(name: string): string {
  const digits = [...name].reduce((sum, c) => (sum * 31 + c.charCodeAt(0)) % 0xfffffffffff, 7).toString(16);
  return `i-0${digits.padStart(16, '0')}`;
}

async function captureSingle(version: string): Promise<void> {
  const names = ['master-1', 'master-2', 'master-3', 'data-1', 'data-2', 'data-3'];
  const cluster = await startLocalCluster(freshDir(join(sandboxDir, 'capture', version)), `capture-${version.replaceAll('.', '-')}`,
    names.map((name) => ({ name, version, roles: name.startsWith('master') ? MASTER : DATA, attributes: { instance_id: fakeInstanceId(name) } })));
  const rec = new FixtureRecorder(freshDir(join(fixturesRoot, version)), cluster.http);
  try {
    await rec.capture('root', 'GET', `/?${P}`, undefined, 'The integration-test distribution has no rest-root module, so GET / is not served');
    await rec.capture('nodes', 'GET', `/_nodes?${P}`);
    await createIndex(cluster.http, 'docs', { number_of_shards: 3, number_of_replicas: 1 });
    await indexDocs(cluster.http, 'docs', 50);
    await waitHealth(cluster.http, 'green');
    await rec.capture('health-green', 'GET', `/_cluster/health?${P}`);
    await rec.capture('cat-shards-green', 'GET', `/_cat/shards?format=json&bytes=b&${P}`);
    await rec.capture('cluster-state-master-coordination', 'GET',
      `/_cluster/state/master_node,metadata?filter_path=master_node,metadata.cluster_coordination&${P}`);
    await rec.capture('cluster-state-master-node', 'GET', `/_cluster/state/master_node?${P}`);
    await rec.capture('allocation-explain-nothing-unassigned', 'GET', `/_cluster/allocation/explain?${P}`, undefined,
      'No shard given and nothing unassigned');
    await rec.capture('index-not-found', 'GET', `/no-such-index?${P}`);
    await rec.capture('search-index-not-found', 'GET', `/no-such-index/_search?${P}`);

    // (c) A replica held back by cluster.routing.allocation.enable=primaries.
    await put(cluster.http, '/_cluster/settings', { persistent: { 'cluster.routing.allocation.enable': 'primaries' } });
    await rec.capture('settings-allocation-primaries', 'GET', `/_cluster/settings?flat_settings=true&${P}`);
    await createIndex(cluster.http, 'replica-held-back', { number_of_shards: 1, number_of_replicas: 1 });
    await waitHealth(cluster.http, 'yellow');
    await rec.capture('health-yellow-allocation-primaries', 'GET', `/_cluster/health?${P}`);
    await rec.capture('cat-shards-allocation-primaries', 'GET', `/_cat/shards?format=json&bytes=b&${P}`);
    await rec.capture('allocation-explain-allocation-disabled', 'POST', `/_cluster/allocation/explain?${P}`,
      { index: 'replica-held-back', shard: 0, primary: false });
    await rec.capture('health-wait-green-timeout', 'GET', `/_cluster/health?wait_for_status=green&timeout=1s&${P}`, undefined,
      'Long-poll that gives up: HTTP 408 with the health body');
    await rec.capture('health-wait-nodes-timeout', 'GET', `/_cluster/health?wait_for_nodes=7&timeout=1s&${P}`);
    await put(cluster.http, '/_cluster/settings', { persistent: { 'cluster.routing.allocation.enable': null } });
    await rec.capture('settings-empty', 'GET', `/_cluster/settings?flat_settings=true&${P}`);
    await waitHealth(cluster.http, 'green');
    await del(cluster.http, '/replica-held-back');

    // (b) Non-version reasons: a filter that matches no node (red), and more replicas than data nodes.
    await createIndex(cluster.http, 'pinned-nowhere', { number_of_shards: 1, number_of_replicas: 0, 'routing.allocation.require._name': 'no-such-node' });
    await waitHealth(cluster.http, 'red');
    await rec.capture('health-red', 'GET', `/_cluster/health?${P}`);
    await rec.capture('allocation-explain-filter-require', 'POST', `/_cluster/allocation/explain?${P}`,
      { index: 'pinned-nowhere', shard: 0, primary: true });
    await del(cluster.http, '/pinned-nowhere');
    await createIndex(cluster.http, 'too-many-replicas', { number_of_shards: 1, number_of_replicas: 3 });
    // Yellow alone can be seen before the replicas that fit have started.
    await waitStarted(cluster.http, 'too-many-replicas', 3);
    await rec.capture('allocation-explain-same-shard', 'POST', `/_cluster/allocation/explain?${P}`,
      { index: 'too-many-replicas', shard: 0, primary: false });
    await del(cluster.http, '/too-many-replicas');
    await waitHealth(cluster.http, 'green');

    // (d) A data node leaves: its copies wait out index.unassigned.node_left.delayed_timeout (1m)
    // although data-3 could take them.
    await cluster.stop('data-2');
    await waitFor(async () => {
      const h = await cluster.http.json<{ number_of_nodes: number; delayed_unassigned_shards: number }>('GET', '/_cluster/health');
      return h.number_of_nodes === 5 && h.delayed_unassigned_shards > 0 ? true : undefined;
    }, { timeoutMs: 60_000, what: 'data-2 to leave' });
    await rec.capture('health-yellow-node-left-delayed', 'GET', `/_cluster/health?${P}`);
    await rec.capture('nodes-after-node-left', 'GET', `/_nodes?${P}`);
    const shards = (await rec.capture('cat-shards-node-left', 'GET', `/_cat/shards?format=json&bytes=b&${P}`)) as CatShard[];
    const unassigned = shards.find((s) => s.state === 'UNASSIGNED');
    if (unassigned) {
      await rec.capture('allocation-explain-delayed', 'POST', `/_cluster/allocation/explain?${P}`,
        { index: unassigned.index, shard: Number(unassigned.shard), primary: unassigned.prirep === 'p' });
    }
    await rec.capture('cluster-state-master-coordination-node-left', 'GET',
      `/_cluster/state/master_node,metadata?filter_path=master_node,metadata.cluster_coordination&${P}`);
    rec.writeManifest({ elasticsearch: version, cluster: names.map((n) => `${n} (${n.startsWith('master') ? 'master' : 'data, ingest'})`) });
  } finally {
    await cluster.stopAll();
  }
}

/** An older master and data node plus a newer data node: the primary on the newer node strands its replica. */
async function captureMixed(older: string, newer: string): Promise<void> {
  const dirName = `mixed-${older}-${newer}`;
  const cluster = await startLocalCluster(freshDir(join(sandboxDir, 'capture', dirName)), `capture-${dirName.replaceAll('.', '-')}`, [
    { name: 'master-1', version: older, roles: MASTER, attributes: { instance_id: fakeInstanceId('master-1') } },
    { name: 'data-old', version: older, roles: DATA, attributes: { instance_id: fakeInstanceId('data-old') } },
  ]);
  const rec = new FixtureRecorder(freshDir(join(fixturesRoot, dirName)), cluster.http);
  try {
    await cluster.add([{ name: 'data-new', version: newer, roles: DATA, attributes: { instance_id: fakeInstanceId('data-new') } }]);
    await rec.capture('nodes', 'GET', `/_nodes?${P}`);
    await captureVersionConflict(cluster.http, rec);
    await rec.capture('allocation-explain-version-conflict-include-yes', 'POST',
      `/_cluster/allocation/explain?include_yes_decisions=true&${P}`, { index: 'on-newer', shard: 0, primary: false });
    await rec.capture('cluster-state-master-coordination', 'GET',
      `/_cluster/state/master_node,metadata?filter_path=master_node,metadata.cluster_coordination&${P}`);
    rec.writeManifest({ elasticsearch: { older, newer }, cluster: [`master-1 ${older}`, `data-old ${older}`, `data-new ${newer}`] });
  } finally {
    await cluster.stopAll();
  }
}

/**
 * A real version conflict: index `on-newer` is created with its primary pinned to `data-new`, then
 * unpinned, so its replica may go neither to an older node nor beside its primary. Captures the
 * health, the shards and the explanation of that replica.
 */
async function captureVersionConflict(http: EsHttp, rec: FixtureRecorder): Promise<void> {
  await createIndex(http, 'on-newer', { number_of_shards: 1, number_of_replicas: 1, 'routing.allocation.require._name': 'data-new' });
  await waitHealth(http, 'yellow');
  await put(http, '/on-newer/_settings', { 'index.routing.allocation.require._name': null });
  await http.json('POST', '/_cluster/reroute?retry_failed=true');
  await waitHealth(http, 'yellow');
  await rec.capture('health-yellow-version-conflict', 'GET', `/_cluster/health?${P}`);
  await rec.capture('cat-shards-version-conflict', 'GET', `/_cat/shards?format=json&bytes=b&${P}`);
  await rec.capture('allocation-explain-version-conflict', 'POST', `/_cluster/allocation/explain?${P}`,
    { index: 'on-newer', shard: 0, primary: false });
}

/** A capture starts from nothing: no data from an earlier run, no stale fixture files. */
function freshDir(dir: string): string {
  rmSync(dir, { recursive: true, force: true });
  return dir;
}

/**
 * The same conflict judged by a newer elected master (masters upgraded first): the older master
 * leaves the voting configuration so the newer one takes over; older nodes stay in the cluster.
 */
async function captureMixedNewerMaster(older: string, newer: string): Promise<void> {
  const dirName = `mixed-${older}-${newer}-newer-master`;
  const cluster = await startLocalCluster(freshDir(join(sandboxDir, 'capture', dirName)), `capture-${dirName.replaceAll('.', '-')}`, [
    { name: 'master-old', version: older, roles: MASTER, attributes: { instance_id: fakeInstanceId('master-old') } },
    { name: 'data-old', version: older, roles: DATA, attributes: { instance_id: fakeInstanceId('data-old') } },
  ]);
  const rec = new FixtureRecorder(freshDir(join(fixturesRoot, dirName)), cluster.http);
  try {
    await cluster.add([
      { name: 'master-new', version: newer, roles: MASTER, attributes: { instance_id: fakeInstanceId('master-new') } },
      { name: 'data-new', version: newer, roles: DATA, attributes: { instance_id: fakeInstanceId('data-new') } },
    ]);
    await cluster.http.json('POST', '/_cluster/voting_config_exclusions?node_names=master-old');
    await waitFor(async () => {
      const state = await cluster.http.json<{ master_node?: string; nodes: Record<string, { name: string }> }>('GET', '/_cluster/state/master_node,nodes');
      return state.master_node && state.nodes[state.master_node]?.name === 'master-new' ? true : undefined;
    }, { timeoutMs: 60_000, what: 'master-new to be elected' });
    await rec.capture('nodes', 'GET', `/_nodes?${P}`);
    await rec.capture('cluster-state-master-coordination', 'GET',
      `/_cluster/state/master_node,metadata?filter_path=master_node,metadata.cluster_coordination&${P}`);
    await captureVersionConflict(cluster.http, rec);
    rec.writeManifest({
      elasticsearch: { older, newer },
      cluster: [`master-old ${older} (excluded from voting)`, `master-new ${newer} (elected)`, `data-old ${older}`, `data-new ${newer}`],
    });
  } finally {
    await cluster.stopAll();
  }
}

async function createIndex(http: EsHttp, name: string, settings: Record<string, unknown>): Promise<void> {
  // Not waiting for active shards: some of these indices are meant to stay unassigned.
  await put(http, `/${name}?wait_for_active_shards=0`, { settings: { index: settings }, mappings: { properties: { n: { type: 'long' }, text: { type: 'keyword' } } } });
}

async function indexDocs(http: EsHttp, index: string, count: number): Promise<void> {
  const lines = Array.from({ length: count }, (_, i) => `{"index":{"_id":"${i}"}}\n{"n":${i},"text":"doc ${i}"}\n`);
  const response = await http.request({ method: 'POST', path: `/${index}/_bulk?refresh=true`, ndjson: lines.join('') });
  if (response.status !== 200 || (JSON.parse(response.text) as { errors: boolean }).errors) throw new Error(`bulk failed: ${response.text.slice(0, 300)}`);
}

async function waitHealth(http: EsHttp, status: 'green' | 'yellow' | 'red'): Promise<void> {
  await waitFor(async () => {
    const health = await http.json<{ status: string; initializing_shards: number }>('GET', '/_cluster/health');
    return health.status === status && health.initializing_shards === 0 ? true : undefined;
  }, { timeoutMs: 120_000, what: `cluster health ${status}` });
}

async function waitStarted(http: EsHttp, index: string, copies: number): Promise<void> {
  await waitFor(async () => {
    const shards = await http.json<CatShard[]>('GET', `/_cat/shards/${index}?format=json`);
    return shards.filter((s) => s.state === 'STARTED').length === copies ? true : undefined;
  }, { timeoutMs: 120_000, what: `${copies} started copies of ${index}` });
}

async function put(http: EsHttp, path: string, body: unknown): Promise<void> {
  await http.json('PUT', path, body);
}

async function del(http: EsHttp, path: string): Promise<void> {
  await http.json('DELETE', path);
}

async function main(args: string[]): Promise<void> {
  const versions = readVersions();
  const jobs = args.length > 0 ? args : [
    `single:${versions.previousMajor}`, `single:${versions.old}`, `single:${versions.new}`,
    `mixed:${versions.old},${versions.new}`, `mixed:${versions.previousMajor},${versions.old}`, `mixed:${versions.previousMajor},${versions.new}`,
    `mixed-newer-master:${versions.old},${versions.new}`, `mixed-newer-master:${versions.previousMajor},${versions.old}`,
    `mixed-newer-master:${versions.previousMajor},${versions.new}`,
  ];
  for (const job of jobs) {
    const [kind, spec = ''] = job.split(':');
    const started = Date.now();
    if (kind === 'single') await captureSingle(spec);
    else if (kind === 'mixed') {
      const [older = '', newer = ''] = spec.split(',');
      await captureMixed(older, newer);
    } else if (kind === 'mixed-newer-master') {
      const [older = '', newer = ''] = spec.split(',');
      await captureMixedNewerMaster(older, newer);
    } else throw new Error(`unknown job ${job}; use single:<version>, mixed:<older>,<newer> or mixed-newer-master:<older>,<newer>`);
    console.log(`captured ${job} in ${Math.round((Date.now() - started) / 1000)} s`);
  }
  rmSync(join(sandboxDir, 'capture'), { recursive: true, force: true });
}

await main(process.argv.slice(2));
