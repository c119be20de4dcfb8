// Pure mappings from Elasticsearch responses to the read model. Inputs are typed loosely (every
// field optional) because filter_path trims them and 7.17/8.x/9.x differ in what they add.

import {
  ALLOCATION_ENABLE,
  ALLOCATION_EXCLUDE_NAME,
  effectiveSetting,
  splitNames,
  type AllocationSettings,
  type Awareness,
  type LayeredSetting,
} from '../upgrade/model.ts';
import type {
  AllocationExplanation,
  ClusterHealth,
  DeciderDecision,
  DeciderResult,
  EsNode,
  HealthStatus,
  NodeAllocationDecision,
  ShardCopy,
  ShardState,
} from '../upgrade/model.ts';

export interface NodesInfoBody {
  nodes?: Record<string, { name?: string; ip?: string; version?: string; roles?: string[]; attributes?: Record<string, string> }>;
}

export function toEsNodes(body: NodesInfoBody): EsNode[] {
  return Object.entries(body.nodes ?? {}).map(([id, n]) => ({
    id,
    name: n.name ?? id,
    ip: n.ip ?? '',
    version: n.version ?? '',
    roles: [...(n.roles ?? [])],
    attributes: { ...(n.attributes ?? {}) },
  }));
}

export interface HealthBody {
  status?: string;
  number_of_nodes?: number;
  number_of_data_nodes?: number;
  active_shards?: number;
  relocating_shards?: number;
  initializing_shards?: number;
  unassigned_shards?: number;
  delayed_unassigned_shards?: number;
  timed_out?: boolean;
}

export function toClusterHealth(body: HealthBody): ClusterHealth {
  return {
    status: toHealthStatus(body.status),
    numberOfNodes: body.number_of_nodes ?? 0,
    numberOfDataNodes: body.number_of_data_nodes ?? 0,
    activeShards: body.active_shards ?? 0,
    relocatingShards: body.relocating_shards ?? 0,
    initializingShards: body.initializing_shards ?? 0,
    unassignedShards: body.unassigned_shards ?? 0,
    delayedUnassignedShards: body.delayed_unassigned_shards ?? 0,
    timedOut: body.timed_out ?? false,
  };
}

function toHealthStatus(raw: string | undefined): HealthStatus {
  const s = raw?.toLowerCase();
  if (s === 'green' || s === 'yellow' || s === 'red') return s;
  // An unknown status is judged as the worst one rather than guessed.
  return 'red';
}

/**
 * The `_cat/shards` columns read (index, shard, prirep, state, node, unassigned.at) by their short
 * names: Elasticsearch names each column as asked, and at 100,000 rows the long names are a third
 * of the answer.
 */
export const CAT_SHARDS_COLUMNS = ['i', 's', 'p', 'st', 'n', 'ua'] as const;

/** A `_cat/shards` row as answered to `format=json&h=i,s,p,st,n,ua`: every value a string or null. */
export interface CatShardRow {
  i?: string | null;
  s?: string | number | null;
  p?: string | null;
  st?: string | null;
  n?: string | null;
  ua?: string | null;
}

const SHARD_STATES: ReadonlySet<string> = new Set<ShardState>(['STARTED', 'INITIALIZING', 'RELOCATING', 'UNASSIGNED']);

/** Every row, read every tick: 100,000 at 1,000 nodes, so read without a list or closure per row. */
export function toShardCopies(rows: CatShardRow[]): ShardCopy[] {
  const copies: ShardCopy[] = new Array<ShardCopy>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as CatShardRow;
    copies[i] = toShardCopy(row.i, row.s, row.p, row.st, row.n, row.ua);
  }
  return copies;
}

/**
 * One row's columns (undefined when absent) as a copy: `previous` itself when it is the same copy,
 * so that a reader of successive answers makes objects only for the copies that changed.
 */
export function toShardCopy(
  index: string | null | undefined,
  shard: string | number | null | undefined,
  prirep: string | null | undefined,
  rawState: string | null | undefined,
  rawNode: string | null | undefined,
  rawUnassignedAt: string | null | undefined,
  previous?: ShardCopy,
): ShardCopy {
  const state = rawState ?? '';
  if (!SHARD_STATES.has(state)) throw new Error(`unknown shard state "${state}" for ${index ?? '?'}[${String(shard)}]`);
  const name = index ?? '';
  const number = Number(shard);
  const primary = prirep === 'p';
  let node: string | undefined;
  if (state !== 'UNASSIGNED' && rawNode) {
    // A relocating copy reads "source -> 10.0.0.2 targetId target": the copy still lives on the source.
    const arrow = rawNode.indexOf(' -> ');
    node = (arrow === -1 ? rawNode : rawNode.slice(0, arrow)).trim() || undefined;
  }
  const unassignedAt = state === 'UNASSIGNED' && rawUnassignedAt ? rawUnassignedAt : undefined;
  if (
    previous !== undefined &&
    previous.index === name &&
    previous.shard === number &&
    previous.primary === primary &&
    previous.state === state &&
    previous.node === node &&
    previous.unassignedAt === unassignedAt
  ) {
    return previous;
  }
  const copy: ShardCopy = { index: name, shard: number, primary, state: state as ShardState };
  if (node !== undefined) copy.node = node;
  if (unassignedAt !== undefined) copy.unassignedAt = unassignedAt;
  return copy;
}

export interface ClusterStateBody {
  master_node?: string | null;
  metadata?: {
    cluster_coordination?: {
      last_committed_config?: string[];
      voting_config_exclusions?: { node_id?: string; node_name?: string }[];
    };
  };
}

export function toMasterNodeId(body: ClusterStateBody): string | null {
  return body.master_node ?? null;
}

export function toVotingConfigNodeIds(body: ClusterStateBody): string[] {
  return [...(body.metadata?.cluster_coordination?.last_committed_config ?? [])];
}

export function toVotingConfigExclusions(body: ClusterStateBody): { nodeId: string; nodeName: string }[] {
  return (body.metadata?.cluster_coordination?.voting_config_exclusions ?? []).map((e) => ({
    nodeId: e.node_id ?? '',
    nodeName: e.node_name ?? '',
  }));
}

export interface SettingsBody {
  persistent?: Record<string, unknown>;
  transient?: Record<string, unknown>;
}

/** A flat setting's value in one layer as a string (lists joined with commas), null when unset. */
function layerValue(layer: Record<string, unknown> | undefined, key: string): string | null {
  const v = layer?.[key];
  if (Array.isArray(v)) return v.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join(',');
  if (typeof v === 'string') return v;
  return v === undefined || v === null ? null : JSON.stringify(v);
}

export function toAllocationSettings(body: SettingsBody): AllocationSettings {
  const layered = (key: string): LayeredSetting => ({ persistent: layerValue(body.persistent, key), transient: layerValue(body.transient, key) });
  return { [ALLOCATION_ENABLE]: layered(ALLOCATION_ENABLE), [ALLOCATION_EXCLUDE_NAME]: layered(ALLOCATION_EXCLUDE_NAME) };
}

const AWARENESS_ATTRIBUTES = 'cluster.routing.allocation.awareness.attributes';
const FORCE = /^cluster\.routing\.allocation\.awareness\.force\.(.+)\.values$/;

/** Awareness in force: each setting transient over persistent. */
export function toAwareness(body: SettingsBody): Awareness {
  const effective = (key: string): string | null => layerValue(body.transient, key) ?? layerValue(body.persistent, key);
  const force: Record<string, string[]> = {};
  for (const key of new Set([...Object.keys(body.persistent ?? {}), ...Object.keys(body.transient ?? {})])) {
    const attribute = FORCE.exec(key)?.[1];
    if (attribute !== undefined) force[attribute] = splitNames(effective(key));
  }
  return { attributes: splitNames(effective(AWARENESS_ATTRIBUTES)), force };
}

export function toAllocationEnable(settings: AllocationSettings): string | null {
  return effectiveSetting(settings[ALLOCATION_ENABLE]);
}

export function toAllocationExcludeNames(settings: AllocationSettings): string[] {
  return splitNames(effectiveSetting(settings[ALLOCATION_EXCLUDE_NAME]));
}

export interface ExplainBody {
  index?: string;
  shard?: number;
  primary?: boolean;
  current_state?: string;
  unassigned_info?: { reason?: string; last_allocation_status?: string };
  can_allocate?: string;
  allocate_explanation?: string;
  node_allocation_decisions?: {
    node_id?: string;
    node_name?: string;
    node_decision?: string;
    deciders?: { decider?: string; decision?: string; explanation?: string }[];
  }[];
}

type ExplainNodeBody = NonNullable<ExplainBody['node_allocation_decisions']>[number];

/**
 * One copy of each node decision read from many explain answers. Explain lists every data node for
 * every unassigned copy, and mid-upgrade most nodes answer every copy alike (refused for their
 * version): 2,000 unassigned copies on 1,000 nodes are two million node decisions, over a gigabyte
 * read one by one. The read model is never changed once read, so equal decisions can be one object
 * (frozen, to keep it so). Use one pool per batch of answers: it holds what it has seen until dropped.
 */
export class ExplainPool {
  /** By explanation text, then decider and decision: keys built from short strings only. */
  private readonly results = new Map<string, Map<string, { id: number; result: DeciderResult }>>();
  /** By the ids of their results. */
  private readonly lists = new Map<string, DeciderResult[]>();
  private readonly decisions = new Map<string, NodeAllocationDecision>();
  private resultCount = 0;

  nodeDecision(d: ExplainNodeBody): NodeAllocationDecision {
    const results = (d.deciders ?? []).map((r) => this.result(r));
    const listKey = results.map((r) => r.id).join(',');
    let deciders = this.lists.get(listKey);
    if (!deciders) {
      deciders = Object.freeze(results.map((r) => r.result)) as DeciderResult[];
      this.lists.set(listKey, deciders);
    }
    const nodeId = d.node_id ?? '';
    const nodeName = d.node_name ?? '';
    const nodeDecision = d.node_decision ?? '';
    const key = `${nodeId}\u0001${nodeName}\u0001${nodeDecision}\u0001${listKey}`;
    let decision = this.decisions.get(key);
    if (!decision) {
      decision = Object.freeze({ nodeId, nodeName, nodeDecision, deciders });
      this.decisions.set(key, decision);
    }
    return decision;
  }

  private result(r: NonNullable<ExplainNodeBody['deciders']>[number]): { id: number; result: DeciderResult } {
    const explanation = r.explanation ?? '';
    let byText = this.results.get(explanation);
    if (!byText) {
      byText = new Map<string, { id: number; result: DeciderResult }>();
      this.results.set(explanation, byText);
    }
    const decider = r.decider ?? '';
    const decision = toDeciderDecision(r.decision);
    const key = `${decider}\u0001${decision}`;
    let known = byText.get(key);
    if (!known) {
      known = { id: this.resultCount++, result: Object.freeze({ decider, decision, explanation }) };
      byText.set(key, known);
    }
    return known;
  }
}

/** Reads one explain answer; answers read with the same pool share their equal node decisions. */
export function toAllocationExplanation(body: ExplainBody, pool = new ExplainPool()): AllocationExplanation {
  const explanation: AllocationExplanation = {
    index: body.index ?? '',
    shard: body.shard ?? 0,
    primary: body.primary ?? false,
    currentState: body.current_state ?? '',
    nodeDecisions: (body.node_allocation_decisions ?? []).map((d) => pool.nodeDecision(d)),
  };
  if (body.unassigned_info?.reason !== undefined) explanation.unassignedReason = body.unassigned_info.reason;
  if (body.unassigned_info?.last_allocation_status !== undefined) {
    explanation.lastAllocationStatus = body.unassigned_info.last_allocation_status;
  }
  if (body.can_allocate !== undefined) explanation.canAllocate = body.can_allocate;
  if (body.allocate_explanation !== undefined) explanation.allocateExplanation = body.allocate_explanation;
  return explanation;
}

function toDeciderDecision(raw: string | undefined): DeciderDecision {
  // "ALWAYS" is a yes that cannot be overridden.
  if (raw === 'YES' || raw === 'ALWAYS') return 'YES';
  if (raw === 'THROTTLE') return 'THROTTLE';
  return 'NO';
}
