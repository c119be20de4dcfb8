// Narrow ports the upgrade logic needs from the outside world. src/cluster and src/cloud implement
// them against the real services; src/sim implements them in memory for the demo and scenario tests.

import type {
  AllocationExplanation,
  ClusterHealth,
  ClusterSnapshot,
  FleetSnapshot,
  HealthStatus,
} from './model.ts';

export interface HealthWait {
  /** Wait until status is at least this good. */
  status?: HealthStatus;
  /** `wait_for_nodes` expression: "6", ">=6", "<=5", "<6". */
  nodes?: string;
  noRelocatingShards?: boolean;
  noInitializingShards?: boolean;
  /** Server-side long-poll limit. */
  timeoutMs: number;
}

export interface Cluster {
  /** Everything one tick needs. Explanations are fetched only when worth it (see ClusterSnapshot). */
  observe(): Promise<ClusterSnapshot>;
  /**
   * Long-poll `_cluster/health`: resolves as soon as the conditions hold, or after `timeoutMs`
   * with `timedOut: true` (a 408 is not an error).
   */
  waitForHealth(wait: HealthWait, signal?: AbortSignal): Promise<ClusterHealth>;
  explainUnassigned(shard: { index: string; shard: number; primary: boolean }): Promise<AllocationExplanation>;
  /** Set persistent `cluster.routing.allocation.enable`; null removes it (back to the default, "all"). */
  setAllocationEnable(value: string | null): Promise<void>;
  /** Set persistent `cluster.routing.allocation.exclude._name`; empty list removes it. */
  setAllocationExcludeNames(names: string[]): Promise<void>;
  /**
   * `POST _cluster/reroute` with one `allocate_replica` command: an unassigned replica onto a node
   * that allocation explain says may take it. It only ever adds a copy.
   */
  allocateReplica(shard: { index: string; shard: number }, nodeName: string): Promise<void>;
}

export interface Fleet {
  /**
   * Instances and groups relevant to the cluster: the instances behind the given node keys (private
   * IPs or instance ids, per the match), their groups, and every instance of those groups. Batched:
   * never one call per node.
   */
  observe(query: FleetQuery): Promise<FleetSnapshot>;
  /**
   * `TerminateInstanceInAutoScalingGroup` with ShouldDecrementDesiredCapacity=false. Never retried
   * blindly: on an ambiguous failure the adapter re-reads the instance state before deciding.
   */
  terminateInGroup(instanceId: string): Promise<void>;
}

export interface FleetQuery {
  privateIps: string[];
  instanceIds: string[];
  /** Extra group names to include even if no node maps to them (e.g. from config). */
  groupNames: string[];
}

/** Run state kept in the cluster itself, under a lease, so a rerun after a crash knows what it did. */
export interface LeaseRecord {
  holder: string;
  /** Target version of the run holding the lease. */
  targetVersion: string;
  acquiredAt: string;
  expiresAt: string;
  /**
   * When the upgrade to this target version began (kept across resumed leases): instances launched
   * after it are replacements, and must carry the target version.
   */
  runStartedAt?: string;
  /** Allocation setting value found before the controller changed it, when it did. */
  allocationOverride?: { previous: string | null; setAt: string; /** The node it was narrowed for. */ nodeName?: string };
  /** Allocation exclusion the controller added for `--strategy drain`, when it did. */
  drainExclusion?: { nodeName: string; previous: string[]; setAt: string };
  /** Instances terminated under this lease (and earlier leases for the same target version). */
  terminatedInstanceIds: string[];
}

export type LockOutcome =
  | { acquired: true; record: LeaseRecord; resumed: boolean }
  | { acquired: false; heldBy: LeaseRecord };

export interface Lock {
  /** Create the lease, or take over an expired one (or our own, same holder). */
  acquire(holder: string, targetVersion: string, ttlMs: number, now: Date): Promise<LockOutcome>;
  /** Extend the lease and store the record; fails with LockLostError if someone else took it. */
  update(record: LeaseRecord, ttlMs: number, now: Date): Promise<LeaseRecord>;
  release(record: LeaseRecord): Promise<void>;
}
