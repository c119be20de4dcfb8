// Brings a proving-ground sandbox up for an end-to-end suite and down again: real Elasticsearch
// processes, moto and the fleet agent (see sandbox/README.md). Installs what is missing through the
// project's own scripts first. One sandbox at a time (suites run serially).

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAwsClients, awsEnvironment, type AwsClients } from '../../sandbox/aws-clients.ts';
import { readAwsCalls, type AwsCall } from '../../sandbox/aws-calls.ts';
import { clearAwsFaults, updateAwsFaults, writeAwsFaults, type AwsFaultConfig } from '../../sandbox/aws-faults.ts';
import type { LayerState } from '../../sandbox/aws-lifecycle.ts';
import { readEsTlsSecrets } from '../../sandbox/es-tls-setup.ts';
import { down } from '../../sandbox/commands/down.ts';
import { up } from '../../sandbox/commands/up.ts';
import { EsHttp } from '../../sandbox/es-http.ts';
import { nodeRunning } from '../../sandbox/es-node.ts';
import type { AgentNodeRecord } from '../../sandbox/fleet-agent.ts';
import { esHome, motoServerBin, repoRoot, sandboxDir } from '../../sandbox/paths.ts';
import { paths, readJsonFile, readState, type EsTlsState, type SandboxState } from '../../sandbox/sandbox-state.ts';
import { readVersions, type SandboxVersions } from '../../sandbox/versions.ts';
import { NodeSampler } from './node-sampler.ts';

export interface SandboxOptions {
  masters: number;
  data: number;
  version: string;
  /** HTTPS with basic auth in front of Elasticsearch: cliFlags and env then carry the URL, CA and credentials. */
  tls?: boolean;
  /** AWS faults (lags, repeat mode, errors) in force once the sandbox is up, before any test. */
  awsFaults?: AwsFaultConfig;
  /** `up --zones N`: the groups span N zones, and allocation awareness is on the nodes' `zone` attribute. */
  zones?: number;
}

/** The TLS front of a sandbox started with `tls`. */
export interface SandboxTls {
  url: string;
  caFile: string;
  /** A CA that signed nothing here. */
  wrongCaFile: string;
  username: string;
  password: string;
  /** base64("id:key"), as --es-api-key takes it. */
  apiKey: string;
}

/** The AWS fault layer of a sandbox (.sandbox/aws): its configuration and its record of calls. */
export interface SandboxAwsFaults {
  dir: string;
  /** Replaces the whole configuration. */
  set(config: AwsFaultConfig): AwsFaultConfig;
  /** Merges lags/modes in and appends error rules. */
  add(change: AwsFaultConfig): AwsFaultConfig;
  clear(): void;
  /** The calls the layer answered to clients other than the sandbox's own (the controller's). */
  calls(filter?: { operation?: string; instanceId?: string }): AwsCall[];
  /** Held terminations and lagged launches, as the layer last saved them. */
  state(): LayerState;
}

export interface Sandbox {
  state: SandboxState;
  esUrl: string;
  awsEndpoint: string;
  region: string;
  groups: { master: string; data: string };
  aws: AwsClients;
  es: EsHttp;
  /**
   * Environment for a child process (the real CLI): dummy AWS credentials for the fault layer, and
   * with `tls` ESRU_ES_PASSWORD (the password never goes on a command line).
   */
  env: Record<string, string>;
  /** Connection flags for `es-rolling-upgrade plan|run`; with `tls` the https URL, --es-ca-file and --es-username. */
  cliFlags(targetVersion: string): string[];
  /** Set when the sandbox was started with `tls`. */
  tls?: SandboxTls;
  awsFaults: SandboxAwsFaults;
  /** Clients straight to moto, past the fault layer: what moto itself holds. */
  moto: AwsClients;
  /** The fleet agent's processes (one per instance it has seen). */
  agentNodes(): AgentNodeRecord[];
  /** Starts sampling `_cat/nodes` every `intervalMs`; stop it to read the samples. */
  sampleNodes(intervalMs?: number): NodeSampler;
  down(): Promise<void>;
}

export const versions: SandboxVersions = readVersions();

/** Fetch Elasticsearch and set up moto through the project scripts when they are missing. */
export function ensurePrerequisites(esVersions: string[] = [...new Set([versions.previousMajor, versions.old, versions.new])]): void {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  if (major < 22 || (major === 22 && minor < 18)) {
    throw new Error(`Node ${process.versions.node} cannot run the TypeScript sandbox; run through npm (Node 24)`);
  }
  const missing = esVersions.filter((v) => !existsSync(join(esHome(v), 'bin', 'elasticsearch')));
  if (missing.length > 0) execFileSync('bash', [join(repoRoot, 'scripts', 'fetch-elasticsearch.sh'), ...missing], { stdio: 'inherit' });
  if (!existsSync(motoServerBin)) execFileSync('bash', [join(repoRoot, 'scripts', 'setup-moto.sh')], { stdio: 'inherit' });
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  ensurePrerequisites();
  // A sandbox left behind by an aborted run would hold the state file.
  await down();
  try {
    await up({
      masters: options.masters, data: options.data, version: options.version,
      ...(options.tls ? { tls: true } : {}), ...(options.zones !== undefined ? { zones: options.zones } : {}),
    });
    if (options.awsFaults) writeAwsFaults(paths.aws, options.awsFaults);
  } catch (error) {
    // Print what the logs say about a cluster that never formed (down keeps them in .sandbox/last-run too).
    console.log(['----- sandbox set-up diagnostics -----', ...sandboxFileDiagnostics({ masterLogs: true })].join('\n'));
    await down();
    throw error;
  }
  const state = readState();
  const role = (r: 'master' | 'data'): string => state.fleets.find((f) => f.role === r)?.groupName ?? '';
  const groups = { master: role('master'), data: role('data') };
  const samplers: NodeSampler[] = [];
  const tls = state.esTls ? ((t: EsTlsState): SandboxTls => {
    const secrets = readEsTlsSecrets(t);
    return { url: t.url, caFile: t.caFile, wrongCaFile: t.wrongCaFile, username: t.username, password: secrets.password, apiKey: secrets.apiKeyEncoded };
  })(state.esTls) : undefined;
  return {
    state,
    esUrl: state.esUrl,
    awsEndpoint: state.awsEndpoint,
    region: state.region,
    groups,
    aws: createAwsClients(state.awsEndpoint, state.region, { label: 'harness' }),
    moto: createAwsClients(state.motoEndpoint ?? state.awsEndpoint, state.region, { label: 'harness' }),
    es: new EsHttp([state.esUrl]),
    env: { ...awsEnvironment(state.awsEndpoint, state.region), ...(tls ? { ESRU_ES_PASSWORD: tls.password } : {}) },
    ...(tls ? { tls } : {}),
    awsFaults: {
      dir: paths.aws,
      set: (config) => writeAwsFaults(paths.aws, config),
      add: (change) => updateAwsFaults(paths.aws, change),
      clear: () => clearAwsFaults(paths.aws),
      calls: (filter) => readAwsCalls(paths.aws, filter),
      state: () => readJsonFile<LayerState>(join(paths.aws, 'state.json'), { terminations: [], launches: [] }),
    },
    cliFlags: (targetVersion) => [
      '--es-url', tls?.url ?? state.esUrl,
      ...(tls ? ['--es-ca-file', tls.caFile, '--es-username', tls.username] : []),
      '--aws-endpoint', state.awsEndpoint,
      '--region', state.region,
      '--target-version', targetVersion,
      '--version-tag-key', 'Version',
      '--match', 'node-attribute:instance_id',
      '--group-name', groups.master,
      '--group-name', groups.data,
    ],
    agentNodes: () => readJsonFile<AgentNodeRecord[]>(paths.agentNodes, []),
    sampleNodes(intervalMs = 500) {
      const sampler = new NodeSampler(new EsHttp([state.esUrl]), intervalMs);
      samplers.push(sampler);
      return sampler;
    },
    async down() {
      await Promise.all(samplers.map((s) => s.stop()));
      await down();
    },
  };
}

function tail(text: string, lines: number): string {
  return text.split('\n').slice(-lines).join('\n');
}

/**
 * What the sandbox's files say, read from disk so it works before a Sandbox exists: every process
 * the agent keeps; the console, server and crash logs of each node no longer running although nobody
 * stopped it (why a node left on its own is only written there), and with `masterLogs` the server
 * logs of the masters too (a cluster that never elects one); the agent log's tail. Once `down` has
 * run, the same from the logs it kept in .sandbox/last-run.
 */
export function sandboxFileDiagnostics(options: { masterLogs?: boolean } = {}): string[] {
  const out: string[] = [];
  const live = existsSync(paths.agentNodes);
  const root = live || !existsSync(join(paths.lastRun, 'agent', 'nodes.json')) ? sandboxDir : paths.lastRun;
  if (!live && root === paths.lastRun) out.push(`-- the sandbox is down; from the logs it kept in ${paths.lastRun}`);
  const records = readJsonFile<AgentNodeRecord[]>(join(root, 'agent', 'nodes.json'), []);
  const stateFile = join(root, 'state.json');
  const clusterName = existsSync(stateFile) ? readJsonFile<{ clusterName?: string }>(stateFile, {}).clusterName ?? 'sandbox' : 'sandbox';
  out.push(`-- agent's processes:\n${records.map((r) => `${r.instanceId} ${r.role} ${r.version} ${r.status}`
    + `${live ? (nodeRunning(r.dir) ? ' (process alive)' : ' (no process)') : ''}${r.faults.length > 0 ? ` faults=${r.faults.join(',')}` : ''}`).join('\n')}`);
  for (const r of records) {
    const died = r.status !== 'stopped' && r.status !== 'stopping' && (!live || !nodeRunning(r.dir));
    if (!died && !(options.masterLogs && r.role === 'master')) continue;
    const dir = join(root, 'nodes', r.instanceId);
    // hs_err_pid*.log: a JVM that crashed writes it into its working directory, the logs dir.
    const logs = join(dir, 'logs');
    const crashes = existsSync(logs) ? readdirSync(logs).filter((f) => f.startsWith('hs_err')).map((f) => join(logs, f)) : [];
    for (const file of [join(dir, 'console.log'), join(logs, `${clusterName}.log`), ...crashes]) {
      if (existsSync(file)) out.push(`-- ${r.instanceId}: tail of ${file}:\n${tail(readFileSync(file, 'utf8'), 40)}`);
    }
  }
  const agentLog = join(root, 'agent', 'agent.log');
  if (existsSync(agentLog)) out.push(`-- agent log tail:\n${tail(readFileSync(agentLog, 'utf8'), 30)}`);
  const awsLog = join(root, 'aws', 'proxy.log');
  if (existsSync(awsLog)) out.push(`-- AWS fault layer log tail:\n${tail(readFileSync(awsLog, 'utf8'), 15)}`);
  return out;
}
