// Shapes of the plan, the run's events and its report: what the CLI, the service and the progress
// view consume. Pure data, JSON-serialisable.

import type { BatchMode, InstanceMatch, MaxUnavailable, Order, Phase, Strategy, VersionConflictPolicy } from './model.ts';

export interface UpgradeOptions {
  targetVersion: string;
  /** EC2 tag key holding the release version (default "Version"). */
  versionTagKey: string;
  order: Order;
  strategy: Strategy;
  /** Data nodes one at a time (`none`), or a zone at a time (see BatchMode). Masters always go one at a time. */
  batch: BatchMode;
  /** Cap on a batch; none: a whole zone. */
  maxUnavailable?: MaxUnavailable;
  versionConflicts: VersionConflictPolicy;
  match: InstanceMatch;
  /** Extra group names to watch even if no node maps to them. */
  groupNames: string[];
  /** What to do with a node that has no instance / an instance with no node. */
  orphans: 'refuse' | 'ignore';
  /** Safety rules disabled by name, explicitly (see predicates). */
  disabledRules: string[];
  timeouts: WaitTimeouts;
  /** Interval between observations when no long-poll applies. */
  pollIntervalMs: number;
  /** Lease length for the cluster lock. */
  lockTtlMs: number;
  /**
   * Elasticsearch version a replacement must run, when known (the new image's). A replacement that
   * joins with another version halts the run even if its instance carries the target tag.
   */
  expectedEsVersion?: string;
}

export interface WaitTimeouts {
  /** Old node gone from the cluster after its instance was terminated. */
  nodeLeaveMs: number;
  /** Replacement node joined. */
  nodeJoinMs: number;
  /** Cluster back to yellow (no red) after a change. */
  yellowMs: number;
  /** Cluster green, or settled with only version conflicts. */
  greenMs: number;
  /** A drained node holds no shards. */
  drainMs: number;
  /** Preconditions (e.g. relocations finishing) before touching the next node. */
  safeToProceedMs: number;
}

export type PlanAction = 'keep' | 'replace';

export interface PlanRow {
  /** 1-based position in the order of replacement; 0 for kept nodes. */
  step: number;
  phase: Phase;
  nodeName: string;
  nodeId: string;
  roles: string[];
  esVersion: string;
  isElectedMaster: boolean;
  instanceId?: string;
  groupName?: string;
  availabilityZone?: string;
  /** The instance's version tag value. */
  versionTag?: string;
  action: PlanAction;
  reason: string;
  /** With zone batches: the batch of data nodes this one goes in (the others of that number go with it). */
  batch?: number;
}

export interface Orphans {
  /** Nodes for which no EC2 instance was found. */
  nodesWithoutInstance: { nodeName: string; nodeId: string; ip: string }[];
  /** Running instances of the cluster's groups that no node maps to. */
  instancesWithoutNode: { instanceId: string; groupName?: string; privateIp?: string; state: string }[];
}

export interface GroupLaunchCheck {
  groupName: string;
  launchVersion?: string;
  source?: string;
  atTarget: boolean;
}

export interface Plan {
  targetVersion: string;
  order: Order;
  /** Why this order: printed with the plan. */
  orderReason: string;
  strategy: Strategy;
  rows: PlanRow[];
  orphans: Orphans;
  groups: GroupLaunchCheck[];
  /** Number of nodes to replace. */
  toReplace: number;
  /** With --batch zone: the data nodes' batches in order, and why they can (not) go so. */
  batches?: { number: number; zone: string; nodeNames: string[] }[];
  /** Why zone batches cannot be used here, when asked for (the run refuses on zone_batches_possible). */
  batchRefusal?: string;
}

/** A safety rule said no: a value, not an error. */
export interface Refusal {
  rule: string;
  node?: string;
  reason: string;
}

export type WaitKind = 'node-leave' | 'node-join' | 'yellow' | 'green' | 'drain' | 'safe-to-proceed';

export interface AcceptedVersionConflict {
  index: string;
  shard: number;
  explanation: string;
  at: string;
}

/** A replica the balancer held back, placed by this run with `allocate_replica`. */
export interface PlacedReplica {
  index: string;
  shard: number;
  node: string;
  at: string;
}

export interface NodeTimeline {
  nodeName: string;
  instanceId?: string;
  phase: Phase;
  replacementNodeName?: string;
  replacementInstanceId?: string;
  startedAt: string;
  finishedAt?: string;
  durationMs?: number;
  /** Each wait, with how long it took. */
  waits: { kind: WaitKind; startedAt: string; durationMs?: number; outcome: 'met' | 'timed-out' | 'interrupted' }[];
  outcome: 'replaced' | 'halted' | 'interrupted' | 'in-progress';
  /** With zone batches: the batch (1, 2, ...) this node went in, with the others of that number. */
  batch?: number;
}

/**
 * The cluster as one observation saw it: a point of the report's health series. A sample holds until
 * the next one (only changes are recorded).
 */
export interface HealthSample {
  at: string;
  status: string;
  nodes: number;
  dataNodes: number;
  unassigned: number;
  initializing: number;
  relocating: number;
}

/** An instance this run terminated, as the fleet described it then. */
export interface TerminatedInstance {
  instanceId: string;
  /** Its `Name` tag, which deployment targets (Tentacles) are often registered under. */
  name?: string;
  groupName?: string;
}

export type RunOutcome = 'nothing-to-do' | 'completed' | 'planned' | 'refused' | 'halted' | 'interrupted' | 'failed';

/**
 * Version of the report's shape (schema/report.schema.json): raised when a field is removed or changes
 * meaning, so tooling can tell a report it cannot read. Adding a field keeps it.
 */
export const REPORT_SCHEMA_VERSION = 1;

export interface UpgradeReport {
  tool: 'es-rolling-upgrade';
  /** The es-rolling-upgrade release that wrote the report, e.g. "0.1.0". */
  toolVersion: string;
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  mode: 'plan' | 'run';
  outcome: RunOutcome;
  /** One line saying what happened. */
  message: string;
  targetVersion: string;
  order: Order;
  strategy: Strategy;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  plan: Plan;
  nodes: NodeTimeline[];
  refusals: Refusal[];
  versionConflictsAccepted: AcceptedVersionConflict[];
  /** Replicas this run placed itself because the balancer held them back (see docs/internals.md). */
  replicasPlaced: PlacedReplica[];
  finalHealth?: { status: string; numberOfNodes: number; unassignedShards: number };
  /**
   * The cluster's health and shard counts over the run, one sample per change (bounded: beyond a cap,
   * neighbouring samples merge, keeping the worst of each). Absent in reports of older versions.
   */
  healthSamples?: HealthSample[];
  /** Instances this run terminated, in order: for deregistering deployment targets. */
  terminatedInstanceIds: string[];
  /**
   * The same instances with their Name tag and group, to find their deployment targets by name.
   * Absent in reports of older versions.
   */
  terminatedInstances?: TerminatedInstance[];
  /** Instances terminated for the same target version by earlier, interrupted runs (from the lease). */
  previouslyTerminatedInstanceIds: string[];
  exitCode: number;
}

/** Progress events, emitted as the run goes: the progress view, the service stream and metrics use them. */
export type UpgradeEvent =
  | { type: 'plan'; at: string; plan: Plan }
  | { type: 'phase'; at: string; phase: Phase; nodes: number }
  | { type: 'node-start'; at: string; node: string; instanceId?: string; index: number; total: number }
  | { type: 'refused'; at: string; refusals: Refusal[] }
  | { type: 'action'; at: string; action: string; node?: string; instanceId?: string; detail: string }
  | { type: 'wait'; at: string; kind: WaitKind; node?: string; detail: string; sinceMs: number; timeoutMs: number }
  | { type: 'wait-done'; at: string; kind: WaitKind; node?: string; durationMs: number }
  | { type: 'recovery'; at: string; status: string; initializing: number; relocating: number; unassigned: number }
  | { type: 'version-conflicts'; at: string; conflicts: AcceptedVersionConflict[] }
  | { type: 'health'; at: string; sample: HealthSample }
  | { type: 'node-done'; at: string; node: string; replacement?: string; replacementInstanceId?: string; durationMs: number }
  | { type: 'call'; at: string; service: 'elasticsearch' | 'aws'; operation: string; ok: boolean }
  | { type: 'finished'; at: string; report: UpgradeReport };

export type EventSink = (event: UpgradeEvent) => void;
