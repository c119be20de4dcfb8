// Entry points of the upgrade logic: plan (read-only) and run (observe, decide one step, act, repeat).

import type { Clock } from '../shared/clock.ts';
import { ExitCode, InterruptedError, LockLostError, ServiceError } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';
import { redactSecrets } from '../shared/redact.ts';
import {
  decide,
  HELD_BACK_GRACE_MS,
  restoreOnStop,
  trackHeldBack,
  waitTimeout,
  type Decision,
} from './decide.ts';
import { instrument } from './instrument.ts';
import { freshLease } from './lease-lock.ts';
import { buildPlan } from './plan.ts';
import type { EventSink, Plan, RunOutcome, UpgradeOptions, UpgradeReport } from './plan-model.ts';
import type { Cluster, Fleet, LeaseRecord, Lock } from './ports.ts';
import { isLeaving, isOwnReplacement, leavingNodes } from './replacements.ts';
import { LeaseKeeper } from './lease-keeper.ts';
import { allocationRestriction } from './rules/allocation-enabled.ts';
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
   * Aborting stops the run safely: every call in flight is abandoned, no new termination,
   * allocation restored, report returned with outcome "interrupted". Abort with an
   * InterruptedError as reason to pick the exit code.
   */
  signal?: AbortSignal;
}

/** Longest single long-poll: short enough to renew the lease and notice other changes. */
const LONG_POLL_MS = 30_000;
/** Putting settings back and letting go of the lease after an interrupt: inside a 10 s stop grace. */
const STOP_GRACE_MS = 8_000;
/** The same after a halt or a failure, when nobody is waiting to kill the process. */
const WRAP_UP_MS = 60_000;

async function observeWorld(cluster: Cluster, fleet: Fleet, options: UpgradeOptions, signal?: AbortSignal): Promise<World> {
  const snapshot = await cluster.observe(signal);
  const fleetSnapshot = await fleet.observe(fleetQueryFor(snapshot.nodes, options.match, options.groupNames), signal);
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
  const world = await observeWorld(cluster, fleet, options, deps.signal);
  const plan = buildPlan(world, options);
  rec.setPlan(plan);
  const lease = freshLease(deps.holder, options.targetVersion, options.lockTtlMs, deps.clock.now());
  const first = decide({ world, options, lease, atStart: true, ignoredInstanceIds: ignoredAtStart(world, options, lease), now: deps.clock.now() });
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

/** Orphans present at the start that --orphans ignore lets be: never this upgrade's own replacements. */
function ignoredAtStart(world: World, options: UpgradeOptions, lease: LeaseRecord): ReadonlySet<string> {
  if (options.orphans !== 'ignore') return new Set();
  const byId = new Map(world.fleet.instances.map((i) => [i.id, i]));
  return new Set(
    world.orphans.instancesWithoutNode
      .filter((o) => {
        const instance = byId.get(o.instanceId);
        return instance !== undefined && !isOwnReplacement(instance, lease);
      })
      .map((o) => o.instanceId),
  );
}

function healthSummary(world: World): UpgradeReport['finalHealth'] {
  const h = world.cluster.health;
  return { status: h.status, numberOfNodes: h.numberOfNodes, unassignedShards: h.unassignedShards };
}

/**
 * A terminate that was about to be sent when the last holder stopped: it landed if the instance is
 * leaving (or gone), and then counts as this upgrade's; otherwise it was never accepted.
 */
export function reconcileTerminationRequest(lease: LeaseRecord, world: World): LeaseRecord {
  const requested = lease.terminationRequested;
  if (!requested) return lease;
  const { terminationRequested: _done, ...rest } = lease;
  const instance = world.fleet.instances.find((i) => i.id === requested.instanceId);
  const landed = instance === undefined || isLeaving(instance, lease);
  if (!landed || rest.terminatedInstanceIds.includes(requested.instanceId)) return rest;
  return {
    ...rest,
    terminatedInstanceIds: [...rest.terminatedInstanceIds, requested.instanceId],
    terminatedNodeIds: [...(rest.terminatedNodeIds ?? []), ...(requested.nodeId ? [requested.nodeId] : [])],
  };
}

/**
 * Waits with no long-poll (a voting configuration to settle, a master to be elected) are usually
 * over in a second or two: look again soon at first, then back off to the poll interval.
 */
export function sleepFor(waitedMs: number, pollIntervalMs: number): number {
  return Math.min(pollIntervalMs, Math.max(250, Math.round(waitedMs / 4)));
}

/** Nothing worth keeping for a rerun: no termination, no setting changed. */
function isEmptyRecord(lease: LeaseRecord): boolean {
  return (
    lease.terminatedInstanceIds.length === 0 &&
    lease.allocationOverride === undefined &&
    lease.votingExclusion === undefined &&
    lease.terminationRequested === undefined
  );
}

interface Ending {
  outcome: RunOutcome;
  message: string;
  exitCode: number;
}

/**
 * Run the upgrade. Never throws for refusals, halts or interrupts once under way: those come back as
 * a report with the matching outcome and exitCode. Throws only when it cannot even reach the cluster
 * at first, or is interrupted before its first observation (nothing changed either way).
 */
export async function runUpgrade(deps: UpgradeDeps, options: UpgradeOptions): Promise<UpgradeReport> {
  const { cluster, fleet } = wrapPorts(deps);
  const { clock, lock, signal } = deps;
  const log = deps.log.child({ target: options.targetVersion });
  const rec = new RunRecorder(clock, deps.onEvent);
  const ttl = options.lockTtlMs;

  // The lease first: every decision is made on a world observed after this controller's own last
  // write, the lease index's copies included.
  const patiently = <T,>(what: string, fn: () => Promise<T>): Promise<T> => outlastTransient(what, fn, deps, options);
  // Except with allocation restricted by the operator: with `none`, even the lock index could not be
  // allocated. That refusal is made on a look, before anything is written.
  const restricted = options.disabledRules.includes('allocation_enabled')
    ? undefined
    : await patiently('the first look', () => restrictedAllocation(cluster, fleet, lock, options, signal));
  if (restricted) {
    const plan = buildPlan(restricted.world, options);
    rec.setPlan(plan);
    rec.refused([{ rule: 'allocation_enabled', reason: restricted.reason }]);
    const message = `refused to start: allocation_enabled: ${restricted.reason}`;
    log.warn({ rule: 'allocation_enabled' }, message);
    return finish(rec, plan, options, restricted.world, { outcome: 'refused', message, exitCode: ExitCode.refused }, []);
  }
  const acquired = await patiently('taking the lease', () => lock.acquire(deps.holder, options.targetVersion, ttl, signal));
  let world: World;
  try {
    world = await patiently('the first observation', () => observeWorld(cluster, fleet, options, signal));
  } catch (error) {
    // Nothing was changed: let go of the lease (its record, if any, stays for the next run) and say why.
    if (acquired.acquired) {
      const reason = `stopped before the first observation: ${redactSecrets(error instanceof Error ? error.message : String(error))}`;
      await lock.release(acquired.record, { complete: isEmptyRecord(acquired.record), reason }, AbortSignal.timeout(STOP_GRACE_MS)).catch(() => undefined);
    }
    throw error;
  }
  const plan = buildPlan(world, options);
  rec.setPlan(plan);
  if (!acquired.acquired) {
    const h = acquired.heldBy;
    const message =
      `another controller holds the upgrade lock on this cluster: ${h.holder ?? 'unknown'} ` +
      `(target ${h.targetVersion}, since ${h.acquiredAt}, last renewed ${h.renewedAt} by its clock; ${acquired.reason})`;
    rec.refused([{ rule: 'single_controller', reason: message }]);
    log.warn({ holder: h.holder }, message);
    return finish(rec, plan, options, world, { outcome: 'refused', message, exitCode: ExitCode.refused }, []);
  }
  log.info({ toReplace: plan.toReplace, order: options.order, strategy: options.strategy }, 'plan ready');

  const resumed = reconcileTerminationRequest(acquired.record, world);
  const previouslyTerminated = acquired.resumed ? [...resumed.terminatedInstanceIds] : [];
  if (!isEmptyRecord(resumed)) {
    log.warn(
      { allocationOverride: resumed.allocationOverride, votingExclusion: resumed.votingExclusion, previouslyTerminated },
      'resuming an interrupted upgrade: its record is in the lease',
    );
  }
  const ignored = ignoredAtStart(world, options, resumed);
  // The lease is renewed in the background from here on; losing it stops the run at once.
  const keeper = new LeaseKeeper(lock, clock, ttl, resumed, log);
  await patiently('writing the lease', () => keeper.save(resumed, signal));
  keeper.start();
  const runSignal = signal ? AbortSignal.any([signal, keeper.lost]) : keeper.lost;
  /** Record before acting: the action follows only once the record is stored. */
  const saveLease = (next: LeaseRecord): Promise<void> => keeper.save(next, runSignal);
  /** Record what just happened (see LeaseKeeper.recordFact). */
  const recordFact = (next: LeaseRecord): Promise<void> => keeper.recordFact(next);

  // Nothing changed by this run yet: a set-up problem refuses it, whatever earlier runs of the upgrade did.
  let touched = false;
  let ending: Ending | undefined;
  let lockLost = false;
  let heldBackSince = new Map<string, number>();
  let failingSinceMs: number | undefined;
  const present = (): string[] => world.cluster.nodes.map((n) => n.name);
  rec.resolveInstancesWith((name) => world.nodes.find((n) => n.node.name === name)?.instance?.id);
  /** The nodes going together with this one: its readied batch, or itself. */
  const together = (name: string): ReadonlySet<string> => {
    const batch = keeper.record.allocationOverride?.nodeNames ?? [];
    return new Set(batch.includes(name) ? batch : [name]);
  };

  try {
    for (let tick = 0; !ending; tick++) {
      runSignal.throwIfAborted();
      try {
        if (tick > 0) world = await observeWorld(cluster, fleet, options, runSignal);
        rec.observedHealth(world.cluster.health);
        // A terminate whose outcome went unrecorded (the call or the write after it failed) is read off the world.
        if (keeper.record.terminationRequested) await recordFact(reconcileTerminationRequest(keeper.record, world));
        heldBackSince = trackHeldBack(heldBackSince, world, clock.now().getTime());
        const d = decide({
          world,
          options,
          lease: keeper.record,
          atStart: !touched,
          ignoredInstanceIds: ignored,
          now: clock.now(),
          openWait: rec.currentWait(),
          heldBackSince,
        });
        if (d.kind !== 'wait') rec.waitDone((d.kind === 'halt' || d.kind === 'refuse') && d.timedOut ? 'timed-out' : 'met');
        logDecision(log, d);
        ending = await act(d);
        failingSinceMs = undefined;
      } catch (err) {
        // A transient AWS or Elasticsearch condition the adapters' retries did not outlast: waited
        // out on later ticks, within the safe-to-proceed timeout, never by sending twice.
        if (!(err instanceof ServiceError) || !err.transient || runSignal.aborted) throw err;
        const nowMs = clock.now().getTime();
        failingSinceMs ??= nowMs;
        if (nowMs - failingSinceMs >= options.timeouts.safeToProceedMs) throw err;
        log.warn({ err: redactSecrets(err.message), since: new Date(failingSinceMs).toISOString() }, 'transient failure: trying again shortly');
        await clock.sleep(sleepFor(nowMs - failingSinceMs + 1000, options.pollIntervalMs), runSignal);
      }
    }
  } catch (err) {
    rec.waitDone(signal?.aborted ? 'interrupted' : 'timed-out');
    const lost: unknown = keeper.lost.aborted ? keeper.lost.reason : err;
    if (signal?.aborted) {
      const reason: unknown = signal.reason;
      const interrupted = reason instanceof InterruptedError ? reason : new InterruptedError('SIGTERM');
      ending = { outcome: 'interrupted', message: `${interrupted.message}: no further node will be touched`, exitCode: interrupted.exitCode };
    } else if (lost instanceof LockLostError) {
      lockLost = true;
      ending = { outcome: 'halted', message: `halted: ${lost.message}`, exitCode: ExitCode.halted };
    } else {
      const text = redactSecrets(err instanceof Error ? err.message : String(err));
      log.error({ err: text }, 'run failed');
      ending = { outcome: 'failed', message: `failed: ${text}; no further node will be touched`, exitCode: ExitCode.internal };
    }
  }

  if (ending.outcome !== 'completed' && ending.outcome !== 'nothing-to-do') {
    rec.finishNode(present(), ending.outcome === 'interrupted' ? 'interrupted' : 'halted');
  }
  await keeper.stop();
  // Taken over: the new holder has this upgrade's record and puts things back; we touch nothing.
  if (!lockLost) world = await wrapUp(ending);
  return finish(rec, plan, options, world, ending, previouslyTerminated);

  async function act(d: Decision): Promise<Ending | undefined> {
    switch (d.kind) {
      case 'done': {
        rec.acceptConflicts(d.conflicts);
        rec.finishNode(present(), 'replaced');
        const n = rec.timelines.length;
        if (n === 0 && previouslyTerminated.length === 0) {
          return { outcome: 'nothing-to-do', message: `every node is at ${options.targetVersion}: nothing to do`, exitCode: ExitCode.ok };
        }
        return {
          outcome: 'completed',
          message:
            `upgrade to ${options.targetVersion} complete: ${n} node${n === 1 ? '' : 's'} replaced` +
            (previouslyTerminated.length > 0 ? ` (${previouslyTerminated.length} by earlier runs)` : '') +
            (d.conflicts.length > 0 ? `, ${d.conflicts.length} replicas held back by version conflicts` : ''),
          exitCode: ExitCode.ok,
        };
      }
      case 'refuse': {
        rec.refused(d.refusals);
        const parts = d.refusals.map((r) => `${r.rule}${r.node ? ` (${r.node})` : ''}: ${r.reason}`);
        return { outcome: 'refused', message: `refused to start: ${[d.reason, ...parts].filter(Boolean).join('; ')}`, exitCode: ExitCode.refused };
      }
      case 'halt': {
        rec.refused(d.refusals);
        return { outcome: 'halted', message: `halted: ${d.reason}; no further node will be touched`, exitCode: ExitCode.halted };
      }
      case 'wait': {
        if (d.refusals.length > 0 && d.wait === 'safe-to-proceed') rec.refused(d.refusals);
        const timeoutMs = waitTimeout(d.wait, options);
        const waited = rec.waiting(d.wait, d.node, d.detail, timeoutMs);
        const left = timeoutMs - waited;
        if (d.wait === 'green' || d.wait === 'yellow') {
          const h = world.cluster.health;
          rec.emit({ type: 'recovery', status: h.status, initializing: h.initializingShards, relocating: h.relocatingShards, unassigned: h.unassignedShards });
        }
        const chunk = Math.max(1, Math.min(left, LONG_POLL_MS));
        const pause = Math.min(chunk, sleepFor(waited, options.pollIntervalMs));
        if (!d.health) await clock.sleep(pause, runSignal);
        else {
          const startedMs = clock.now().getTime();
          const h = await cluster.waitForHealth({ ...d.health, timeoutMs: chunk }, runSignal);
          // The condition held at once, yet the wait goes on (the rules ask for more than health
          // says): look again soon, not in a tight loop.
          if (!h.timedOut && waited > 0 && clock.now().getTime() - startedMs < 250) await clock.sleep(pause, runSignal);
        }
        return undefined;
      }
      case 'prepare-node': {
        runSignal.throwIfAborted();
        rec.touchNode(d.node, present(), new Set(d.override.nodeNames));
        // Recorded before the change, so a crash leaves a trail to restore.
        await saveLease({ ...keeper.record, allocationOverride: d.override });
        touched = true;
        await cluster.putSettings(d.settings, runSignal);
        rec.emit({ type: 'action', action: 'prepare', node: d.node.node.name, detail: describeSettings(d.settings) });
        return undefined;
      }
      case 'restore-allocation': {
        await cluster.putSettings(d.settings, runSignal);
        await recordFact(withOverride(keeper.record, d.keep));
        rec.emit({ type: 'action', action: d.keep?.nodeNames.length ? 'allocation-widened' : 'allocation-restored', detail: d.why ?? describeSettings(d.settings) });
        return undefined;
      }
      case 'exclude-from-voting': {
        runSignal.throwIfAborted();
        if (d.node) rec.touchNode(d.node, present());
        const before = keeper.record.votingExclusion;
        await saveLease({
          ...keeper.record,
          votingExclusion: {
            nodeIds: [...new Set([...(before?.nodeIds ?? []), ...d.nodeIds])],
            nodeNames: [...new Set([...(before?.nodeNames ?? []), ...d.nodeNames])],
            setAt: before?.setAt ?? clock.now().toISOString(),
          },
        });
        touched = true;
        await cluster.excludeFromVoting(d.nodeIds, runSignal);
        rec.emit({ type: 'action', action: 'voting-exclusion', ...(d.node ? { node: d.node.node.name } : {}), detail: `excluded ${[...d.nodeNames, ...d.nodeIds].join(', ')} from the voting configuration: ${d.why}` });
        return undefined;
      }
      case 'clear-voting-exclusion': {
        await cluster.clearVotingExclusions(runSignal);
        const { votingExclusion: _done, ...rest } = keeper.record;
        await recordFact(rest);
        rec.emit({ type: 'action', action: 'voting-exclusion-cleared', detail: 'voting configuration exclusions cleared' });
        return undefined;
      }
      case 'place-held-back': {
        runSignal.throwIfAborted();
        touched = true;
        for (const r of d.replicas) {
          const what = `[${r.index}][${r.shard}] replica`;
          try {
            await cluster.allocateReplica(r, r.node, runSignal);
            rec.replicaPlaced(r, `${what} placed on ${r.node}: the balancer had held it back for ${HELD_BACK_GRACE_MS / 1000}s`);
          } catch (error) {
            if (runSignal.aborted) throw error;
            // Assigned meanwhile, or the node went away: the next tick sees which.
            const reason = redactSecrets(error instanceof Error ? error.message : String(error));
            log.warn({ err: reason, index: r.index, shard: r.shard, node: r.node }, `could not place the held-back ${what}`);
          }
        }
        return undefined;
      }
      case 'terminate': {
        runSignal.throwIfAborted();
        const id = d.node.instance?.id;
        if (!id) throw new Error(`no instance for ${d.node.node.name}`);
        rec.acceptConflicts(d.conflicts);
        rec.touchNode(d.node, present(), together(d.node.node.name));
        const nodeId = d.node.node.id;
        await saveLease({ ...keeper.record, terminationRequested: { instanceId: id, nodeId, at: clock.now().toISOString() } });
        touched = true;
        try {
          await fleet.terminateInGroup(id, runSignal);
          rec.terminated(d.node);
        } catch (error) {
          // It did not land (the adapter looked): forget the request, so it may be sent again later.
          if (error instanceof ServiceError && error.transient && !runSignal.aborted) {
            const { terminationRequested: _no, ...rest } = keeper.record;
            await recordFact(rest);
          }
          throw error;
        }
        const { terminationRequested: _sent, ...rest } = keeper.record;
        await recordFact({ ...rest, terminatedInstanceIds: [...rest.terminatedInstanceIds, id], terminatedNodeIds: [...(rest.terminatedNodeIds ?? []), nodeId] });
        rec.emit({ type: 'action', action: 'terminate', node: d.node.node.name, instanceId: id, detail: `terminated ${id} in ${d.node.group?.name ?? '?'}; the group launches its replacement` });
        return undefined;
      }
    }
  }

  /**
   * On every way out: put back the settings this upgrade changed (a node it terminated stays
   * excluded until it has left), then let go of the lease. The upgrade's record stays in the lease
   * until it completes, so a rerun resumes and reports it. Bounded: after an interrupt it must fit
   * a container's stop grace.
   */
  async function wrapUp(end: Ending): Promise<World> {
    const stop = AbortSignal.timeout(end.outcome === 'interrupted' ? STOP_GRACE_MS : WRAP_UP_MS);
    let last = world;
    try {
      last = await observeWorld(cluster, fleet, options, stop);
    } catch {
      // The last observed world stands.
    }
    let lease = keeper.record;
    try {
      const restore = restoreOnStop(last, lease);
      if (restore?.kind === 'restore-allocation') {
        await cluster.putSettings(restore.settings, stop);
        lease = withOverride(lease, restore.keep);
        rec.emit({ type: 'action', action: 'allocation-restored', detail: describeSettings(restore.settings) });
        if (restore.keep) log.warn({ nodes: restore.keep.nodeNames }, 'terminated nodes still in the cluster stay excluded from allocation until they leave; a rerun clears it');
      }
      const voting = lease.votingExclusion;
      if (voting && !leavingNodes(last, lease).some((n) => voting.nodeIds.includes(n.node.id))) {
        await cluster.clearVotingExclusions(stop);
        const { votingExclusion: _done, ...rest } = lease;
        lease = rest;
        rec.emit({ type: 'action', action: 'voting-exclusion-cleared', detail: 'voting configuration exclusions cleared' });
      }
      const complete = end.outcome === 'completed' || end.outcome === 'nothing-to-do' || isEmptyRecord(lease);
      await lock.release(lease, { complete, reason: end.message }, stop);
    } catch (err) {
      // The record stays in the lease: a rerun restores what it names.
      log.error({ err: redactSecrets(err instanceof Error ? err.message : String(err)) }, 'could not restore settings or release the lock; a rerun will');
    }
    return last;
  }
}

/** Allocation restricted in the cluster, and not by this upgrade (its lease records no override): why, and the world seen. */
async function restrictedAllocation(
  cluster: Cluster,
  fleet: Fleet,
  lock: Lock,
  options: UpgradeOptions,
  signal: AbortSignal | undefined,
): Promise<{ reason: string; world: World } | undefined> {
  const snapshot = await cluster.observe(signal);
  const reason = allocationRestriction(snapshot);
  if (reason === null) return undefined;
  const lease = await lock.inspect(signal);
  if (lease?.record.allocationOverride) return undefined;
  const fleetSnapshot = await fleet.observe(fleetQueryFor(snapshot.nodes, options.match, options.groupNames), signal);
  return { reason, world: joinWorld(snapshot, fleetSnapshot, options) };
}

/**
 * Before the loop starts, a transient failure (throttled, a node restarting) is waited out too, up
 * to the safe-to-proceed timeout; anything else is thrown.
 */
async function outlastTransient<T>(what: string, fn: () => Promise<T>, deps: UpgradeDeps, options: UpgradeOptions): Promise<T> {
  const startMs = deps.clock.now().getTime();
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const waited = deps.clock.now().getTime() - startMs;
      if (!(err instanceof ServiceError) || !err.transient || deps.signal?.aborted || waited >= options.timeouts.safeToProceedMs) throw err;
      deps.log.warn({ err: redactSecrets(err.message), attempt }, `transient failure ${what}: trying again shortly`);
      await deps.clock.sleep(sleepFor(waited + 1000, options.pollIntervalMs), deps.signal);
    }
  }
}

function withOverride(lease: LeaseRecord, keep: LeaseRecord['allocationOverride']): LeaseRecord {
  const { allocationOverride: _done, ...rest } = lease;
  return keep ? { ...rest, allocationOverride: keep } : rest;
}

function describeSettings(settings: object): string {
  return Object.entries(settings as Record<string, { persistent: string | null; transient: string | null }>)
    .map(([key, v]) => `${key} -> ${v.persistent ?? '(unset)'}${v.transient !== null ? ` (transient ${v.transient})` : ''}`)
    .join(', ');
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
    case 'prepare-node':
      log.info({ node: d.node.node.name, instance: d.node.instance?.id, decision: d.kind }, d.kind);
      return;
    case 'exclude-from-voting':
      log.info({ nodeIds: d.nodeIds, decision: d.kind }, `voting exclusion: ${d.why}`);
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

