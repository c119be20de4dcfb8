// An in-memory cluster and fleet that behave like the real ones over simulated time: the embedded
// default of `npm start` (the demo) and the world of the state-machine scenario tests.
//
// Faults, for scenarios:
//   options.launchFaults / world.injectLaunchFault   a replacement never joins, boots slowly, runs the
//                                                    wrong Elasticsearch, or carries a wrong tag
//   world.fleet.setLaunchVersion, options.templateDefaultStale
//                                                    the template launches another version
//   options.suspendedProcesses, fleet.suspendProcesses / resumeProcesses
//   world.injectTerminateFailure                     a terminate call fails, with or without effect
//   options.indices, world.createIndex               red (requireName "nowhere"), zero replicas,
//                                                    filters, more replicas than nodes, an index
//                                                    created mid-run on the upgraded node (primaryOn),
//                                                    replicas the balancer holds back (heldBackWhileMixed)
//   world.when(condition, action)                    do something the moment the world gets there
//   world.onEvent(observer)                          sample the world after every event
//   world.always(name, check)                        an invariant checked after every event (violations())
//   options.timings.terminationHookMs, launchHookMs  lifecycle hooks: Terminating:Wait (EC2 still running,
//                                                    the node still in the cluster), Pending:Wait
//   options.replacementLaunch                        the replacement launches at once or after termination
//   options.repeatedTerminate                        a second terminate of a terminating instance: rejected
//                                                    (ValidationError) or accepted; fleet.terminateCalls()
//   options.standby, fleet.enterStandby/exitStandby  an instance in Standby
//   options.warmPools                                replacements from a warm pool, launched before the run
//   options.faults, world.injectFault                throttling, 503s, connection errors on any operation,
//                                                    by count or seeded probability (transient ServiceError)
//   options.latency                                  virtual time per API call
//
// world.busyIntervals() says when the world had work of its own under way (see BUSY_LABELS): the
// waits it imposes on whoever drives it, against which a driver's own delays can be measured.

import type { Cluster, Fleet, Lock } from '../upgrade/ports.ts';
import { ApiGate, type ApiFault } from './api-gate.ts';
import { IdSource } from './id-source.ts';
import { DEFAULT_RECOVERY_LIMITS } from './shard-allocator.ts';
import { SimulatedClock, type BusyInterval } from './simulated-clock.ts';
import { SimulatedCluster } from './simulated-cluster.ts';
import { SimulatedFleet, type TerminateFailure } from './simulated-fleet.ts';
import { MemoryLeaseStore, SimulatedLock } from './simulated-lock.ts';
import {
  defaultGroupNames,
  defaultIndices,
  defaultRoles,
  defaultStart,
  defaultTimings,
  MIB,
  type GroupRole,
  type IndexSpec,
  type LaunchFault,
  type SimulatedWorldOptions,
} from './world-options.ts';

export type {
  GroupRole,
  IndexSpec,
  LaunchFault,
  ReplacementLaunch,
  RecoveryOptions,
  RepeatedTerminate,
  SimTimings,
  SimulatedWorldOptions,
} from './world-options.ts';
export type { ApiFault, FaultKind, LatencySpec } from './api-gate.ts';
export type { LifecycleState, LifecycleStep, TerminateCall } from './simulated-fleet.ts';
export type { AllocationRecord, RoutingStats } from './routing-table.ts';
export { SimulatedClock, type BusyInterval } from './simulated-clock.ts';
export { SimulatedCluster } from './simulated-cluster.ts';
export { SimulatedFleet, type TerminateFailure } from './simulated-fleet.ts';
export { MemoryLeaseStore, SimulatedLock } from './simulated-lock.ts';

/** One line of the world's history: what happened, when. */
export interface WorldEvent {
  at: Date;
  kind: string;
  detail: string;
}

export interface SimulatedWorld {
  cluster: Cluster & SimulatedCluster;
  fleet: Fleet & SimulatedFleet;
  /** A controller's lock on the world's lease (a second controller takes `newLock()`). */
  lock: Lock & SimulatedLock;
  /** Another controller's lock on the same lease. */
  newLock(): SimulatedLock;
  clock: SimulatedClock;
  /** Everything that happened, in order. */
  readonly history: readonly WorldEvent[];
  /** The history as text, one event a line (the last `last` events only, if given): for failing tests. */
  historyText(last?: number): string;
  /**
   * Observer hook: called after every world event and every mutating API call, e.g. to sample the
   * number of nodes present. Returns an unsubscribe function.
   */
  onEvent(observer: (world: SimulatedWorld, event: { at: Date; label: string }) => void): () => void;
  /** Run `action` once, the first time `condition` holds after an event (checked from now on). */
  when(condition: (world: SimulatedWorld) => boolean, action: (world: SimulatedWorld) => void): void;
  /** Create an index now; see IndexSpec.primaryOn for placing its primaries on the upgraded node. */
  createIndex(spec: IndexSpec): void;
  /** Something goes wrong with a replacement instance (see LaunchFault). */
  injectLaunchFault(fault: LaunchFault): void;
  /** The next terminateInGroup call fails; with `applied` the instance is terminated all the same. */
  injectTerminateFailure(failure: TerminateFailure): void;
  /** Instances terminated through terminateInGroup, in order. */
  terminatedInstanceIds(): string[];
  /** Replacement nodes of that role (launched after the start) that have joined the cluster. */
  joinedReplacements(role: GroupRole): number;
  /** Calls that fail as a service under load fails (see ApiFault). */
  injectFault(fault: ApiFault): void;
  /** API calls made to `operation` (all operations when omitted), failed ones included. */
  apiCalls(operation?: string): number;
  /**
   * An invariant checked after every world event and every mutating API call, from now on: `check`
   * returns null when it holds, or what is wrong. Violations are collected, not thrown (the event
   * loop belongs to the world); read them with violations(). Returns an unsubscribe function.
   */
  always(name: string, check: (world: SimulatedWorld) => string | null): () => void;
  /** Every invariant violation seen so far, in order (the first 100). */
  violations(): InvariantViolation[];
  /**
   * The stretches of virtual time, up to now, during which the world had work of its own under way
   * (an instance terminating or starting, a node leaving or booting, an election, a shard recovering
   * or relocating, a delayed allocation pending): a driver waiting outside them waits on itself.
   */
  busyIntervals(): BusyInterval[];
}

/**
 * World events that end some work under way, whoever started it. Not among them: a warm pool's
 * refill (nobody waits for it) and the events a test or a scenario schedules itself.
 */
export const BUSY_LABELS: readonly string[] = [
  'instance-terminating-wait',
  'instance-terminating-proceed',
  'instance-terminated',
  'group-launch',
  'instance-running',
  'instance-in-service',
  'node-left',
  'node-boot',
  'master-election',
  'recovery-done',
  'delayed-allocation-expired',
];

export interface InvariantViolation {
  at: Date;
  /** The event after which the invariant did not hold. */
  event: string;
  invariant: string;
  detail: string;
}

export function createSimulatedWorld(options: SimulatedWorldOptions): SimulatedWorld {
  const start = options.start ?? defaultStart;
  const clock = new SimulatedClock(start, { busyLabels: BUSY_LABELS });
  const ids = new IdSource(options.seed ?? 1);
  const timings = { ...defaultTimings, ...options.timings };
  const history: WorldEvent[] = [];
  const record = (kind: string, detail: string): void => {
    history.push({ at: clock.now(), kind, detail });
  };
  const versionTagKey = options.versionTagKey ?? 'Version';
  // Faults draw from their own seeded source, so adding one shifts no id.
  const gate = new ApiGate(clock, new IdSource(((options.seed ?? 1) ^ 0x5eedfa17) >>> 0), options.latency, options.faults);

  const fleet = new SimulatedFleet({
    clock,
    ids,
    gate,
    timings,
    replacementLaunch: options.replacementLaunch ?? 'on-terminate',
    repeatedTerminate: options.repeatedTerminate ?? 'reject',
    versionTagKey,
    esVersionOf: options.esVersionOf ?? ((tag) => tag),
    record,
  });
  const recovery = options.recovery ?? {};
  const cluster = new SimulatedCluster({
    clock,
    ids,
    gate,
    timings,
    roles: { ...defaultRoles, ...options.roles },
    record,
    recovery: {
      maxBytesPerSec: recovery.maxBytesPerSec ?? 40 * MIB,
      limits: {
        incoming: recovery.concurrentIncoming ?? DEFAULT_RECOVERY_LIMITS.incoming,
        outgoing: recovery.concurrentOutgoing ?? DEFAULT_RECOVERY_LIMITS.outgoing,
        initialPrimaries: recovery.initialPrimaries ?? DEFAULT_RECOVERY_LIMITS.initialPrimaries,
      },
      clusterConcurrentRebalance: recovery.clusterConcurrentRebalance ?? 2,
      rebalance: recovery.rebalance ?? false,
    },
    awareness: { attributes: [...(options.awareness?.attributes ?? [])], force: { ...options.awareness?.force } },
    zoneAttribute: options.zoneAttribute,
    bytesPerDoc: recovery.bytesPerDoc ?? 420,
  });
  fleet.setListener(cluster);
  const groups: [GroupRole, number][] = [
    ['master', options.masters],
    ['data', options.data],
  ];
  for (const [role, size] of groups) {
    if (size <= 0) continue;
    fleet.addGroup({
      role,
      name: options.groupNames?.[role] ?? defaultGroupNames[role],
      size,
      fromVersion: options.fromVersion,
      launchVersion: options.launchVersion,
      templateDefaultStale: options.templateDefaultStale ?? false,
      suspendedProcesses: options.suspendedProcesses?.[role] ?? [],
      standby: options.standby?.[role] ?? 0,
      ...(options.warmPools?.[role] !== undefined ? { warmPoolSize: options.warmPools[role] } : {}),
    });
  }
  for (const fault of options.launchFaults ?? []) fleet.injectLaunchFault(fault);
  cluster.bootstrap(fleet.instances(), options.indices ?? defaultIndices);
  record('world-created', `${options.masters} masters + ${options.data} data on ${options.fromVersion}`);

  const startMs = start.getTime();
  // The lease lives in the cluster: its calls cost what Elasticsearch calls cost, and fail as they do.
  const leaseStore = new MemoryLeaseStore((operation, answer, signal) => gate.call('elasticsearch', operation, signal, answer));
  const violations: InvariantViolation[] = [];
  const world: SimulatedWorld = {
    cluster,
    fleet,
    lock: new SimulatedLock(leaseStore, clock),
    newLock: () => new SimulatedLock(leaseStore, clock),
    clock,
    history,
    historyText: (last) =>
      (last === undefined ? history : history.slice(-last)).map((e) => `${e.at.toISOString()} ${e.kind} ${e.detail}`).join('\n'),
    onEvent: (observer) => clock.onEvent((e) => observer(world, { at: new Date(e.atMs), label: e.label })),
    when: (condition, action) => {
      const stop = clock.onEvent(() => {
        if (!condition(world)) return;
        stop();
        action(world);
      });
    },
    createIndex: (spec) => cluster.createIndex(spec),
    injectLaunchFault: (fault) => fleet.injectLaunchFault(fault),
    injectTerminateFailure: (failure) => fleet.injectTerminateFailure(failure),
    terminatedInstanceIds: () => fleet.terminatedInstanceIds(),
    joinedReplacements: (role) =>
      cluster.nodes().filter((n) => {
        const instance = fleet.instance(n.attributes.instance_id ?? '');
        return instance?.role === role && instance.launchTimeMs > startMs;
      }).length,
    injectFault: (fault) => gate.injectFault(fault),
    apiCalls: (operation) => gate.calls(operation),
    always: (name, check) =>
      clock.onEvent((e) => {
        const detail = check(world);
        if (detail !== null && violations.length < 100) violations.push({ at: new Date(e.atMs), event: e.label, invariant: name, detail });
      }),
    violations: () => [...violations],
    busyIntervals: () => clock.busyIntervals(),
  };
  return world;
}
