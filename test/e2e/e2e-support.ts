// Shared pieces of the upgrade suites: the real CLI as a child process (also one we can SIGKILL),
// a watcher that records what Elasticsearch and moto show over time, figures from a run,
// diagnostics printed when a test (or a suite's set-up) fails, and the set-up itself.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect } from 'vitest';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import type { AwsClients } from '../../sandbox/aws-clients.ts';
import type { EsHttp } from '../../sandbox/es-http.ts';
import { repoRoot } from '../../sandbox/paths.ts';
import { paths } from '../../sandbox/sandbox-state.ts';
import { waitFor } from '../../sandbox/wait-for.ts';
import type { NodeTimeline, UpgradeReport } from '../../src/upgrade/plan-model.ts';
import type { CliResult } from './run-cli.ts';
import { sandboxFileDiagnostics, startSandbox, type Sandbox, type SandboxOptions } from './sandbox-harness.ts';

// ---------------------------------------------------------------------------------------------
// The CLI

export interface SpawnedCli {
  child: ChildProcess;
  done: Promise<CliResult>;
  /** Everything printed to stderr so far. */
  stderr(): string;
}

/** `node src/cli/main.ts ...` with the sandbox's environment; the caller may kill it. */
export function spawnCli(args: string[], env: Record<string, string>): SpawnedCli {
  const started = Date.now();
  const child = spawn(process.execPath, [join(repoRoot, 'src', 'cli', 'main.ts'), ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code: code ?? (signal === 'SIGKILL' ? 137 : null), stdout, stderr, durationMs: Date.now() - started }));
  });
  return { child, done, stderr: () => stderr };
}

export interface UpgradeRun {
  label: string;
  result: CliResult;
  /** The report the CLI wrote with --report (undefined when it wrote none, e.g. killed). */
  report?: UpgradeReport;
}

/** The CLI's stderr, kept per label so a failing test can print the tail. */
export const cliLogs = new Map<string, string>();

let reportDir: string | undefined;

export function reportPath(label: string): string {
  reportDir ??= mkdtempSync(join(tmpdir(), 'esru-e2e-'));
  return join(reportDir, `${label.replace(/[^a-z0-9-]+/gi, '-')}.json`);
}

/**
 * Every wait of a run in these suites ends well within minutes; the defaults (up to two hours) would
 * turn a stuck run into a CI job that never ends. A test that names a timeout keeps its own.
 */
const WAIT_BOUNDS: Record<string, string> = {
  'node-leave-timeout': '3m',
  'node-join-timeout': '5m',
  'yellow-timeout': '5m',
  'green-timeout': '6m',
  'drain-timeout': '6m',
  'safe-to-proceed-timeout': '5m',
};

function boundedWaits(extra: string[]): string[] {
  return Object.entries(WAIT_BOUNDS).filter(([name]) => !extra.includes(`--${name}`)).flatMap(([name, value]) => [`--${name}`, value]);
}

/**
 * `es-rolling-upgrade <command> ...` against the sandbox: connection flags, --yes, no progress view,
 * JSON output and a report file. Returns exit code, output and the parsed report.
 */
export async function upgradeCli(sandbox: Sandbox, label: string, command: 'plan' | 'run', extra: string[], target: string): Promise<UpgradeRun> {
  const file = reportPath(label);
  // --no-progress and --yes are run's flags: plan refuses them.
  const args = [command, ...sandbox.cliFlags(target), '--output', 'json', '--report', file, ...(command === 'run' ? ['--no-progress', '--yes'] : []),
    ...boundedWaits(extra), ...extra];
  const spawned = spawnCli(args, sandbox.env);
  const result = await spawned.done;
  cliLogs.set(label, result.stderr);
  const report = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as UpgradeReport) : undefined;
  return { label, result, report };
}

// ---------------------------------------------------------------------------------------------
// Moto

export interface MotoInstance {
  id: string;
  state: string;
  launchTime?: Date;
  tags: Record<string, string>;
}

/** Every instance moto knows (each suite has its own moto, so: every instance of this sandbox). */
export async function motoInstances(aws: AwsClients): Promise<MotoInstance[]> {
  const out: MotoInstance[] = [];
  let nextToken: string | undefined;
  do {
    const page = await aws.ec2.send(new DescribeInstancesCommand({ NextToken: nextToken }));
    for (const r of page.Reservations ?? []) {
      for (const i of r.Instances ?? []) {
        out.push({
          id: i.InstanceId ?? '',
          state: i.State?.Name ?? 'unknown',
          launchTime: i.LaunchTime,
          tags: Object.fromEntries((i.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
        });
      }
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return out;
}

export function summarize(instances: MotoInstance[]): string[] {
  return instances.map((i) => `${i.id}:${i.state}`).sort();
}

export function terminatedIds(instances: MotoInstance[]): string[] {
  return instances.filter((i) => i.state === 'terminated').map((i) => i.id).sort();
}

// ---------------------------------------------------------------------------------------------
// Elasticsearch

interface CatNode { name: string; version: string; 'node.role': string }

export async function catNodes(es: EsHttp): Promise<{ name: string; version: string; roles: string }[]> {
  const nodes = await es.json<CatNode[]>('GET', '/_cat/nodes?format=json&h=name,version,node.role');
  return nodes.map((n) => ({ name: n.name, version: n.version, roles: n['node.role'] }));
}

/** `cluster.routing.allocation.enable` as set (persistent, or transient shadowing it); null when unset. */
export async function allocationEnable(es: EsHttp): Promise<string | null> {
  const s = await es.json<{ persistent: Record<string, string>; transient: Record<string, string> }>('GET', '/_cluster/settings?flat_settings=true');
  const key = 'cluster.routing.allocation.enable';
  return s.transient[key] ?? s.persistent[key] ?? null;
}

export async function waitGreen(es: EsHttp, nodes: number, what: string, timeoutMs = 180_000): Promise<void> {
  await waitFor(async () => {
    const h = await es.json<{ status: string; number_of_nodes: number }>('GET', `/_cluster/health?wait_for_status=green&wait_for_nodes=${nodes}&timeout=5s`);
    return h.status === 'green' && h.number_of_nodes === nodes ? true : undefined;
  }, { timeoutMs, intervalMs: 500, what });
}

// ---------------------------------------------------------------------------------------------
// The watcher: what the cluster and moto showed, with timestamps, sampled by the test itself.

export interface HealthSample { at: number; status: string; nodes: number; relocating: number; initializing: number }

export class Watcher {
  /** First time each node name was seen in `_cat/nodes`, and first time it was missing after that. */
  readonly nodeSeen = new Map<string, number>();
  readonly nodeGone = new Map<string, number>();
  readonly nodeVersion = new Map<string, string>();
  /** First time moto listed each instance, and first time it showed it terminated. */
  readonly instanceSeen = new Map<string, number>();
  readonly instanceTerminated = new Map<string, number>();
  readonly health: HealthSample[] = [];
  readonly allocation: { at: number; value: string | null }[] = [];
  /** Node counts over time (null: no answer). */
  readonly counts: { at: number; count: number | null }[] = [];
  /** How often Elasticsearch is sampled: the resolution of every time seen there. */
  readonly esIntervalMs: number;
  private running = true;
  private readonly loops: Promise<void>[];
  private readonly sandbox: Sandbox;

  constructor(sandbox: Sandbox, options: { esIntervalMs?: number; motoIntervalMs?: number; allocation?: boolean } = {}) {
    this.sandbox = sandbox;
    this.esIntervalMs = options.esIntervalMs ?? 250;
    this.loops = [this.esLoop(this.esIntervalMs, options.allocation ?? false), this.motoLoop(options.motoIntervalMs ?? 500)];
  }

  private async esLoop(intervalMs: number, withAllocation: boolean): Promise<void> {
    while (this.running) {
      const at = Date.now();
      const [nodes, health, allocation] = await Promise.allSettled([
        catNodes(this.sandbox.es),
        this.sandbox.es.json<{ status: string; number_of_nodes: number; relocating_shards: number; initializing_shards: number }>(
          'GET', '/_cluster/health?filter_path=status,number_of_nodes,relocating_shards,initializing_shards'),
        withAllocation ? allocationEnable(this.sandbox.es) : Promise.resolve(null),
      ]);
      if (nodes.status === 'fulfilled') {
        const names = new Set(nodes.value.map((n) => n.name));
        this.counts.push({ at, count: names.size });
        for (const n of nodes.value) {
          if (!this.nodeSeen.has(n.name)) this.nodeSeen.set(n.name, at);
          this.nodeVersion.set(n.name, n.version);
        }
        for (const name of this.nodeSeen.keys()) if (!names.has(name) && !this.nodeGone.has(name)) this.nodeGone.set(name, at);
      } else {
        this.counts.push({ at, count: null });
      }
      if (health.status === 'fulfilled') {
        const h = health.value;
        this.health.push({ at, status: h.status, nodes: h.number_of_nodes, relocating: h.relocating_shards, initializing: h.initializing_shards });
      }
      if (withAllocation && allocation.status === 'fulfilled') this.allocation.push({ at, value: allocation.value });
      await sleep(Math.max(0, intervalMs - (Date.now() - at)));
    }
  }

  private async motoLoop(intervalMs: number): Promise<void> {
    while (this.running) {
      const at = Date.now();
      try {
        for (const i of await motoInstances(this.sandbox.aws)) {
          if (!this.instanceSeen.has(i.id)) this.instanceSeen.set(i.id, at);
          if (i.state === 'terminated' && !this.instanceTerminated.has(i.id)) this.instanceTerminated.set(i.id, at);
        }
      } catch {
        // A missed sample; the next one catches up.
      }
      await sleep(Math.max(0, intervalMs - (Date.now() - at)));
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  minCount(): number {
    return Math.min(...this.counts.map((c) => c.count).filter((c): c is number => c !== null));
  }

  /** Longest stretch of `_cat/nodes` samples that got no answer (e.g. no elected master), in ms. */
  longestUnanswered(): number {
    let longest = 0;
    let since: number | undefined;
    for (const c of this.counts) {
      if (c.count === null) since ??= c.at;
      else if (since !== undefined) {
        longest = Math.max(longest, c.at - since);
        since = undefined;
      }
    }
    return longest;
  }

  /** First green sample with `nodes` nodes at or after `since`. */
  greenAfter(since: number, nodes: number): number | undefined {
    return this.health.find((h) => h.at >= since && h.status === 'green' && h.nodes === nodes)?.at;
  }

  /** First green sample with `nodes` nodes and no shard initializing or relocating, at or after `since`. */
  settledAfter(since: number, nodes: number): number | undefined {
    return this.health.find((h) => h.at >= since && h.status === 'green' && h.nodes === nodes && h.relocating === 0 && h.initializing === 0)?.at;
  }
}

// ---------------------------------------------------------------------------------------------
// Figures

const s = (ms: number | undefined): string => (ms === undefined || Number.isNaN(ms) ? '?' : `${(ms / 1000).toFixed(1)}s`);

/** The middle value (the mean of the two middle ones for an even count); undefined when there is none. */
export function median(values: readonly number[]): number | undefined {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** What printFigures measured: how long after its condition the controller acted next, per step. */
export interface RunFigures {
  /**
   * The condition a step's successor waits for (after the step's replacements joined: green, and for a
   * data node nothing initializing or relocating, as no_moving_shards has it) -> that successor's start,
   * in ms; one per step that has a successor.
   */
  reactionsMs: number[];
  /** The same condition after the last step -> the report's end (which includes the run's clean-up), in ms. */
  endMs?: number;
}

/**
 * Prints `[e2e-figures]` lines for a run: its duration, each node's, the controller's waits, and how
 * long after each condition (old node gone, replacement present in `_cat/nodes`, cluster green) the
 * controller took its next action (the next step's start, or the end of the run). A step is one node,
 * or with zone batches one batch: its condition is met when the last of its replacements has joined
 * and the cluster is green again.
 */
export function printFigures(label: string, run: UpgradeRun, watcher: Watcher | undefined, totalNodes: number): RunFigures {
  const report = run.report;
  const figures: RunFigures = { reactionsMs: [] };
  const out: string[] = [];
  out.push(`[e2e-figures] ${label}: exit ${run.result.code}, CLI wall time ${s(run.result.durationMs)}, `
    + `report ${report ? `${report.outcome} in ${s(report.durationMs)}, ${report.nodes.length} node(s)` : 'none'}`
    + (watcher ? `; nodes seen at least ${watcher.minCount()}, longest stretch without an answer from _cat/nodes ${s(watcher.longestUnanswered())}` : ''));
  if (!report) {
    console.log(out.join('\n'));
    return figures;
  }
  const nodes = [...report.nodes].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
  const stepOf = (n: NodeTimeline): NodeTimeline[] => (n.batch === undefined ? [n] : nodes.filter((o) => o.batch === n.batch));
  nodes.forEach((n) => {
    const waits = n.waits.map((w) => `${w.kind} ${s(w.durationMs)}${w.outcome === 'met' ? '' : ` (${w.outcome})`}`).join(', ');
    out.push(`[e2e-figures] ${label}: node ${n.nodeName} (${n.phase}${n.batch !== undefined ? `, batch ${n.batch}` : ''}) -> ${n.replacementNodeName ?? '-'}: `
      + `${s(n.durationMs)} ${n.outcome}; waits: ${waits || 'none'}`);
    if (!watcher) return;
    const started = Date.parse(n.startedAt);
    const terminated = n.instanceId ? watcher.instanceTerminated.get(n.instanceId) : undefined;
    const gone = watcher.nodeGone.get(n.nodeName);
    const joined = n.replacementNodeName ? watcher.nodeSeen.get(n.replacementNodeName) : undefined;
    const green = joined !== undefined ? watcher.greenAfter(joined, totalNodes) : undefined;
    out.push(`[e2e-figures] ${label}:   start -> moto termination seen ${s(terminated !== undefined ? terminated - started : undefined)}; `
      + `termination -> old node gone from _cat/nodes ${s(gone !== undefined && terminated !== undefined ? gone - terminated : undefined)}; `
      + `termination -> replacement in _cat/nodes ${s(joined !== undefined && terminated !== undefined ? joined - terminated : undefined)}; `
      + `replacement in _cat/nodes -> green ${s(green !== undefined && joined !== undefined ? green - joined : undefined)}`);
    // The reaction is the step's: printed once, with its last node.
    const step = stepOf(n);
    if (step[step.length - 1] !== n) return;
    const joins = step.map((m) => (m.replacementNodeName ? watcher.nodeSeen.get(m.replacementNodeName) : undefined));
    const allJoined = joins.every((j) => j !== undefined) ? Math.max(...joins.filter((j): j is number => j !== undefined)) : undefined;
    const next = nodes.find((o) => Date.parse(o.startedAt) > started && !step.includes(o));
    // What the next step waits for: green, and before a data node nothing moving (no_moving_shards).
    const settles = (next ?? n).phase === 'data';
    const condition = allJoined === undefined ? undefined
      : settles ? watcher.settledAfter(allJoined, totalNodes) : watcher.greenAfter(allJoined, totalNodes);
    const conditionWhat = settles ? 'green and settled' : 'green';
    const nextAction = next ? Date.parse(next.startedAt) : Date.parse(report.finishedAt);
    const nextWhat = next ? `next ${next.batch !== undefined ? `batch's (${next.batch})` : 'node\'s'} start (${next.nodeName})` : 'end of run';
    if (condition !== undefined) {
      if (next) figures.reactionsMs.push(nextAction - condition);
      else figures.endMs = nextAction - condition;
    }
    out.push(`[e2e-figures] ${label}:   reaction${step.length > 1 ? ` (batch ${n.batch})` : ''}: replacement${step.length > 1 ? 's' : ''} in _cat/nodes -> ${nextWhat} `
      + `${s(allJoined !== undefined ? nextAction - allJoined : undefined)}; ${conditionWhat} -> ${nextWhat} ${condition !== undefined ? `${nextAction - condition} ms` : '?'}`);
  });
  const mid = median(figures.reactionsMs);
  if (watcher) {
    out.push(`[e2e-figures] ${label}: condition -> next action: median ${mid === undefined ? '?' : `${Math.round(mid)} ms`} over ${figures.reactionsMs.length} step(s) `
      + `[${figures.reactionsMs.join(', ')}] ms; condition -> end of run ${figures.endMs ?? '?'} ms (conditions sampled every ${watcher.esIntervalMs} ms)`);
  }
  console.log(out.join('\n'));
  return figures;
}

// ---------------------------------------------------------------------------------------------
// Diagnostics

function tail(text: string, lines: number): string {
  return text.split('\n').slice(-lines).join('\n');
}

/** What helps to understand a failure: CLI stderr tails, reports, the cluster's nodes, the agent log. */
export async function printDiagnostics(sandbox: Sandbox | undefined, runs: UpgradeRun[]): Promise<void> {
  const out: string[] = ['----- e2e diagnostics -----'];
  for (const run of runs) {
    out.push(`== ${run.label}: exit ${run.result.code}`);
    out.push(`-- stderr tail:\n${tail(run.result.stderr, 40)}`);
    out.push(`-- stdout tail:\n${tail(run.result.stdout, 20)}`);
    if (run.report) {
      out.push(`-- report: ${run.report.outcome}: ${run.report.message}`);
      out.push(`   refusals: ${JSON.stringify(run.report.refusals)}`);
      out.push(`   terminated: ${JSON.stringify(run.report.terminatedInstanceIds)}, finalHealth: ${JSON.stringify(run.report.finalHealth)}`);
    }
  }
  if (sandbox) {
    try {
      out.push(`-- _cat/nodes:\n${(await sandbox.es.request({ method: 'GET', path: '/_cat/nodes?v&h=name,version,node.role,master', timeoutMs: 5000 })).text}`);
      out.push(`-- _cat/shards (not started):\n${(await sandbox.es.request({ method: 'GET', path: '/_cat/shards?v&h=index,shard,prirep,state,node,unassigned.reason', timeoutMs: 5000 })).text
        .split('\n').filter((l, i) => i === 0 || (l && !l.includes('STARTED'))).join('\n')}`);
    } catch (error) {
      out.push(`-- cluster unreachable: ${error instanceof Error ? error.message : String(error)}`);
    }
    try {
      out.push(`-- moto: ${summarize(await motoInstances(sandbox.aws)).join(' ')}`);
    } catch (error) {
      out.push(`-- moto unreachable: ${error instanceof Error ? error.message : String(error)}`);
    }
    out.push(...sandboxFileDiagnostics());
    if (existsSync(paths.writerLog)) out.push(`-- writer log tail:\n${tail(readFileSync(paths.writerLog, 'utf8'), 10)}`);
  }
  console.log(out.join('\n'));
}

/** Runs `body`; on failure prints diagnostics, then fails as before. */
async function withDiagnostics(sandbox: () => Sandbox | undefined, runs: UpgradeRun[], body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    await printDiagnostics(sandbox(), runs);
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Set-up

/**
 * A sandbox up and prepared by `prepare` (indices, rolled template, green with every node). The
 * set-up runs no controller, so when it fails the proving ground failed, not the product: print what
 * happened, and build a new sandbox before giving up. Prints how long the sandbox took to come up.
 */
async function preparedSandbox(label: string, options: SandboxOptions, prepare: (sandbox: Sandbox) => Promise<void>, attempts = 2): Promise<Sandbox> {
  for (let attempt = 1; ; attempt++) {
    const started = Date.now();
    let sandbox: Sandbox | undefined;
    try {
      sandbox = await startSandbox(options);
      console.log(`[e2e-figures] ${label}: sandbox up (${options.masters} masters, ${options.data} data, ${options.version}) in ${s(Date.now() - started)}`);
      await prepare(sandbox);
      return sandbox;
    } catch (error) {
      await printDiagnostics(sandbox, []);
      await sandbox?.down();
      if (attempt >= attempts) throw error;
      console.log(`[e2e] ${label}: sandbox set-up failed (attempt ${attempt} of ${attempts}), building a new one: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/** One suite's sandbox, brought up before its tests and down after them (see suiteSandbox). */
export interface SuiteSandbox {
  /** The sandbox; throws when the set-up did not bring one up. */
  sb: () => Sandbox;
  /** The CLI runs so far, printed by `diag` when a test fails. */
  runs: UpgradeRun[];
  /** Runs a test body; on failure prints diagnostics, then fails as before. */
  diag: (body: () => Promise<void>) => Promise<void>;
  /** The instances moto listed once the set-up was done. */
  initial: () => MotoInstance[];
  /** The group of an instance of that initial fleet. */
  groupOf: (id: string) => string | undefined;
}

/**
 * Registers the suite's hooks: a prepared sandbox (preparedSandbox) whose every instance runs before
 * the first test, and `down()` after the last.
 */
export function suiteSandbox(label: string, options: SandboxOptions, prepare: (sandbox: Sandbox) => Promise<void>): SuiteSandbox {
  let sandbox: Sandbox | undefined;
  let initial: MotoInstance[] = [];
  const runs: UpgradeRun[] = [];
  beforeAll(async () => {
    sandbox = await preparedSandbox(label, options, prepare);
    initial = await motoInstances(sandbox.aws);
    expect(initial.filter((i) => i.state === 'running')).toHaveLength(options.masters + options.data);
  });
  afterAll(async () => {
    await sandbox?.down();
  });
  return {
    sb: () => {
      if (!sandbox) throw new Error('sandbox is not up');
      return sandbox;
    },
    runs,
    diag: (body) => withDiagnostics(() => sandbox, runs, body),
    initial: () => initial,
    groupOf: (id) => initial.find((i) => i.id === id)?.tags['aws:autoscaling:groupName'],
  };
}
