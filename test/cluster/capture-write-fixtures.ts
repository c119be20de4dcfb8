// Captures the real Elasticsearch responses the lease lock and the settings writes see, which the
// read-side capture (sandbox/capture-fixtures.ts) does not record. One single-node cluster per
// version, plus one node with security on for a real 401. Usage:
//   npx node test/cluster/capture-write-fixtures.ts [<version> ...]     (default: 8.19.21 9.5.4)

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { EsHttp } from '../../sandbox/es-http.ts';
import { startNode, stopNode, writeNodeConfig } from '../../sandbox/es-node.ts';
import { FixtureRecorder } from '../../sandbox/fixture-recorder.ts';
import { findFreePorts } from '../../sandbox/free-port.ts';
import { startLocalCluster } from '../../sandbox/local-cluster.ts';
import { repoRoot, sandboxDir } from '../../sandbox/paths.ts';
import { waitFor } from '../../sandbox/wait-for.ts';

const P = 'pretty=true';
const LOCK = '/es-rolling-upgrade-lock';
const LEASE = `${LOCK}/_doc/lease`;

interface Written {
  _seq_no: number;
  _primary_term: number;
}

function lease(holder: string, at: string): Record<string, unknown> {
  return { holder, targetVersion: '9.5.4', acquiredAt: at, expiresAt: at.replace(':00:', ':05:'), runStartedAt: at, terminatedInstanceIds: [] };
}

async function captureWrites(version: string, out: string): Promise<void> {
  const dir = join(sandboxDir, 'capture-writes', version);
  rmSync(dir, { recursive: true, force: true });
  const cluster = await startLocalCluster(dir, `writes-${version.replaceAll('.', '-')}`, [
    { name: 'node-1', version, roles: ['master', 'data', 'ingest'] },
  ]);
  // One recorder (one manifest) for both nodes: its client follows whichever node is being captured.
  let urls = cluster.nodes.map((n) => n.url);
  const rec = new FixtureRecorder(out, new EsHttp(() => urls));
  try {
    const settings = { settings: { number_of_shards: 1, auto_expand_replicas: '0-all', hidden: true }, mappings: { dynamic: false, properties: {} } };
    await rec.capture('lock-index-created', 'PUT', `${LOCK}?${P}`, settings);
    await rec.capture('lock-index-exists', 'PUT', `${LOCK}?${P}`, settings);
    await rec.capture('lock-get-missing', 'GET', `${LEASE}?${P}`);
    const created = (await rec.capture('lock-create-created', 'PUT', `${LEASE}?op_type=create&${P}`, lease('host-a:1:a', '2026-01-01T10:00:00.000Z'))) as Written;
    await rec.capture('lock-create-conflict', 'PUT', `${LEASE}?op_type=create&${P}`, lease('host-b:2:b', '2026-01-01T10:01:00.000Z'));
    await rec.capture('lock-get-found', 'GET', `${LEASE}?${P}`);
    const cond = `if_seq_no=${created._seq_no}&if_primary_term=${created._primary_term}`;
    const updated = (await rec.capture('lock-index-updated', 'PUT', `${LEASE}?${cond}&${P}`, lease('host-a:1:a', '2026-01-01T10:02:00.000Z'))) as Written;
    await rec.capture('lock-index-stale', 'PUT', `${LEASE}?${cond}&${P}`, lease('host-b:2:b', '2026-01-01T10:03:00.000Z'));
    await rec.capture('lock-get-updated', 'GET', `${LEASE}?${P}`);
    await rec.capture('lock-delete-stale', 'DELETE', `${LEASE}?${cond}&${P}`);
    await rec.capture('lock-delete-deleted', 'DELETE', `${LEASE}?if_seq_no=${updated._seq_no}&if_primary_term=${updated._primary_term}&${P}`);
    await rec.capture('lock-delete-missing', 'DELETE', `${LEASE}?${P}`);

    await rec.capture('settings-put-allocation-primaries', 'PUT', `/_cluster/settings?${P}`, { persistent: { 'cluster.routing.allocation.enable': 'primaries' } });
    await rec.capture('settings-put-transient-allocation-none', 'PUT', `/_cluster/settings?${P}`, { transient: { 'cluster.routing.allocation.enable': 'none' } });
    await rec.capture('settings-transient-shadows-persistent', 'GET', `/_cluster/settings?flat_settings=true&${P}`);
    await rec.capture('settings-put-allocation-removed', 'PUT', `/_cluster/settings?${P}`, {
      persistent: { 'cluster.routing.allocation.enable': null },
      transient: { 'cluster.routing.allocation.enable': null },
    });
    await rec.capture('settings-put-exclude-names', 'PUT', `/_cluster/settings?${P}`, { persistent: { 'cluster.routing.allocation.exclude._name': 'node-7,node-8' } });
    await rec.capture('settings-exclude-names', 'GET', `/_cluster/settings?flat_settings=true&${P}`);
    await rec.capture('settings-put-exclude-removed', 'PUT', `/_cluster/settings?${P}`, { persistent: { 'cluster.routing.allocation.exclude._name': null } });
  } finally {
    await cluster.stopAll();
  }
  await captureUnauthenticated(version, rec, (url) => (urls = [url]));
  rec.writeManifest({ elasticsearch: version, cluster: ['node-1 (master, data, ingest)', 'secured-1 (security on, for the 401)'] });
}

async function captureUnauthenticated(version: string, rec: FixtureRecorder, target: (url: string) => void): Promise<void> {
  const [httpPort = 0, transportPort = 0] = await findFreePorts(2);
  const spec = {
    dir: join(sandboxDir, 'capture-writes', `${version}-secured`),
    clusterName: 'secured',
    nodeName: 'secured-1',
    version,
    roles: ['master', 'data'],
    httpPort,
    transportPort,
    seedHosts: [],
    initialMasterNodes: ['secured-1'],
    settings: { 'xpack.security.enabled': true },
  };
  rmSync(spec.dir, { recursive: true, force: true });
  writeNodeConfig(spec);
  startNode(spec);
  const http = new EsHttp([`http://127.0.0.1:${httpPort}`]);
  target(`http://127.0.0.1:${httpPort}`);
  try {
    await waitFor(async () => ((await http.request({ method: 'GET', path: '/_cluster/health' })).status === 401 ? true : undefined), {
      timeoutMs: 180_000,
      intervalMs: 1000,
      what: 'the secured node to answer 401',
    });
    await rec.capture('security-unauthenticated', 'GET', `/_cluster/health?${P}`, undefined, 'Security on, no credentials sent');
  } finally {
    await stopNode(spec.dir);
  }
}

const versions = process.argv.slice(2);
for (const version of versions.length > 0 ? versions : ['8.19.21', '9.5.4']) {
  const out = join(repoRoot, 'test', 'fixtures', 'es-writes', version);
  rmSync(out, { recursive: true, force: true });
  await captureWrites(version, out);
  console.log(`captured ${out}`);
}
