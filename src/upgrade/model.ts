// The read model the upgrade logic judges. Adapters translate Elasticsearch and AWS responses into
// these shapes; nothing in src/upgrade imports an SDK.

export type HealthStatus = 'green' | 'yellow' | 'red';

/** One Elasticsearch node as `_nodes` reports it. */
export interface EsNode {
  id: string;
  name: string;
  /** Transport/publish IP without port, e.g. "10.0.1.17". */
  ip: string;
  /** Elasticsearch version the node runs, e.g. "9.4.5". */
  version: string;
  /** Raw role names, e.g. ["master"], ["data", "ingest"], ["data_hot", "data_content"]. */
  roles: string[];
  /** Custom node attributes (`node.attr.*`). */
  attributes: Record<string, string>;
}

export interface ClusterHealth {
  status: HealthStatus;
  numberOfNodes: number;
  numberOfDataNodes: number;
  activeShards: number;
  relocatingShards: number;
  initializingShards: number;
  unassignedShards: number;
  delayedUnassignedShards: number;
  /** True when a long-poll `_cluster/health?wait_for_*` call gave up (HTTP 408). */
  timedOut: boolean;
}

export type ShardState = 'STARTED' | 'INITIALIZING' | 'RELOCATING' | 'UNASSIGNED';

/** One shard copy, as `_cat/shards` lists it. */
export interface ShardCopy {
  index: string;
  shard: number;
  primary: boolean;
  state: ShardState;
  /** Node name holding the copy; absent when unassigned. */
  node?: string;
  /** When an unassigned copy became unassigned (`unassigned.at`): with the topology, what its explanation depends on. */
  unassignedAt?: string;
}

export type DeciderDecision = 'YES' | 'NO' | 'THROTTLE';

export interface DeciderResult {
  decider: string;
  decision: DeciderDecision;
  explanation: string;
}

export interface NodeAllocationDecision {
  nodeId: string;
  nodeName: string;
  /** `node_decision` from the explain API: "yes" | "no" | "throttled" | "worse_balance" ... */
  nodeDecision: string;
  deciders: DeciderResult[];
}

/** `_cluster/allocation/explain` for one unassigned shard copy. */
export interface AllocationExplanation {
  index: string;
  shard: number;
  primary: boolean;
  currentState: string;
  /** e.g. "NODE_LEFT", "INDEX_CREATED", "ALLOCATION_FAILED". */
  unassignedReason?: string;
  /** `unassigned_info.last_allocation_status`, e.g. "no_attempt", "no", "throttled". */
  lastAllocationStatus?: string;
  /** e.g. "no", "yes", "throttled", "awaiting_info", "allocation_delayed". */
  canAllocate?: string;
  allocateExplanation?: string;
  nodeDecisions: NodeAllocationDecision[];
}

/** A point-in-time picture of the cluster, fetched once per tick so every rule judges the same world. */
export interface ClusterSnapshot {
  nodes: EsNode[];
  /** Node id of the elected master, or null when there is none. */
  masterNodeId: string | null;
  health: ClusterHealth;
  shards: ShardCopy[];
  /** Effective `cluster.routing.allocation.enable` (transient over persistent), null when unset. */
  allocationEnable: string | null;
  /** Effective `cluster.routing.allocation.exclude._name`, empty when unset. */
  allocationExcludeNames: string[];
  /** The allocation settings this controller may change, layer by layer, exactly as stored. */
  settings: AllocationSettings;
  /** Node ids of the last committed voting configuration. */
  votingConfigNodeIds: string[];
  /** Nodes excluded from the voting configuration (`_cluster/voting_config_exclusions`). */
  votingConfigExclusions: { nodeId: string; nodeName: string }[];
  /** Shard allocation awareness in force (`cluster.routing.allocation.awareness.*`). */
  awareness: Awareness;
  /**
   * Explanations for unassigned shard copies (one per index/shard/primary), fetched only when the
   * cluster looks settled (no initializing/relocating shards) so the version-conflict judgement can
   * run. Undefined when not fetched this tick.
   */
  unassignedExplanations?: AllocationExplanation[];
}

/** Shard allocation awareness: the node attributes copies are spread over, and forced values per attribute. */
export interface Awareness {
  attributes: string[];
  /** `awareness.force.<attribute>.values`: replicas of a missing value stay unassigned rather than crowd the others. */
  force: Record<string, string[]>;
}

export const NO_AWARENESS: Awareness = { attributes: [], force: {} };

/** A cluster setting in each layer it can be stored in; transient wins over persistent. */
export interface LayeredSetting {
  persistent: string | null;
  transient: string | null;
}

export const ALLOCATION_ENABLE = 'cluster.routing.allocation.enable';
export const ALLOCATION_EXCLUDE_NAME = 'cluster.routing.allocation.exclude._name';
export type AllocationSettingKey = typeof ALLOCATION_ENABLE | typeof ALLOCATION_EXCLUDE_NAME;
export type AllocationSettings = Record<AllocationSettingKey, LayeredSetting>;

/** The value in force: transient over persistent, null when neither is set. */
export function effectiveSetting(setting: LayeredSetting): string | null {
  return setting.transient ?? setting.persistent;
}

/** A comma-separated list setting (e.g. `exclude._name`) as its items. */
export function splitNames(value: string | null): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

export type InstanceState = 'pending' | 'running' | 'shutting-down' | 'terminated' | 'stopping' | 'stopped';

export interface Ec2Instance {
  id: string;
  privateIp?: string;
  state: InstanceState;
  availabilityZone?: string;
  /** From the `aws:autoscaling:groupName` tag. */
  groupName?: string;
  tags: Record<string, string>;
  launchTime?: Date;
  /**
   * The instance's Auto Scaling lifecycle state (`Pending`, `InService`, `Terminating:Wait`, ...),
   * separate from its EC2 state: EC2 says `running` for the whole of a termination lifecycle hook.
   * Undefined when no group lists the instance.
   */
  lifecycleState?: string;
}

export interface AutoScalingGroup {
  name: string;
  desiredCapacity: number;
  minSize: number;
  maxSize: number;
  /** Instances the group counts as its members (any lifecycle state). */
  instanceIds: string[];
  /** e.g. ["Launch", "Terminate"]. */
  suspendedProcesses: string[];
  /**
   * Value of the version tag the group will give a new instance: from the launch template version it
   * uses (its instance TagSpecifications) or a propagate-at-launch group tag. Undefined if unknown.
   */
  launchVersion?: string;
  /** Where `launchVersion` came from, for messages, e.g. "launch template lt-0abc version 7 ($Default)". */
  launchVersionSource?: string;
  /** The group has a warm pool: replacements may come from instances launched long ago. */
  hasWarmPool?: boolean;
}

export interface FleetSnapshot {
  /** Instances found for the cluster: those of the groups plus those matched to nodes. */
  instances: Ec2Instance[];
  groups: AutoScalingGroup[];
}

/** How a node is matched to its EC2 instance. */
export type InstanceMatch =
  | { kind: 'private-ip' }
  | { kind: 'node-name' }
  | { kind: 'node-attribute'; attribute: string };

export type Phase = 'master' | 'data';
export type Order = 'masters-first' | 'data-first';
export type Strategy = 'replace' | 'drain';
/** `zone`: the stale data nodes of one availability zone go together (shard allocation awareness keeps a copy elsewhere). */
export type BatchMode = 'none' | 'zone';
/** The most data nodes a batch may take away at once: a count, or a percentage of the data nodes. */
export type MaxUnavailable = { count: number } | { percent: number };
export type VersionConflictPolicy = 'accept' | 'reject';
