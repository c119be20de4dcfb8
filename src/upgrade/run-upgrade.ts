// Entry points of the upgrade logic: plan (read-only) and run (observe, decide one step, act, repeat).

import type { Clock } from '../shared/clock.ts';
import { InterruptedError, LockLostError, ExitCode } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';
import { redactSecrets } from '../shared/redact.ts';
import { decide, HELD_BACK_GRACE_MS, type Decision } from './decide.ts';
import { instrument } from './instrument.ts';
import { buildPlan } from './plan.ts';
import type { EventSink, Plan, RunOutcome, UpgradeOptions, UpgradeReport, WaitKind } from './plan-model.ts';
import type { Cluster, Fleet, LeaseRecord, Lock } from './ports.ts';
import { RunRecorder } from './run-recorder.ts';
import { fleetQueryFor, joinWorld, type World } from './world.ts';

export interface UpgradeDeps {
  cluster: Cluster;
  fleet: Fleet;
  lock: Lock;
  clock: Clock;
  log: Logger;
  /** Identifies this controller in the lease, e.g. "host:pid:uuid". */
  holder: string;
  onEvent?: EventSink;
  /**
   * Aborting stops the run safely: no new termination, allocation restored, report returned with
   * outcome "interrupted". Abort with an InterruptedError as reason to pick the exit code.
   */
  signal?: AbortSignal;
}

/** Longest single long-poll: short enough to renew the lease and notice other changes. */
const LONG_POLL_MS = 30_000;

async function observeWorld(cluster: Cluster, fleet: Fleet, options: UpgradeOptions): Promise<World> {
  const snapshot = await cluster.observe();
  const fleetSnapshot = await fleet.observe(fleetQueryFor(snapshot.nodes, options.match, options.groupNames));
  return joinWorld(snapshot, fleetSnapshot, options);
}

function wrapPorts(deps: UpgradeDeps): { cluster: Cluster; fleet: Fleet } {
  const sink = deps.onEvent ?? (() => undefined);
  return { cluster: instrument(deps.cluster, 'elasticsearch', sink), fleet: instrument(deps.fleet, 'aws', sink) };
}

/** Observe and say what would be done; changes nothing. */
export async function planUpgrade(deps: UpgradeDeps, options: UpgradeOptions): Promise<UpgradeReport> {
  const { cluster, fleet } = wrapPorts(deps);
  const rec = new RunRecorder(deps.clock, deps.onEvent);
  const world = await observeWorld(cluster, fleet, options);
  const plan = buildPlan(world, options);
  rec.setPlan(plan);
  const now = deps.clock.now().toISOString();
  const lease: LeaseRecord = { holder: deps.holder, targetVersion: options.targetVersion, acquiredAt: now, expiresAt: now, terminatedInstanceIds: [] };
  const first = decide({ world, options, lease, atStart: true, ignoredInstanceIds: ignoredAtStart(world, options) });
  if (first.kind === 'refuse' || first.kind === 'halt' || (first.kind === 'wait' && first.refusals.length > 0)) {
    rec.refused(first.refusals);
  }
  const outcome: RunOutcome = plan.toReplace === 0 ? 'nothing-to-do' : 'planned';
  const message =
    plan.toReplace === 0
      ? `every node is at ${options.targetVersion}: nothing to do`
      : `${plan.toReplace} of ${plan.rows.length} nodes would be replaced (${options.order})` +
        (first.kind === 'refuse' ? `; run would refuse: ${first.refusals.map((r) => r.rule).join(', ')}` : '');
  deps.log.info({ outcome, toReplace: plan.toReplace }, message);
  return rec.report({
    mode: 'plan',
    outcome,
    message,
    options,
    plan,
    exitCode: ExitCode.ok,
    finalHealth: healthSummary(world),
    previouslyTerminatedInstanceIds: [],
  });
}

function ignoredAtStart(world: World, options: UpgradeOptions): ReadonlySet<string> {
  return new Set(options.orphans === 'ignore' ? world.orphans.instancesWithoutNode.map((i) => i.instanceId) : []);
}

function healthSummary(world: World): UpgradeReport['finalHealth'] {
  const h = world.cluster.health;
  return { status: h.status, numberOfNodes: h.numberOfNodes, unassignedShards: h.unassignedShards };
}

function timeoutFor(kind: WaitKind, options: UpgradeOptions): number {
  const t = options.timeouts;
  const byKind: Record<WaitKind, number> = {
    'node-leave': t.nodeLeaveMs,
    'node-join': t.nodeJoinMs,
    yellow: t.yellowMs,
    green: t.greenMs,
    drain: t.drainMs,
    'safe-to-proceed': t.safeToProceedMs,
  };
  return byKind[kind];
}

/**
 * Waits with no long-poll (a voting configuration to settle, a master to be elected) are usually
 * over in a second or two: look again soon at first, then back off to the poll interval.
 */
export function sleepFor(waitedMs: number, pollIntervalMs: number): number {
  return Math.min(pollIntervalMs, Math.max(250, Math.round(waitedMs / 4)));
}

function formatMs(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s}s` : `${Math.round(s / 60)}m`;
}

interface Ending {
  outcome: RunOutcome;
  message: string;
  exitCode: number;
}

/**
 * Run the upgrade. Never throws for refusals, halts or interrupts: those come back as a report with
 * the matching outcome and exitCode. Throws only when it cannot even observe the cluster at first.
 */
export async function runUpgrade(deps: UpgradeDeps, options: UpgradeOptions): Promise<UpgradeReport> {
  const { cluster, fleet } = wrapPorts(deps);
  const { clock, lock, signal } = deps;
  const log = deps.log.child({ target: options.targetVersion });
  const rec = new RunRecorder(clock, deps.onEvent);

  let world = await observeWorld(cluster, fleet, options);
  const plan = buildPlan(world, options);
  rec.setPlan(plan);
  const ignored = ignoredAtStart(world, options);
  log.info({ toReplace: plan.toReplace, order: options.order, strategy: options.strategy }, 'plan ready');

  const acquired = await lock.acquire(deps.holder, options.targetVersion, options.lockTtlMs, clock.now());
  if (!acquired.acquired) {
    const h = acquired.heldBy;
    const message = `another controller holds the upgrade lock on this cluster: ${h.holder} (target ${h.targetVersion}, since ${h.acquiredAt}, lease until ${h.expiresAt})`;
    rec.refused([{ rule: 'single_controller', reason: message }]);
    log.warn({ holder: h.holder }, message);
    return finish(rec, plan, options, world, { outcome: 'refused', message, exitCode: ExitCode.refused }, []);
  }
  let lease: LeaseRecord = { ...acquired.record, runStartedAt: acquired.record.runStartedAt ?? acquired.record.acquiredAt };
  const previouslyTerminated = acquired.resumed ? [...lease.terminatedInstanceIds] : [];
  if (acquired.resumed) {
    log.warn(
      { allocationOverride: lease.allocationOverride, drainExclusion: lease.drainExclusion, previouslyTerminated },
      'resuming an interrupted upgrade to the same target version',
    );
  }
  let lastRenewMs = clock.now().getTime();
  lease = await lock.update(lease, options.lockTtlMs, clock.now());
  const saveLease = async (next: LeaseRecord): Promise<void> => {
    lease = await lock.update(next, options.lockTtlMs, clock.now());
    lastRenewMs = clock.now().getTime();
  };

  let touched = false;
  let ending: Ending | undefined;
  let lockLost = false;
  const present = (): string[] => world.cluster.nodes.map((n) => n.name);

  try {
    for (let tick = 0; !ending; tick++) {
      signal?.throwIfAborted();
      if (tick > 0) world = await observeWorld(cluster, fleet, options);
      rec.observedHealth(world.cluster.health);
      if (clock.now().getTime() - lastRenewMs > options.lockTtlMs / 3) await saveLease(lease);

      const d = decide({ world, options, lease, atStart: !touched, ignoredInstanceIds: ignored, recoveryWaitedMs: rec.waitedFor('green') });
      if (d.kind !== 'wait') rec.waitDone('met');
      logDecision(log, d);

      switch (d.kind) {
        case 'done': {
          rec.acceptConflicts(d.conflicts);
          rec.finishNode(present(), 'replaced');
          const n = rec.timelines.length;
          ending =
            n === 0 && previouslyTerminated.length === 0
              ? { outcome: 'nothing-to-do', message: `every node is at ${options.targetVersion}: nothing to do`, exitCode: ExitCode.ok }
              : {
                  outcome: 'completed',
                  message:
                    `upgrade to ${options.targetVersion} complete: ${n} node${n === 1 ? '' : 's'} replaced` +
                    (d.conflicts.length > 0 ? `, ${d.conflicts.length} replicas held back by version conflicts` : ''),
                  exitCode: ExitCode.ok,
                };
          break;
        }
        case 'refuse': {
          rec.refused(d.refusals);
          const message = `refused to start: ${d.refusals.map((r) => `${r.rule}${r.node ? ` (${r.node})` : ''}: ${r.reason}`).join('; ')}`;
          ending = { outcome: 'refused', message, exitCode: ExitCode.refused };
          break;
        }
        case 'halt': {
          rec.refused(d.refusals);
          ending = { outcome: 'halted', message: `halted: ${d.reason}; no further node will be touched`, exitCode: ExitCode.halted };
          break;
        }
        case 'wait': {
          const timeoutMs = timeoutFor(d.wait, options);
          if (d.refusals.length > 0 && d.wait === 'safe-to-proceed') rec.refused(d.refusals);
          const waited = rec.waiting(d.wait, d.node, d.detail, timeoutMs);
          if (d.wait === 'green' || d.wait === 'yellow') {
            const h = world.cluster.health;
            rec.emit({ type: 'recovery', status: h.status, initializing: h.initializingShards, relocating: h.relocatingShards, unassigned: h.unassignedShards });
          }
          if (waited >= timeoutMs) {
            rec.waitDone('timed-out');
            const seen = `cluster ${world.cluster.health.status}, ${world.cluster.nodes.length} nodes`;
            const what = `timed out after ${formatMs(waited)} waiting for ${d.detail} (seen: ${seen})`;
            ending = touched
              ? { outcome: 'halted', message: `halted: ${what}; no further node will be touched`, exitCode: ExitCode.halted }
              : { outcome: 'refused', message: `refused to start: ${what}`, exitCode: ExitCode.refused };
            if (d.refusals.length > 0) rec.refused(d.refusals);
            break;
          }
          const chunk = Math.min(timeoutMs - waited, LONG_POLL_MS);
          if (d.health) await cluster.waitForHealth({ ...d.health, timeoutMs: Math.max(chunk, 1) }, signal);
          else await clock.sleep(Math.min(chunk, sleepFor(waited, options.pollIntervalMs)), signal);
          break;
        }
        case 'set-allocation-primaries': {
          signal?.throwIfAborted();
          rec.touchNode(d.node, present());
          // Record what we are about to change before changing it, so a crash leaves a trail to restore.
          await saveLease({ ...lease, allocationOverride: { previous: world.cluster.allocationEnable, setAt: clock.now().toISOString(), nodeName: d.node.node.name } });
          touched = true;
          await cluster.setAllocationEnable('primaries');
          rec.emit({ type: 'action', action: 'allocation-primaries', node: d.node.node.name, detail: `cluster.routing.allocation.enable: ${world.cluster.allocationEnable ?? 'all (default)'} -> primaries` });
          break;
        }
        case 'restore-allocation': {
          await cluster.setAllocationEnable(d.value);
          const { allocationOverride: _done, ...rest } = lease;
          await saveLease(rest);
          rec.emit({ type: 'action', action: 'allocation-restored', detail: `cluster.routing.allocation.enable -> ${d.value ?? 'all (default)'}` });
          break;
        }
        case 'exclude-node': {
          signal?.throwIfAborted();
          rec.touchNode(d.node, present());
          const previous = world.cluster.allocationExcludeNames;
          await saveLease({ ...lease, drainExclusion: { nodeName: d.node.node.name, previous, setAt: clock.now().toISOString() } });
          touched = true;
          await cluster.setAllocationExcludeNames([...previous, d.node.node.name]);
          rec.emit({ type: 'action', action: 'drain', node: d.node.node.name, detail: 'excluded from allocation; waiting for its shards to move off' });
          break;
        }
        case 'clear-exclusion': {
          await cluster.setAllocationExcludeNames(d.value);
          const { drainExclusion: _done, ...rest } = lease;
          await saveLease(rest);
          rec.emit({ type: 'action', action: 'drain-cleared', detail: 'allocation exclusion removed' });
          break;
        }
        case 'place-held-back': {
          signal?.throwIfAborted();
          touched = true;
          for (const r of d.replicas) {
            const what = `[${r.index}][${r.shard}] replica`;
            try {
              await cluster.allocateReplica(r, r.node);
              rec.replicaPlaced(r, `${what} placed on ${r.node}: the balancer had held it back for ${HELD_BACK_GRACE_MS / 1000}s`);
            } catch (error) {
              // Assigned meanwhile, or the node went away: the next tick sees which.
              const reason = redactSecrets(error instanceof Error ? error.message : String(error));
              log.warn({ err: reason, index: r.index, shard: r.shard, node: r.node }, `could not place the held-back ${what}`);
            }
          }
          break;
        }
        case 'terminate': {
          signal?.throwIfAborted();
          const id = d.node.instance?.id;
          if (!id) throw new Error(`no instance for ${d.node.node.name}`);
          rec.acceptConflicts(d.conflicts);
          rec.touchNode(d.node, present());
          await saveLease({ ...lease, terminatedInstanceIds: [...lease.terminatedInstanceIds, id] });
          touched = true;
          await fleet.terminateInGroup(id);
          rec.terminated(d.node);
          rec.emit({ type: 'action', action: 'terminate', node: d.node.node.name, instanceId: id, detail: `terminated ${id} in ${d.node.group?.name ?? '?'}; the group launches its replacement` });
          break;
        }
      }
    }
  } catch (err) {
    rec.waitDone(signal?.aborted ? 'interrupted' : 'timed-out');
    if (signal?.aborted) {
      const reason: unknown = signal.reason;
      const interrupted = reason instanceof InterruptedError ? reason : new InterruptedError('SIGTERM');
      ending = { outcome: 'interrupted', message: `${interrupted.message}: no further node will be touched`, exitCode: interrupted.exitCode };
    } else if (err instanceof LockLostError) {
      lockLost = true;
      ending = { outcome: 'halted', message: `halted: ${err.message}`, exitCode: ExitCode.halted };
    } else {
      const text = redactSecrets(err instanceof Error ? err.message : String(err));
      log.error({ err: text }, 'run failed');
      ending = { outcome: 'failed', message: `failed: ${text}; no further node will be touched`, exitCode: ExitCode.internal };
    }
  }

  if (ending.outcome !== 'completed' && ending.outcome !== 'nothing-to-do') {
    rec.finishNode(present(), ending.outcome === 'interrupted' ? 'interrupted' : 'halted');
  }
  if (!lockLost) await restoreAndRelease(deps, cluster, lease, log, rec);
  try {
    world = { ...world, cluster: { ...world.cluster, health: await cluster.waitForHealth({ timeoutMs: 1 }) } };
  } catch {
    // The last observed health stands in the report.
  }
  return finish(rec, plan, options, world, ending, previouslyTerminated);
}

/** On every way out: put back allocation settings this controller changed, then free the lease. */
async function restoreAndRelease(deps: UpgradeDeps, cluster: Cluster, lease: LeaseRecord, log: Logger, rec: RunRecorder): Promise<void> {
  try {
    if (lease.allocationOverride) {
      await cluster.setAllocationEnable(lease.allocationOverride.previous);
      rec.emit({ type: 'action', action: 'allocation-restored', detail: `cluster.routing.allocation.enable -> ${lease.allocationOverride.previous ?? 'all (default)'}` });
    }
    if (lease.drainExclusion) {
      await cluster.setAllocationExcludeNames(lease.drainExclusion.previous);
      rec.emit({ type: 'action', action: 'drain-cleared', detail: 'allocation exclusion removed' });
    }
    await deps.lock.release(lease);
  } catch (err) {
    // The lease then expires by itself; a rerun restores what is recorded in it.
    log.error({ err: redactSecrets(err instanceof Error ? err.message : String(err)) }, 'could not restore settings or release the lock; a rerun will');
  }
}

function finish(rec: RunRecorder, plan: Plan, options: UpgradeOptions, world: World, ending: Ending, previouslyTerminated: string[]): UpgradeReport {
  return rec.report({
    mode: 'run',
    outcome: ending.outcome,
    message: ending.message,
    options,
    plan,
    exitCode: ending.exitCode,
    finalHealth: healthSummary(world),
    previouslyTerminatedInstanceIds: previouslyTerminated,
  });
}

function logDecision(log: Logger, d: Decision): void {
  switch (d.kind) {
    case 'wait':
      log.debug({ wait: d.wait, node: d.node }, `waiting for ${d.detail}`);
      return;
    case 'terminate':
    case 'set-allocation-primaries':
    case 'exclude-node':
      log.info({ node: d.node.node.name, instance: d.node.instance?.id, decision: d.kind }, d.kind);
      return;
    case 'place-held-back':
      log.info({ replicas: d.replicas, decision: d.kind }, 'placing replicas the balancer holds back');
      return;
    case 'refuse':
    case 'halt':
      log.warn({ refusals: d.refusals, decision: d.kind }, d.kind);
      return;
    default:
      log.info({ decision: d.kind }, d.kind);
  }
}
