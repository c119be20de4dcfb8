// Narrow ports the upgrade logic needs from the outside world. src/cluster and src/cloud implement
// them against the real services; src/sim implements them in memory for the demo and scenario tests.

import type {
  AllocationExplanation,
  AllocationSettings,
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
  /**
   * Everything one tick needs. Explanations are fetched only when worth it (see ClusterSnapshot).
   * Every call takes the run's abort signal: an interrupt must never wait for a slow answer.
   */
  observe(signal?: AbortSignal): Promise<ClusterSnapshot>;
  /**
   * Long-poll `_cluster/health`: resolves as soon as the conditions hold, or after `timeoutMs`
   * with `timedOut: true` (a 408 is not an error).
   */
  waitForHealth(wait: HealthWait, signal?: AbortSignal): Promise<ClusterHealth>;
  explainUnassigned(shard: { index: string; shard: number; primary: boolean }, signal?: AbortSignal): Promise<AllocationExplanation>;
  /**
   * Write each given allocation setting layer by layer, exactly as given (null removes that layer's
   * value), in one `_cluster/settings` update.
   */
  putSettings(settings: Partial<AllocationSettings>, signal?: AbortSignal): Promise<void>;
  /**
   * `POST _cluster/reroute` with one `allocate_replica` command: an unassigned replica onto a node
   * that allocation explain says may take it. It only ever adds a copy.
   */
  allocateReplica(shard: { index: string; shard: number }, nodeName: string, signal?: AbortSignal): Promise<void>;
  /**
   * `POST _cluster/voting_config_exclusions?node_ids=`: move a node's vote off before it goes, or
   * take a departed node out of a voting configuration that cannot shrink past it by itself.
   */
  excludeFromVoting(nodeIds: string[], signal?: AbortSignal): Promise<void>;
  /** `DELETE _cluster/voting_config_exclusions`, without waiting for the excluded nodes to leave. */
  clearVotingExclusions(signal?: AbortSignal): Promise<void>;
}

export interface Fleet {
  /**
   * Instances and groups relevant to the cluster: the instances behind the given node keys (private
   * IPs or instance ids, per the match), their groups, and every instance of those groups, each
   * with its group lifecycle state. Batched: never one call per node. The query may still be in the
   * making (the cluster being read): what does not depend on it can start at once.
   */
  observe(query: FleetQuery | Promise<FleetQuery>, signal?: AbortSignal): Promise<FleetSnapshot>;
  /**
   * `TerminateInstanceInAutoScalingGroup` with ShouldDecrementDesiredCapacity=false. Never retried
   * blindly: on an ambiguous failure the adapter re-reads the instance state before deciding. A
   * failure that may heal by waiting (throttling, a scaling activity in progress) is a ServiceError
   * with `transient` set, and the terminate did not land.
   */
  terminateInGroup(instanceId: string, signal?: AbortSignal): Promise<void>;
}

export interface FleetQuery {
  privateIps: string[];
  instanceIds: string[];
  /** Extra group names to include even if no node maps to them (e.g. from config). */
  groupNames: string[];
}

/**
 * Allocation settings this upgrade changed: recorded in the lease before the change, so whoever
 * holds the lease next (this run, a rerun, a takeover) can put back what the operator had.
 */
export interface AllocationOverride {
  setAt: string;
  /** Nodes this upgrade keeps new shard copies off (`exclude._name`), until each has left. */
  nodeNames: string[];
  /** Allocation narrowed to new primaries too (replace strategy); a drain only excludes. */
  narrowed: boolean;
  /**
   * The settings as found before this upgrade changed them, restored layer by layer. Only the
   * settings it changed are here (a lease from an earlier release may lack one).
   */
  found: Partial<AllocationSettings>;
}

/** Run state kept in the cluster itself, under a lease, so a rerun after a crash knows what it did. */
export interface LeaseRecord {
  /** Who holds the lease; null once released (the upgrade's record stays until it completes). */
  holder: string | null;
  /** Target version of the upgrade this record belongs to. */
  targetVersion: string;
  acquiredAt: string;
  /** The holder's clock at its last renewal: shown to people, never used to judge staleness. */
  renewedAt: string;
  /** The holder's lease length: a lease unchanged for this long on a taker's own clock is dead. */
  ttlMs: number;
  /**
   * When the upgrade to this target version began (kept across resumed leases): instances launched
   * after it are replacements, and must carry the target version.
   */
  runStartedAt: string;
  /** When and why the last holder let go (clean stop, or broken by hand). */
  released?: { at: string; by: string; reason: string };
  allocationOverride?: AllocationOverride;
  /**
   * Nodes this upgrade excluded from the voting configuration: a master about to go (one or two
   * master-eligible nodes), or departed ones the configuration kept. Cleared once none is present
   * or named by the configuration any more.
   */
  votingExclusion?: { nodeIds: string[]; nodeNames: string[]; setAt: string };
  /** Instances this upgrade terminated (the terminate was accepted), across resumed runs. */
  terminatedInstanceIds: string[];
  /**
   * The Elasticsearch node ids on those instances. Once EC2 has terminated an instance it no longer
   * reports its private IP, yet its node can linger in the cluster until the master notices: it is
   * still leaving, and only its id says so.
   */
  terminatedNodeIds?: string[];
  /** A terminate about to be sent: if a crash follows, the next holder reads the instance to learn whether it landed. */
  terminationRequested?: { instanceId: string; nodeId?: string; at: string };
}

export type LockOutcome =
  | { acquired: true; record: LeaseRecord; resumed: boolean }
  | { acquired: false; heldBy: LeaseRecord; reason: string };

/** The lease as someone looking at it sees it. */
export interface LeaseView {
  record: LeaseRecord;
  /** How long the lease has been seen unchanged, on the reader's own clock (0: it just changed). */
  unchangedForMs: number;
}

export interface Lock {
  /**
   * Take the lease: create it, resume a released record, or take over one whose holder has not
   * renewed it for its TTL, judged on this controller's own clock (it may watch the lease for up
   * to one TTL to find out). Our own record (same holder) is always ours.
   */
  acquire(holder: string, targetVersion: string, ttlMs: number, signal?: AbortSignal): Promise<LockOutcome>;
  /** Renew the lease and store the record; fails with LockLostError if someone else took it. */
  update(record: LeaseRecord, ttlMs: number, signal?: AbortSignal): Promise<LeaseRecord>;
  /**
   * Let go. With `complete` the upgrade is over and its record is deleted; otherwise the record is
   * kept (released) so the next run resumes it.
   */
  release(record: LeaseRecord, options: { complete: boolean; reason: string }, signal?: AbortSignal): Promise<void>;
  /** The stored lease, if any. */
  inspect(signal?: AbortSignal): Promise<LeaseView | undefined>;
  /** Release whoever holds it, keeping the record, with a reason recorded; undefined when there is none. */
  breakLease(by: string, reason: string, signal?: AbortSignal): Promise<LeaseRecord | undefined>;
}
