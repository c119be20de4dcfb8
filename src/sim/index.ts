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

import type { Cluster, Fleet, Lock } from '../upgrade/ports.ts';
import { IdSource } from './id-source.ts';
import { SimulatedClock } from './simulated-clock.ts';
import { SimulatedCluster } from './simulated-cluster.ts';
import { SimulatedFleet, type TerminateFailure } from './simulated-fleet.ts';
import { MemoryLeaseStore, SimulatedLock } from './simulated-lock.ts';
import {
  defaultGroupNames,
  defaultIndices,
  defaultRoles,
  defaultStart,
  defaultTimings,
  type GroupRole,
  type IndexSpec,
  type LaunchFault,
  type SimulatedWorldOptions,
} from './world-options.ts';

export type { GroupRole, IndexSpec, LaunchFault, SimTimings, SimulatedWorldOptions } from './world-options.ts';
export { SimulatedClock } from './simulated-clock.ts';
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
}

export function createSimulatedWorld(options: SimulatedWorldOptions): SimulatedWorld {
  const start = options.start ?? defaultStart;
  const clock = new SimulatedClock(start);
  const ids = new IdSource(options.seed ?? 1);
  const timings = { ...defaultTimings, ...options.timings };
  const history: WorldEvent[] = [];
  const record = (kind: string, detail: string): void => {
    history.push({ at: clock.now(), kind, detail });
  };
  const versionTagKey = options.versionTagKey ?? 'Version';

  const fleet = new SimulatedFleet({
    clock,
    ids,
    timings,
    versionTagKey,
    esVersionOf: options.esVersionOf ?? ((tag) => tag),
    record,
  });
  const cluster = new SimulatedCluster({
    clock,
    ids,
    timings,
    roles: { ...defaultRoles, ...options.roles },
    record,
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
    });
  }
  for (const fault of options.launchFaults ?? []) fleet.injectLaunchFault(fault);
  cluster.bootstrap(fleet.instances(), options.indices ?? defaultIndices);
  record('world-created', `${options.masters} masters + ${options.data} data on ${options.fromVersion}`);

  const startMs = start.getTime();
  const leaseStore = new MemoryLeaseStore((operation, answer) => clock.respond(operation, answer));
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
  };
  return world;
}
