// One upgrade algorithm on one fresh world of a scenario, measured: virtual time, the waits the
// simulator imposed, bytes moved, most data nodes missing at once, red, and real time.
//
// The waits the simulator imposes are the stretches during which the world has work of its own
// under way (world.busyIntervals): an instance terminating or starting, a node leaving or booting,
// a master election, a shard recovering or relocating, a delayed allocation pending. For one
// replacement that is terminate -> old node gone, launch -> replacement joined, and each recovery as
// the simulator schedules it once allocation lets it start; over a run, their union (overlaps
// counted once), which is the critical path of a driver that acts the moment the world lets it.
// Overhead = total virtual time / that union: 1.00 means the run never waited on itself.
// Time outside the union is the driver's own: a poll interval, a grace period, a timeout waited
// out while nothing moved (the seed's green timeout with version conflicts).

import { performance } from 'node:perf_hooks';
import { InterruptedError } from '../src/shared/errors.ts';
import { silentLogger } from '../src/shared/log.ts';
import type { SimulatedWorld } from '../src/sim/index.ts';
import type { UpgradeEvent } from '../src/upgrade/plan-model.ts';
import { runUpgrade } from '../src/upgrade/run-upgrade.ts';
import { runSeedUpgrade, SEED_DEFAULTS } from './seed-upgrade.ts';
import { toolOptions } from './tool-options.ts';
import { buildWorld, TARGET_VERSION, type Scenario } from './upgrade-scenarios.ts';

export const ALGORITHMS = ['seed', 'one-at-a-time', 'zone'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

/** What drives the world. */
export interface Driver {
  algorithm: Algorithm;
}

export function driverName(d: Driver): string {
  return d.algorithm;
}

/** Time outside the imposed waits, by what the driver was waiting for then. */
export interface OwnWait {
  activity: string;
  ms: number;
}

export interface RunFigures {
  scenario: string;
  driver: string;
  start: Date;
  outcome: string;
  message: string;
  /** Virtual time from the first call to the driver's return. */
  totalMs: number;
  /** The union of the waits the simulator imposed within the run (see the header). */
  imposedMs: number;
  /** totalMs / imposedMs. */
  overhead: number;
  /** The driver's own waits, longest first. */
  ownWaits: OwnWait[];
  /** Nodes the driver terminated, of the nodes stale at the start (all of them). */
  nodesTerminated: number;
  nodesStale: number;
  bytesRecovered: number;
  bytesRelocated: number;
  /** Most data nodes absent from the cluster at once. */
  mostDataMissing: number;
  /** A shard was red (an inactive primary) while a master was elected, at any moment. */
  redEver: boolean;
  primariesLost: number;
  /** Real time to build the world, and to simulate the run. */
  buildWallMs: number;
  runWallMs: number;
}

interface Driven {
  outcome: string;
  message: string;
}

type Note = (activity: string) => void;

async function drive(driver: Driver, world: SimulatedWorld, note: Note, signal: AbortSignal): Promise<Driven> {
  const { algorithm } = driver;
  if (algorithm === 'seed') {
    const result = await runSeedUpgrade(
      { cluster: world.cluster, fleet: world.fleet, clock: world.clock, onWait: note, signal },
      { ...SEED_DEFAULTS, targetVersion: TARGET_VERSION },
    );
    return { outcome: result.outcome, message: result.message };
  }
  const options = toolOptions(TARGET_VERSION, algorithm === 'zone' ? { batch: 'zone' } : {});
  let refusal = '';
  const onEvent = (e: UpgradeEvent): void => {
    if (e.type === 'wait') note(e.kind);
    else if (e.type === 'action') note(`after ${e.action}`);
    else if (e.type === 'refused') refusal = e.refusals.map((r) => `${r.rule}: ${r.reason}`).join('; ');
  };
  try {
    const report = await runUpgrade(
      { cluster: world.cluster, fleet: world.fleet, lock: world.lock, clock: world.clock, log: silentLogger(), holder: 'bench', onEvent, signal },
      options,
    );
    const why = report.outcome !== 'completed' && refusal !== '' && !report.message.includes(refusal) ? ` [${refusal}]` : '';
    return { outcome: report.outcome, message: `${report.message}${why}` };
  } catch (error) {
    // Interrupted before its first observation: it throws, having changed nothing.
    if (!signal.aborted) throw error;
    return { outcome: 'interrupted', message: 'interrupted before the first observation' };
  }
}

export interface RunLimits {
  /** Virtual start time (default: the simulator's). */
  start?: Date;
  /** Real time after which the run is interrupted (outcome "interrupted"), e.g. a check's limit. */
  budgetMs?: number;
}

export async function measureRun(scenario: Scenario, driver: Driver, limits: RunLimits = {}): Promise<RunFigures> {
  const { start, budgetMs } = limits;
  const buildStarted = performance.now();
  const world = buildWorld(scenario, start);
  const buildWallMs = performance.now() - buildStarted;
  const watch = watchWorld(world);
  const startMs = world.clock.nowMs();
  const notes: { atMs: number; activity: string }[] = [{ atMs: startMs, activity: 'starting' }];
  const note: Note = (activity) => notes.push({ atMs: world.clock.nowMs(), activity });

  const runStarted = performance.now();
  const budget = new AbortController();
  const timer = budgetMs === undefined ? undefined : setTimeout(() => budget.abort(new InterruptedError('SIGTERM')), budgetMs);
  const driven = await drive(driver, world, note, budget.signal).finally(() => clearTimeout(timer));
  const runWallMs = performance.now() - runStarted;
  const endMs = world.clock.nowMs();
  watch.stop();

  const busy = clip(world.busyIntervals(), startMs, endMs);
  const imposedMs = busy.reduce((sum, i) => sum + i.toMs - i.fromMs, 0);
  const totalMs = endMs - startMs;
  const stats = world.cluster.stats();
  return {
    scenario: scenario.key,
    driver: driverName(driver),
    start: new Date(startMs),
    outcome: driven.outcome,
    message: driven.message,
    totalMs,
    imposedMs,
    overhead: imposedMs > 0 ? totalMs / imposedMs : Number.POSITIVE_INFINITY,
    ownWaits: ownWaits(gaps(busy, startMs, endMs), notes),
    nodesTerminated: world.terminatedInstanceIds().length,
    nodesStale: scenario.masters + scenario.data,
    bytesRecovered: stats.bytesRecovered,
    bytesRelocated: stats.bytesRelocated,
    mostDataMissing: watch.mostDataMissing(),
    redEver: watch.redEver(),
    primariesLost: world.history.filter((h) => h.kind === 'primary-lost').length,
    buildWallMs,
    runWallMs,
  };
}

interface Watch {
  mostDataMissing(): number;
  redEver(): boolean;
  stop(): void;
}

/** Follows the world after every event: data nodes present (from its history), and red. */
function watchWorld(world: SimulatedWorld): Watch {
  const dataNames = new Set(world.cluster.nodes().filter((n) => n.roles.includes('data')).map((n) => n.name));
  const initial = dataNames.size;
  let present = initial;
  let most = 0;
  let red = false;
  let seen = world.history.length;
  const stop = world.onEvent((w) => {
    const history = w.history;
    for (; seen < history.length; seen += 1) {
      const h = history[seen];
      if (h?.kind === 'node-joined') {
        const name = h.detail.split(' ')[0] ?? '';
        if (w.cluster.node(name)?.roles.includes('data')) {
          dataNames.add(name);
          present += 1;
        }
      } else if (h?.kind === 'node-left' && dataNames.delete(h.detail)) present -= 1;
    }
    most = Math.max(most, initial - present);
    // Without a master the simulator reports red; Elasticsearch answers nothing then. Only shards count.
    if (!red && w.cluster.masterNodeId() !== null && w.cluster.health().status === 'red') red = true;
  });
  return { mostDataMissing: () => most, redEver: () => red, stop };
}

interface Interval {
  fromMs: number;
  toMs: number;
}

function clip(intervals: Interval[], fromMs: number, toMs: number): Interval[] {
  return intervals
    .map((i) => ({ fromMs: Math.max(i.fromMs, fromMs), toMs: Math.min(i.toMs, toMs) }))
    .filter((i) => i.toMs > i.fromMs);
}

/** The stretches of [fromMs, toMs] outside the (sorted, disjoint) intervals. */
function gaps(intervals: Interval[], fromMs: number, toMs: number): Interval[] {
  const out: Interval[] = [];
  let at = fromMs;
  for (const i of intervals) {
    if (i.fromMs > at) out.push({ fromMs: at, toMs: i.fromMs });
    at = Math.max(at, i.toMs);
  }
  if (toMs > at) out.push({ fromMs: at, toMs });
  return out;
}

/** Each gap's time, split by the driver's activity over it. */
function ownWaits(idle: Interval[], notes: { atMs: number; activity: string }[]): OwnWait[] {
  const byActivity = new Map<string, number>();
  let n = 0;
  for (const gap of idle) {
    while (n + 1 < notes.length && (notes[n + 1]?.atMs ?? Infinity) <= gap.fromMs) n += 1;
    let at = gap.fromMs;
    let k = n;
    while (at < gap.toMs) {
      const next = Math.min(gap.toMs, notes[k + 1]?.atMs ?? Infinity);
      const activity = notes[k]?.activity ?? '?';
      if (next > at) byActivity.set(activity, (byActivity.get(activity) ?? 0) + next - at);
      at = Math.max(at, next);
      if (next < gap.toMs) k += 1;
    }
  }
  return [...byActivity.entries()].map(([activity, ms]) => ({ activity, ms })).sort((a, b) => b.ms - a.ms);
}
