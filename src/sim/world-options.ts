// Options of the simulated world and their defaults. Durations are virtual milliseconds; the defaults
// are roughly real-world shaped (a minute to boot, a minute of delayed allocation) since virtual time
// costs nothing.

import type { ApiFault, LatencySpec } from './api-gate.ts';

export type GroupRole = 'master' | 'data';

/**
 * When the group launches the replacement of an instance terminated in it. `on-terminate` (the
 * default): as soon as it notices the shortfall, since a terminating instance no longer counts toward
 * desired capacity; AWS's default for replacements ("terminate and launch") provisions the new
 * instance while the old one terminates. `after-termination`: only once the old one is gone (a
 * group whose instance maintenance policy keeps capacity at or under 100 %, or a slow hook).
 */
export type ReplacementLaunch = 'on-terminate' | 'after-termination';

/**
 * A terminate of an instance already terminating: `reject` (the default) fails with a ValidationError,
 * not transient; `accept` succeeds again without effect. Either way the call is counted.
 */
export type RepeatedTerminate = 'reject' | 'accept';

export interface SimTimings {
  /** terminateInGroup → the group's termination hooks start (`Terminating` → `Terminating:Wait`). */
  terminatingMs: number;
  /**
   * Time in `Terminating:Wait`: a termination lifecycle hook or a load-balancer deregistration delay
   * (0: none, straight to `Terminating:Proceed`). EC2 says `running` and the node stays meanwhile.
   */
  terminationHookMs: number;
  /** Time in `Pending:Wait` once the instance runs (a launch lifecycle hook; 0: none, straight to `InService`). */
  launchHookMs: number;
  /** Instance `shutting-down` → its Elasticsearch node has left the cluster (up to 30 s for a node that stops slowly). */
  nodeLeaveMs: number;
  /** Instance `shutting-down` → `terminated`. */
  shutdownMs: number;
  /** The group notices the shortfall → it launches a replacement (`pending`); see ReplacementLaunch for when it notices. */
  replacementLaunchMs: number;
  /** `pending` → `running`. */
  instanceStartMs: number;
  /** `running` → the Elasticsearch node joins. */
  bootMs: number;
  /** Elected master left → a new one is elected (if a quorum of the voting configuration is present). */
  electionMs: number;
  /**
   * Fixed cost of every shard recovery or relocation (it holds its recovery slot meanwhile), before
   * the shard's bytes move at the rate RecoveryOptions allow.
   */
  recoveryBaseMs: number;
}

export const defaultTimings: SimTimings = {
  terminatingMs: 1_000,
  terminationHookMs: 10_000,
  launchHookMs: 0,
  nodeLeaveMs: 2_000,
  shutdownMs: 45_000,
  replacementLaunchMs: 10_000,
  instanceStartMs: 30_000,
  bootMs: 60_000,
  electionMs: 3_000,
  recoveryBaseMs: 5_000,
};

/** Recovery and balancing settings, Elasticsearch's defaults unless given. */
export interface RecoveryOptions {
  /** `indices.recovery.max_bytes_per_sec`, inbound and outbound together, per node (default 40 MiB/s). */
  maxBytesPerSec?: number;
  /** `cluster.routing.allocation.node_concurrent_incoming_recoveries` (default 2). */
  concurrentIncoming?: number;
  /** `cluster.routing.allocation.node_concurrent_outgoing_recoveries` (default 2). */
  concurrentOutgoing?: number;
  /** `cluster.routing.allocation.node_initial_primaries_recoveries` (default 4). */
  initialPrimaries?: number;
  /** `cluster.routing.allocation.cluster_concurrent_rebalance` (default 2). */
  clusterConcurrentRebalance?: number;
  /**
   * Rebalance by shard count once every shard is active (`allow_rebalance: indices_all_active`),
   * as a joined node fills up (default false: a replacement then fills only by recoveries, which
   * keeps runs comparable; the benchmark's --rebalance turns it on).
   */
  rebalance?: boolean;
  /**
   * Bytes per document, for indices sized by `docsPerShard` (default 420: at 40 MiB/s a lone
   * recovery then takes what the earlier flat 0.01 ms per document gave).
   */
  bytesPerDoc?: number;
}

export const MIB = 1024 * 1024;

export interface IndexSpec {
  name: string;
  primaries: number;
  replicas: number;
  /** Documents per shard copy; its size in bytes is this many times RecoveryOptions.bytesPerDoc. */
  docsPerShard?: number;
  /** Bytes of one shard copy (what a recovery or relocation moves); wins over docsPerShard. */
  shardSizeBytes?: number;
  /** `index.unassigned.node_left.delayed_timeout`, default 60s. */
  delayedTimeoutMs?: number;
  /** `index.routing.allocation.require._name` (e.g. "nowhere": a red index). */
  requireName?: string;
  /** `index.routing.allocation.exclude._name`. */
  excludeNames?: string[];
  /**
   * Where the primaries should land when created at run time: a node name, or "newest" for the data
   * node on the highest version (the hourly-index-during-upgrade case). Deciders still apply.
   */
  primaryOn?: string;
  /**
   * While the data nodes run mixed versions, the balancer holds this index's unassigned replicas
   * back (explain: can allocate, no attempt made) and only `allocate_replica` places them: the
   * desired-balance deadlock real 8.19 and 9.5.4 masters fall into mid-upgrade.
   */
  heldBackWhileMixed?: boolean;
}

/** Something wrong with a replacement instance the group launches. */
export interface LaunchFault {
  group: GroupRole;
  /** The nth replacement launched in that group (1-based); omitted: every replacement. */
  nth?: number;
  /** Elasticsearch never starts on it (broken user data, bad AMI). */
  neverJoins?: boolean;
  /** Boot takes this long instead of the default. */
  bootDelayMs?: number;
  /** Elasticsearch runs this version whatever the tag says (the image still has the old package). */
  esVersion?: string;
  /** The instance gets this version tag instead of the template's. */
  tagVersion?: string;
}

export interface SimulatedWorldOptions {
  masters: number;
  data: number;
  /** Version every instance starts on. */
  fromVersion: string;
  /** Version the groups' launch templates launch (as after a CloudFormation update). */
  launchVersion: string;
  /** Seed of every generated id (default 1). */
  seed?: number;
  /** Virtual time at the start (default 2026-11-28T04:30:00Z). */
  start?: Date;
  /** EC2 tag key holding the release version (default "Version"). */
  versionTagKey?: string;
  groupNames?: Partial<Record<GroupRole, string>>;
  /** Elasticsearch roles of each group's nodes (default masters ["master"], data ["data", "ingest"]). */
  roles?: Partial<Record<GroupRole, string[]>>;
  /** Maps a version tag to the Elasticsearch version the node runs (default: the same string). */
  esVersionOf?: (versionTag: string) => string;
  /** Indices at the start (default: a few hourly log indices and an orders index, all with a replica). */
  indices?: IndexSpec[];
  timings?: Partial<SimTimings>;
  /**
   * The templates have a version for `launchVersion`, but their `$Default` still points at the one
   * for `fromVersion` (someone forgot to set the default).
   */
  templateDefaultStale?: boolean;
  suspendedProcesses?: Partial<Record<GroupRole, string[]>>;
  launchFaults?: LaunchFault[];
  /** See ReplacementLaunch (default `on-terminate`). */
  replacementLaunch?: ReplacementLaunch;
  /** See RepeatedTerminate (default `reject`). */
  repeatedTerminate?: RepeatedTerminate;
  /** This many of the group's first instances are in Standby at the start. */
  standby?: Partial<Record<GroupRole, number>>;
  /** The group has a warm pool of this many instances, stopped since a day before the start. */
  warmPools?: Partial<Record<GroupRole, number>>;
  /** Virtual time each API call takes (default none). */
  latency?: LatencySpec;
  /** API calls that fail as services under load do (throttling, 503s), by count or seeded probability. */
  faults?: ApiFault[];
  /** Recovery throughput and concurrency, rebalancing (see RecoveryOptions). */
  recovery?: RecoveryOptions;
  /**
   * Nodes carry their instance's availability zone as this node attribute (`node.attr.<name>`),
   * e.g. "zone". Instances are spread over three zones either way.
   */
  zoneAttribute?: string;
  /**
   * `cluster.routing.allocation.awareness.attributes` and, forced, the values each must spread over
   * (`awareness.force.<attribute>.values`): no two copies of a shard in one zone when zones suffice;
   * with forced values, the copies of a lost zone stay unassigned.
   */
  awareness?: { attributes: string[]; force?: Record<string, string[]> };
}

export const defaultStart = new Date('2026-11-28T04:30:00Z');

export const defaultIndices: IndexSpec[] = [
  { name: 'logs-2026.11.28-02', primaries: 2, replicas: 1, docsPerShard: 120_000 },
  { name: 'logs-2026.11.28-03', primaries: 2, replicas: 1, docsPerShard: 150_000 },
  { name: 'logs-2026.11.28-04', primaries: 2, replicas: 1, docsPerShard: 60_000 },
  { name: 'orders', primaries: 3, replicas: 1, docsPerShard: 400_000 },
];

export const defaultRoles: Record<GroupRole, string[]> = { master: ['master'], data: ['data', 'ingest'] };
export const defaultGroupNames: Record<GroupRole, string> = { master: 'es-masters', data: 'es-data' };
