// One Elasticsearch process on loopback: its config directory, its start and its "machine shutdown".
// Layout per node: <dir>/config, <dir>/data, <dir>/logs, <dir>/tmp (ES_TMPDIR), <dir>/server.pid, <dir>/console.log.

import { spawn, execFileSync } from 'node:child_process';
import { chownSync, cpSync, existsSync, mkdirSync, openSync, closeSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { isNodeProcess, isZombieOrGone, nodeProcesses, type NodeProcess } from './node-processes.ts';
import { esHome } from './paths.ts';
import { javaHomeFor } from './versions.ts';

export interface EsNodeSpec {
  /** Node directory, owned by the node. */
  dir: string;
  clusterName: string;
  nodeName: string;
  version: string;
  roles: string[];
  httpPort: number;
  transportPort: number;
  /** Transport addresses ("127.0.0.1:9300") written to the file seed provider. */
  seedHosts: string[];
  /** Only for the very first bootstrap of a cluster. */
  initialMasterNodes?: string[];
  attributes?: Record<string, string>;
  /** Extra elasticsearch.yml settings. */
  settings?: Record<string, unknown>;
}

/** Small heaps boot reliably here (measured); SANDBOX_ES_HEAP overrides, e.g. "512m". */
export const DEFAULT_HEAP = process.env.SANDBOX_ES_HEAP ?? '256m';

/** Write config/elasticsearch.yml (plus the distribution's jvm.options and log4j2) and the dirs. */
export function writeNodeConfig(spec: EsNodeSpec): void {
  const config = join(spec.dir, 'config');
  mkdirSync(join(spec.dir, 'data'), { recursive: true });
  mkdirSync(join(spec.dir, 'logs'), { recursive: true });
  mkdirSync(join(spec.dir, 'tmp'), { recursive: true });
  if (!existsSync(config)) cpSync(join(esHome(spec.version), 'config'), config, { recursive: true });
  const settings: Record<string, unknown> = {
    'cluster.name': spec.clusterName,
    'node.name': spec.nodeName,
    'node.roles': spec.roles,
    'network.host': '127.0.0.1',
    'http.port': spec.httpPort,
    'transport.port': spec.transportPort,
    'path.data': join(spec.dir, 'data'),
    'path.logs': join(spec.dir, 'logs'),
    // The file provider is re-read on every discovery round, so seeds can follow replaced masters.
    'discovery.seed_hosts': [],
    'discovery.seed_providers': 'file',
    'xpack.security.enabled': false,
    'xpack.ml.enabled': false,
    // All nodes share one disk; the watermarks would judge the machine, not the node.
    'cluster.routing.allocation.disk.threshold_enabled': false,
    ...Object.fromEntries(Object.entries(spec.attributes ?? {}).map(([k, v]) => [`node.attr.${k}`, v])),
    ...spec.settings,
  };
  if (spec.initialMasterNodes) settings['cluster.initial_master_nodes'] = spec.initialMasterNodes;
  writeFileSync(join(config, 'elasticsearch.yml'), stringify(settings));
  writeSeedHosts(spec.dir, spec.seedHosts);
  giveToEsUser(spec.dir);
}

export function writeSeedHosts(dir: string, seedHosts: string[]): void {
  const file = join(dir, 'config', 'unicast_hosts.txt');
  writeFileSync(file, seedHosts.join('\n') + '\n');
  const user = esUser();
  if (user) chownSync(file, user.uid, user.gid);
}

/**
 * C1-only JIT: 5 nodes booting together on 2 cores took 32 s instead of 46 s (sandbox/README.md).
 * Peak throughput is lower, which a test cluster never needs. SANDBOX_ES_JAVA_OPTS replaces it.
 */
const FAST_BOOT_OPTS = (process.env.SANDBOX_ES_JAVA_OPTS ?? '-XX:TieredStopAtLevel=1').split(' ').filter(Boolean);

export interface StartOptions {
  heap?: string;
  extraJavaOpts?: string[];
}

/** Start the node detached (it outlives the caller, like a service on a machine); returns the launcher pid. */
export function startNode(spec: EsNodeSpec, options: StartOptions = {}): number {
  const home = esHome(spec.version);
  if (!existsSync(join(home, 'bin', 'elasticsearch'))) {
    throw new Error(`Elasticsearch ${spec.version} is not in ${home}; run scripts/fetch-elasticsearch.sh ${spec.version}`);
  }
  checkEsUserCanRun(home, spec.dir);
  const heap = options.heap ?? DEFAULT_HEAP;
  const javaOpts = [`-Xms${heap}`, `-Xmx${heap}`, ...FAST_BOOT_OPTS, ...(options.extraJavaOpts ?? [])];
  const out = openSync(join(spec.dir, 'console.log'), 'a');
  const user = esUser();
  const command = join(home, 'bin', 'elasticsearch');
  const args = ['-p', join(spec.dir, 'server.pid')];
  // Elasticsearch refuses to run as root; drop to an unprivileged user like a real service would.
  const [file, argv] = user
    ? ['setpriv', [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', command, ...args]]
    : [command, args];
  const child = spawn(file, argv, {
    // gc.log and hs_err files are written relative to the working directory.
    cwd: join(spec.dir, 'logs'),
    detached: true,
    stdio: ['ignore', out, out],
    env: {
      ...process.env,
      ES_PATH_CONF: join(spec.dir, 'config'),
      ES_JAVA_HOME: javaHomeFor(spec.version),
      ES_JAVA_OPTS: javaOpts.join(' '),
      // Without it the launcher makes a fresh elasticsearch-* directory in the system temp directory
      // for every start and leaves it behind; here it goes with the node's other files.
      ES_TMPDIR: join(spec.dir, 'tmp'),
      JAVA_HOME: '',
    },
  });
  closeSync(out);
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start Elasticsearch ${spec.nodeName}`);
  writeFileSync(join(spec.dir, 'launcher.pid'), String(child.pid));
  return child.pid;
}

export function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The process exists and has not exited (a zombie, exited but not yet reaped, counts as gone). */
export function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return isZombieOrGone(pid) !== true;
}

/** The node's processes by pid file, where /proc cannot tell (no reuse check there). */
function processesByPidFile(dir: string): NodeProcess[] {
  return [['server.pid', true], ['launcher.pid', false]].flatMap(([file, server]) => {
    const pid = readPid(join(dir, String(file)));
    return pid !== undefined && isAlive(pid) ? [{ pid, ppid: 0, server: Boolean(server) }] : [];
  });
}

/** True while the launcher or the server JVM of the node runs (a stale pid file counts for nothing). */
export function nodeRunning(dir: string): boolean {
  const pids = [readPid(join(dir, 'server.pid')), readPid(join(dir, 'launcher.pid'))];
  const byProc = pids.map((pid) => isNodeProcess(pid, dir));
  if (byProc.some((alive) => alive === undefined)) return processesByPidFile(dir).length > 0;
  // The server writes its pid file seconds into its boot: before that, or once the launcher has
  // gone, only a scan finds it.
  return byProc.some(Boolean) || (nodeProcesses(dir)?.length ?? 0) > 0;
}

/**
 * Stop the node like a machine shutdown: SIGTERM to the server JVM, as Elasticsearch documents (its
 * launcher exits when it does), then SIGKILL to every process of the node after the grace period.
 * Processes are found by what they run (node-processes.ts), not by pid files alone: a server still
 * booting has written no pid file yet, and a launcher stopped then leaves its server running on its
 * own. Before there is a server, the launcher gets the SIGTERM. Resolves when nothing of the node is left.
 */
export async function stopNode(dir: string, graceMs = 30_000): Promise<'stopped' | 'killed' | 'not-running'> {
  const scan = (): NodeProcess[] => nodeProcesses(dir) ?? processesByPidFile(dir);
  if (scan().length === 0) return 'not-running';
  const signalled = new Set<number>();
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    const processes = scan();
    if (processes.length === 0) return 'stopped';
    const servers = processes.filter((p) => p.server);
    for (const p of servers.length > 0 ? servers : processes) {
      if (!signalled.has(p.pid)) signal(p.pid, 'SIGTERM');
      signalled.add(p.pid);
    }
    await sleep(100);
  }
  // SIGKILL cannot be refused; the bound only guards against a process we may not signal.
  const killDeadline = Date.now() + 10_000;
  for (let left = scan(); left.length > 0 && Date.now() < killDeadline; left = scan()) {
    for (const p of left) signal(p.pid, 'SIGKILL');
    await sleep(50);
  }
  return 'killed';
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

interface EsUser {
  uid: number;
  gid: number;
}

let cachedUser: EsUser | null | undefined;

/** When we are root, Elasticsearch runs as SANDBOX_ES_USER (default "nobody"); otherwise as us. */
export function esUser(): EsUser | null {
  if (cachedUser !== undefined) return cachedUser;
  if (process.getuid?.() !== 0) return (cachedUser = null);
  const name = process.env.SANDBOX_ES_USER ?? 'nobody';
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
  return (cachedUser = { uid, gid });
}

const checkedHomes = new Set<string>();

/** Fail with a clear message, not a dead JVM, when the unprivileged user cannot reach the files. */
function checkEsUserCanRun(home: string, dir: string): void {
  const user = esUser();
  if (!user || checkedHomes.has(home)) return;
  try {
    execFileSync('setpriv', [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', 'sh', '-c',
      'test -x "$1/bin/elasticsearch" && test -w "$2/data"', 'sh', home, dir]);
  } catch {
    throw new Error(`user ${user.uid} (Elasticsearch cannot run as root) cannot run ${home}/bin/elasticsearch `
      + `or write ${dir}; make the checkout readable (and its parents searchable) for that user, or set SANDBOX_ES_USER`);
  }
  checkedHomes.add(home);
}

function giveToEsUser(path: string): void {
  const user = esUser();
  if (!user) return;
  chownSync(path, user.uid, user.gid);
  if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) giveToEsUser(join(path, entry));
}
