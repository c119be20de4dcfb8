// Runs one schedule: the real controller against the simulator, with the schedule's faults and
// interruptions, rerun until the upgrade completes or halts for a reason that does not go away. The
// invariants are checked after every simulated event; the end state is checked at the end.

import { InterruptedError } from '../../../src/shared/errors.ts';
import { silentLogger } from '../../../src/shared/log.ts';
import { createSimulatedWorld, type SimulatedWorld } from '../../../src/sim/index.ts';
import type { UpgradeOptions, UpgradeReport } from '../../../src/upgrade/plan-model.ts';
import type { Fleet } from '../../../src/upgrade/ports.ts';
import { runUpgrade, type UpgradeDeps } from '../../../src/upgrade/run-upgrade.ts';
import { defaultOptions, OLD, TARGET } from '../builders.ts';
import type { Schedule } from './schedule.ts';

export interface ScheduleResult {
  reports: UpgradeReport[];
  /** Invariant violations during the run, and problems with the end state. */
  problems: string[];
  world: SimulatedWorld;
}

const MAX_RUNS = 6;

export async function runSchedule(schedule: Schedule, prepare?: (world: SimulatedWorld) => void): Promise<ScheduleResult> {
  const world = createSimulatedWorld({ ...schedule.world, fromVersion: OLD, launchVersion: TARGET });
  prepare?.(world);
  const options: UpgradeOptions = defaultOptions({
    order: schedule.order,
    match: { kind: 'private-ip' },
    lockTtlMs: 60_000,
    timeouts: { nodeLeaveMs: 30 * 60_000, nodeJoinMs: 15 * 60_000, yellowMs: 10 * 60_000, greenMs: 60 * 60_000, drainMs: 60 * 60_000, safeToProceedMs: 10 * 60_000 },
  });
  const problems: string[] = [];
  const startMs = world.clock.nowMs();
  const initialNodes = world.cluster.nodes().length;
  const initialData = world.cluster.nodes().filter((n) => n.roles.includes('data')).length;
  installInvariants(world, initialData);

  for (const h of schedule.happenings) {
    world.when(
      (w) => w.clock.nowMs() - startMs >= h.afterMs,
      (w) => w.createIndex(h.kind === 'red' ? { name: 'broken', primaries: 1, replicas: 0, requireName: 'nowhere' } : h.index),
    );
  }

  const reports: UpgradeReport[] = [];
  const pending: Promise<void>[] = [];
  const deps = (holder: string): UpgradeDeps => ({
    cluster: world.cluster,
    fleet: guardFleet(world, initialNodes, problems),
    lock: world.newLock(),
    clock: world.clock,
    log: silentLogger(),
    holder,
  });

  for (let run = 0; run < MAX_RUNS; run++) {
    const interruption = schedule.interruptions[run];
    const holder = `controller-${run}`;
    let base = deps(holder);
    if (interruption?.kind === 'second-controller') {
      world.when(
        (w) => w.clock.nowMs() - startMs >= interruption.afterMs,
        () =>
          pending.push(
            runUpgrade(deps(`intruder-${run}`), options).then(
              (r) => void reports.push(r),
              (error: unknown) => void problems.push(`the second controller threw: ${error instanceof Error ? error.message : String(error)}`),
            ),
          ),
      );
    }
    if (interruption?.kind === 'sigterm') {
      const controller = new AbortController();
      const at = world.clock.nowMs() + interruption.afterMs;
      world.when((w) => w.clock.nowMs() >= at, () => controller.abort(new InterruptedError('SIGTERM')));
      base = { ...base, signal: controller.signal };
    }
    if (interruption?.kind === 'kill') {
      const frozen = freezeAfter(interruption.afterCalls, base);
      let finished: UpgradeReport | undefined;
      void runUpgrade(frozen.deps, options).then(
        (r) => (finished = r),
        (error: unknown) => void problems.push(`run ${run} threw: ${error instanceof Error ? error.message : String(error)}`),
      );
      for (let i = 0; i < 5_000_000 && !frozen.killed() && !finished; i++) await new Promise((r) => setImmediate(r));
      if (finished) reports.push(finished);
      if (!frozen.killed() && !finished) problems.push(`run ${run}: neither killed nor finished`);
      if (finished && isFinal(finished)) break;
      continue;
    }
    let report: UpgradeReport;
    try {
      report = await runUpgrade(base, options);
    } catch (error) {
      // Interrupted before its first observation: nothing changed, and the next run starts over.
      if (base.signal?.aborted) continue;
      problems.push(`run ${run} threw: ${error instanceof Error ? error.message : String(error)}`);
      break;
    }
    reports.push(report);
    if (isFinal(report)) break;
  }
  await Promise.all(pending);

  for (const v of world.violations()) problems.push(`${v.at.toISOString()} after ${v.event}: ${v.invariant}: ${v.detail}`);
  problems.push(...checkEndState(world, schedule, reports));
  return { reports, problems, world };
}

function isFinal(report: UpgradeReport): boolean {
  return report.outcome === 'completed' || report.outcome === 'nothing-to-do' || report.outcome === 'halted' || (report.outcome === 'refused' && !report.message.includes('another controller holds'));
}

/** Invariants checked after every world event and mutating API call. */
function installInvariants(world: SimulatedWorld, initialData: number): void {
  world.always('never two data nodes missing', (w) => {
    const data = w.cluster.nodes().filter((n) => n.roles.includes('data')).length;
    return data >= initialData - 1 ? null : `${data} of ${initialData} data nodes present`;
  });
  let quorumLosses = 0;
  world.always('master quorum never lost', (w) => {
    const lost = w.history.filter((h) => h.kind === 'no-quorum').length;
    if (lost === quorumLosses) return null;
    quorumLosses = lost;
    return w.history.filter((h) => h.kind === 'no-quorum').at(-1)?.detail ?? 'no quorum';
  });
  world.always('no instance terminated twice', (w) => {
    const asked = new Map<string, number>();
    for (const c of w.fleet.terminateCalls()) if (c.outcome !== 'failed') asked.set(c.instanceId, (asked.get(c.instanceId) ?? 0) + 1);
    const twice = [...asked].filter(([, n]) => n > 1).map(([id, n]) => `${id} x${n}`);
    return twice.length === 0 ? null : twice.join(', ');
  });
  // What each node held when it was chosen to go (excluded by the controller, or terminated):
  // anything more was allocated to it afterwards.
  const heldWhenChosen = new Map<string, Set<string>>();
  world.always('no shard copy allocated to a node chosen to go', (w) => {
    const snapshot = w.cluster.snapshot();
    const lease = w.lock.peek();
    const chosen = new Set((lease?.allocationOverride?.nodeNames ?? []).filter((n) => snapshot.allocationExcludeNames.includes(n)));
    const terminated = new Set(w.fleet.terminateCalls().filter((c) => c.outcome !== 'failed').map((c) => c.instanceId));
    for (const n of snapshot.nodes) if (terminated.has(n.attributes.instance_id ?? '')) chosen.add(n.name);
    const added: string[] = [];
    for (const name of chosen) {
      const now = snapshot.shards.filter((c) => c.node === name && c.state !== 'UNASSIGNED').map((c) => `${c.index}[${c.shard}]${c.primary ? 'p' : 'r'}`);
      const before = heldWhenChosen.get(name);
      if (!before) heldWhenChosen.set(name, new Set(now));
      else added.push(...now.filter((c) => !before.has(c)).map((c) => `${c} on ${name}`));
    }
    return added.length === 0 ? null : added.join(', ');
  });
}

/** Checks, at the moment of every terminate, that the cluster is not red and no replacement is pending. */
function guardFleet(world: SimulatedWorld, initialNodes: number, problems: string[]): Fleet {
  return {
    observe: (query, signal) => world.fleet.observe(query, signal),
    terminateInGroup: (id, signal) => {
      const health = world.cluster.health();
      const present = world.cluster.nodes().length;
      if (health.status === 'red') problems.push(`${world.clock.now().toISOString()}: terminate ${id} while red`);
      if (present < initialNodes) problems.push(`${world.clock.now().toISOString()}: terminate ${id} with ${present} of ${initialNodes} nodes present`);
      return world.fleet.terminateInGroup(id, signal);
    },
  };
}

/** kill -9 after `n` calls: from then on nothing the controller awaits ever returns. */
function freezeAfter(n: number, deps: UpgradeDeps): { deps: UpgradeDeps; killed: () => boolean } {
  let calls = 0;
  const wrap = <T extends object>(port: T): T =>
    new Proxy(port, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]): unknown => {
          if (calls >= n) return new Promise(() => undefined);
          calls += 1;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  const clock = { now: () => deps.clock.now(), sleep: (ms: number, signal?: AbortSignal) => (calls >= n ? new Promise<void>(() => undefined) : deps.clock.sleep(ms, signal)) };
  return {
    deps: { ...deps, cluster: wrap(deps.cluster), fleet: wrap(deps.fleet), lock: wrap(deps.lock), clock },
    killed: () => calls >= n,
  };
}

function checkEndState(world: SimulatedWorld, schedule: Schedule, reports: UpgradeReport[]): string[] {
  const problems: string[] = [];
  const last = reports.filter((r) => !r.message.includes('another controller holds')).at(-1);
  if (!last) return ['no run ended'];
  const permanentFault = (schedule.world.launchFaults ?? []).length > 0 || schedule.happenings.some((h) => h.kind === 'red');
  // A fault that does not go away ends the upgrade safely: halted, or, for a rerun that changed
  // nothing yet, refused.
  const ok = last.outcome === 'completed' || last.outcome === 'nothing-to-do' || (permanentFault && (last.outcome === 'halted' || last.outcome === 'refused'));
  if (!ok) problems.push(`the last run ended ${last.outcome}: ${last.message}`);

  const accepted = new Set(world.fleet.terminateCalls().filter((c) => c.outcome === 'terminated').map((c) => c.instanceId));
  const reported = new Set(reports.flatMap((r) => [...r.terminatedInstanceIds, ...r.previouslyTerminatedInstanceIds]));
  const unreported = [...accepted].filter((id) => !reported.has(id));
  if (unreported.length > 0) problems.push(`terminated but never reported: ${unreported.join(', ')}`);

  const snapshot = world.cluster.snapshot();
  const enable = snapshot.settings['cluster.routing.allocation.enable'];
  if (enable.persistent !== null || enable.transient !== null) problems.push(`allocation.enable left at ${JSON.stringify(enable)}`);
  const stillLeaving = new Set(snapshot.nodes.filter((n) => accepted.has(n.attributes.instance_id ?? '')).map((n) => n.name));
  const strayExclusions = snapshot.allocationExcludeNames.filter((n) => !stillLeaving.has(n));
  if (strayExclusions.length > 0) problems.push(`exclusions left: ${strayExclusions.join(', ')}`);
  const strayVoting = snapshot.votingConfigExclusions.filter((e) => !stillLeaving.has(e.nodeName));
  if (strayVoting.length > 0) problems.push(`voting exclusions left: ${strayVoting.map((e) => e.nodeName).join(', ')}`);
  if (last.outcome === 'completed') {
    const versions = [...new Set(world.cluster.nodes().map((n) => n.version))];
    if (versions.length !== 1 || versions[0] !== TARGET) problems.push(`completed with versions ${versions.join(', ')}`);
    if (world.lock.peek() !== undefined) problems.push('completed but the lease record is still there');
  }
  return problems;
}
