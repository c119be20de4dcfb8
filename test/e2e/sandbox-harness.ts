// Brings a proving-ground sandbox up for an end-to-end suite and down again: real Elasticsearch
// processes, moto and the fleet agent (see sandbox/README.md). Installs what is missing through the
// project's own scripts first. One sandbox at a time (suites run serially).

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAwsClients, awsEnvironment, type AwsClients } from '../../sandbox/aws-clients.ts';
import { down } from '../../sandbox/commands/down.ts';
import { up } from '../../sandbox/commands/up.ts';
import { EsHttp } from '../../sandbox/es-http.ts';
import { nodeRunning } from '../../sandbox/es-node.ts';
import type { AgentNodeRecord } from '../../sandbox/fleet-agent.ts';
import { esHome, motoServerBin, repoRoot } from '../../sandbox/paths.ts';
import { paths, readJsonFile, readState, type SandboxState } from '../../sandbox/sandbox-state.ts';
import { readVersions, type SandboxVersions } from '../../sandbox/versions.ts';
import { NodeSampler } from './node-sampler.ts';

export interface SandboxOptions {
  masters: number;
  data: number;
  version: string;
}

export interface Sandbox {
  state: SandboxState;
  esUrl: string;
  awsEndpoint: string;
  region: string;
  groups: { master: string; data: string };
  aws: AwsClients;
  es: EsHttp;
  /** Environment for a child process (the real CLI) to reach moto with dummy credentials. */
  env: Record<string, string>;
  /** Connection flags for `es-rolling-upgrade plan|run`. */
  cliFlags(targetVersion: string): string[];
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
    await up(options);
  } catch (error) {
    // `down` removes the logs: print what they say about a cluster that never formed first.
    console.log(['----- sandbox set-up diagnostics -----', ...sandboxFileDiagnostics({ masterLogs: true })].join('\n'));
    await down();
    throw error;
  }
  const state = readState();
  const role = (r: 'master' | 'data'): string => state.fleets.find((f) => f.role === r)?.groupName ?? '';
  const groups = { master: role('master'), data: role('data') };
  const samplers: NodeSampler[] = [];
  return {
    state,
    esUrl: state.esUrl,
    awsEndpoint: state.awsEndpoint,
    region: state.region,
    groups,
    aws: createAwsClients(state.awsEndpoint, state.region),
    es: new EsHttp([state.esUrl]),
    env: awsEnvironment(state.awsEndpoint, state.region),
    cliFlags: (targetVersion) => [
      '--es-url', state.esUrl,
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
 * logs of the masters too (a cluster that never elects one); the agent log's tail.
 */
export function sandboxFileDiagnostics(options: { masterLogs?: boolean } = {}): string[] {
  const out: string[] = [];
  const records = readJsonFile<AgentNodeRecord[]>(paths.agentNodes, []);
  const clusterName = existsSync(paths.state) ? readState().clusterName : 'sandbox';
  out.push(`-- agent's processes:\n${records.map((r) => `${r.instanceId} ${r.role} ${r.version} ${r.status}`
    + `${nodeRunning(r.dir) ? ' (process alive)' : ' (no process)'}${r.faults.length > 0 ? ` faults=${r.faults.join(',')}` : ''}`).join('\n')}`);
  for (const r of records) {
    const died = r.status !== 'stopped' && r.status !== 'stopping' && !nodeRunning(r.dir);
    if (!died && !(options.masterLogs && r.role === 'master')) continue;
    // hs_err_pid*.log: a JVM that crashed writes it into its working directory, the logs dir.
    const logs = join(r.dir, 'logs');
    const crashes = existsSync(logs) ? readdirSync(logs).filter((f) => f.startsWith('hs_err')).map((f) => join(logs, f)) : [];
    for (const file of [join(r.dir, 'console.log'), join(logs, `${clusterName}.log`), ...crashes]) {
      if (existsSync(file)) out.push(`-- ${r.instanceId}: tail of ${file}:\n${tail(readFileSync(file, 'utf8'), 40)}`);
    }
  }
  if (existsSync(paths.agentLog)) out.push(`-- agent log tail:\n${tail(readFileSync(paths.agentLog, 'utf8'), 30)}`);
  return out;
}
