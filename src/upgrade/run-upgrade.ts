// Entry points of the upgrade logic: plan (read-only) and run (observe, decide one step, act, repeat).

import type { Clock } from '../shared/clock.ts';
import { ExitCode, InterruptedError, LockLostError, ServiceError } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';
import { redactSecrets } from '../shared/redact.ts';
import { act, sleepFor, type Ending, type RunContext } from './act.ts';
import { decide, trackHeldBack, type Decision } from './decide.ts';
import { instrument } from './instrument.ts';
import { freshLease } from './lease-lock.ts';
import { buildPlan } from './plan.ts';
import type { EventSink, Plan, RunOutcome, UpgradeOptions, UpgradeReport } from './plan-model.ts';
import type { Cluster, Fleet, LeaseRecord, Lock } from './ports.ts';
import { observeWorld } from './observe-world.ts';
import { isLeaving, isOwnReplacement } from './replacements.ts';
import { LeaseKeeper } from './lease-keeper.ts';
import { allocationRestriction } from './rules/allocation-enabled.ts';
import { RunRecorder } from './run-recorder.ts';
import { isEmptyRecord, STOP_GRACE_MS, wrapUp } from './wrap-up.ts';
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
function reconcileTerminationRequest(lease: LeaseRecord, world: World): LeaseRecord {
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
  const ctx: RunContext = { cluster, fleet, clock, log, rec, keeper, options, signal: runSignal, previouslyTerminated, state: { world, touched: false } };
  const { state } = ctx;

  let ending: Ending | undefined;
  let lockLost = false;
  let heldBackSince = new Map<string, number>();
  let failingSinceMs: number | undefined;
  rec.resolveInstancesWith((name) => state.world.nodes.find((n) => n.node.name === name)?.instance?.id);

  try {
    for (let tick = 0; !ending; tick++) {
      runSignal.throwIfAborted();
      try {
        if (tick > 0) state.world = await observeWorld(cluster, fleet, options, runSignal);
        const world = state.world;
        rec.observedHealth(world.cluster.health);
        // A terminate whose outcome went unrecorded (the call or the write after it failed) is read off the world.
        if (keeper.record.terminationRequested) await keeper.recordFact(reconcileTerminationRequest(keeper.record, world));
        heldBackSince = trackHeldBack(heldBackSince, world, clock.now().getTime());
        const d = decide({
          world,
          options,
          lease: keeper.record,
          atStart: !state.touched,
          ignoredInstanceIds: ignored,
          now: clock.now(),
          openWait: rec.currentWait(),
          heldBackSince,
        });
        if (d.kind !== 'wait') rec.waitDone((d.kind === 'halt' || d.kind === 'refuse') && d.timedOut ? 'timed-out' : 'met');
        logDecision(log, d);
        ending = await act(ctx, d);
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
    rec.finishNode(state.world.cluster.nodes.map((n) => n.name), ending.outcome === 'interrupted' ? 'interrupted' : 'halted');
  }
  await keeper.stop();
  // Taken over: the new holder has this upgrade's record and puts things back; we touch nothing.
  if (!lockLost) state.world = await wrapUp(ctx, lock, ending);
  return finish(rec, plan, options, state.world, ending, previouslyTerminated);
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

