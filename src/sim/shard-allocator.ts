// The allocation deciders that matter to a rolling upgrade, named and worded as Elasticsearch names
// and words them, so the explain output the upgrade logic judges looks like the real one. They read
// the routing table through AllocationView, whose lookups are indexed (no scan of every copy), and
// report only what is not a YES: nothing downstream shows a YES's wording.

import type { DeciderResult, HealthStatus, ShardCopy, ShardState } from '../upgrade/model.ts';
import { compareVersions } from '../shared/versions.ts';

export type AllocationEnable = 'all' | 'primaries' | 'new_primaries' | 'none';

export interface AllocNode {
  id: string;
  name: string;
  version: string;
  /** Custom node attributes (`node.attr.*`), e.g. the zone awareness reads. */
  attributes: Record<string, string>;
}

export interface AllocIndex {
  name: string;
  primaries: number;
  replicas: number;
  /** Bytes of one shard copy: what a recovery or relocation moves. */
  shardBytes: number;
  delayedTimeoutMs: number;
  requireName?: string;
  excludeNames: string[];
  /** See IndexSpec.heldBackWhileMixed. */
  heldBackWhileMixed: boolean;
  /** The index's shards, by number. */
  groups: ShardGroup[];
}

/** One shard: its primary and replicas. */
export interface ShardGroup {
  index: AllocIndex;
  shard: number;
  copies: AllocCopy[];
  /** As `_cluster/health` judges this shard; kept current by the routing table. */
  health: HealthStatus;
}

export interface UnassignedInfo {
  reason: string;
  atMs: number;
  /** Replicas of a departed node wait this long for it to come back (`delayed_timeout`). */
  delayedUntilMs?: number;
}

export interface AllocCopy {
  allocationId: string;
  index: string;
  shard: number;
  group: ShardGroup;
  primary: boolean;
  state: ShardState;
  nodeId?: string;
  /** Target of a relocation (state RELOCATING). */
  relocatingNodeId?: string;
  unassigned?: UnassignedInfo;
  /**
   * A primary whose data existed somewhere. Once unassigned it can only come back on a node holding
   * that data; nodes here return with new ids and empty disks, so it never does (red for good).
   */
  existingStore: boolean;
  /** Bumped on every change so a scheduled recovery end for an older state is ignored. */
  epoch: number;
  /** An unassigned replica the balancer holds back (IndexSpec.heldBackWhileMixed). */
  heldBack?: boolean;
  /** Unassigned, waiting for a recovery slot on the node the balancer picked (Elasticsearch's DECIDERS_THROTTLED). */
  throttled?: boolean;
  /** The routing table's bookkeeping of the copy's running recovery or relocation. */
  recovery?: CopyRecovery;
  /** The copy as `_cat/shards` shows it, cached until it changes. */
  row?: ShardCopy;
}

/** A recovery or relocation under way: what to stop, and where its recovery slots are held. */
export interface CopyRecovery {
  stop: () => void;
  targetId: string;
  /** Undefined for a new primary, which starts empty: an initial recovery, not a peer recovery. */
  sourceId: string | undefined;
}

export interface AwarenessSettings {
  /** `cluster.routing.allocation.awareness.attributes`. */
  attributes: string[];
  /** `cluster.routing.allocation.awareness.force.<attribute>.values`. */
  force: Record<string, string[]>;
}

/** Elasticsearch's defaults: `node_concurrent_{incoming,outgoing}_recoveries`, `node_initial_primaries_recoveries`. */
export interface RecoveryLimits {
  incoming: number;
  outgoing: number;
  initialPrimaries: number;
}

export const DEFAULT_RECOVERY_LIMITS: RecoveryLimits = { incoming: 2, outgoing: 2, initialPrimaries: 4 };

/** What the deciders read: the routing table's indexed state. */
export interface AllocationView {
  readonly nowMs: number;
  readonly enable: AllocationEnable;
  readonly excludeNames: ReadonlySet<string>;
  readonly awareness: AwarenessSettings;
  readonly limits: RecoveryLimits;
  /** A data node present, by id. */
  dataNode(id: string | undefined): AllocNode | undefined;
  /** Peer recoveries onto the node: replicas initializing there and relocations to it. */
  incoming(nodeId: string): number;
  /** New primaries initializing on the node (initial recoveries, apart from the peer ones, as in Elasticsearch). */
  initialPrimaries(nodeId: string): number;
  /** Recoveries from the node: peer recoveries of replicas from its primaries and relocations away. */
  outgoing(nodeId: string): number;
  /** Values of a node attribute among the data nodes present. */
  attributeValues(attribute: string): ReadonlySet<string>;
}

const no = (decider: string, explanation: string): DeciderResult => ({ decider, decision: 'NO', explanation });
const throttle = (decider: string, explanation: string): DeciderResult => ({ decider, decision: 'THROTTLE', explanation });

export function isActive(copy: AllocCopy): boolean {
  return copy.state === 'STARTED' || copy.state === 'RELOCATING';
}

export function isDelayed(copy: AllocCopy, nowMs: number): boolean {
  return copy.state === 'UNASSIGNED' && (copy.unassigned?.delayedUntilMs ?? 0) > nowMs;
}

export function primaryOf(copy: AllocCopy): AllocCopy | undefined {
  for (const c of copy.group.copies) if (c.primary) return c;
  return undefined;
}

/** `[index][0], node[id], [P], s[STARTED], a[id=...]`, as ShardRouting prints itself. */
function describeCopy(copy: AllocCopy): string {
  return `[${copy.index}][${copy.shard}], node[${copy.nodeId ?? 'null'}], [${copy.primary ? 'P' : 'R'}], s[${copy.state}], a[id=${copy.allocationId}]`;
}

/**
 * Deciders that depend on the copy alone (the same answer on every node): checked once before
 * looking for a node at all.
 */
export function copyRefusals(view: AllocationView, copy: AllocCopy): DeciderResult[] {
  const results: DeciderResult[] = [];
  if (!copy.primary) {
    const primary = primaryOf(copy);
    if (!primary || !isActive(primary)) results.push(no('replica_after_primary_active', 'primary shard for this replica is not yet active'));
  }
  const enable = decideEnable(view.enable, copy);
  if (enable) results.push(enable);
  return results;
}

/** Every non-YES answer for putting `copy` on `node` (a new allocation, or the target of a move), in Elasticsearch's order. */
export function refusals(view: AllocationView, copy: AllocCopy, node: AllocNode): DeciderResult[] {
  const results = copyRefusals(view, copy);
  for (const decider of NODE_DECIDERS) {
    const result = decider(view, copy, node);
    if (result === null) continue;
    if (Array.isArray(result)) results.push(...result);
    else results.push(result);
  }
  return results;
}

/** Whether every node-level decider says YES (the copy-level ones are checked apart, once). */
export function nodeAccepts(view: AllocationView, copy: AllocCopy, node: AllocNode): boolean {
  return decideThrottling(view, copy, node) === null && nodeAllows(view, copy, node);
}

/** Whether every node-level decider but throttling says YES: the node takes the copy now or once a recovery slot frees. */
export function nodeAllows(view: AllocationView, copy: AllocCopy, node: AllocNode): boolean {
  for (const decider of FAST_ORDER) if (decider(view, copy, node) !== null) return false;
  return true;
}

type NodeDecider = (view: AllocationView, copy: AllocCopy, node: AllocNode) => DeciderResult | DeciderResult[] | null;

// The order explain lists them in.
const NODE_DECIDERS: NodeDecider[] = [decideVersion, decideFilter, decideSameShard, decideThrottling, decideAwareness];
// A yes or no needs no order: the cheap ones that refuse most often first (throttling, the cheapest, apart).
const FAST_ORDER: NodeDecider[] = [decideSameShard, decideVersion, decideFilter, decideAwareness];

const versionOrder = new Map<string, Map<string, number>>();

/** compareVersions, remembered: a reroute compares the same few versions over and over. */
function compareVersionsCached(a: string, b: string): number {
  if (a === b) return 0;
  let row = versionOrder.get(a);
  if (!row) {
    row = new Map();
    versionOrder.set(a, row);
  }
  let order = row.get(b);
  if (order === undefined) {
    order = compareVersions(a, b);
    row.set(b, order);
  }
  return order;
}

// The deciders' wording is worded once per input and the same string handed out after that: explain
// asks every node about every unassigned copy, and whoever compares or pools the answers (the
// adapter's ExplainPool, DecisionPool) hashes each string it is given once, not once per copy.
const ENABLE_TEXT: Record<AllocationEnable, string> = {
  all: '',
  none: 'no allocations are allowed due to cluster setting [cluster.routing.allocation.enable=none]',
  primaries: 'replica allocations are forbidden due to cluster setting [cluster.routing.allocation.enable=primaries]',
  new_primaries: 'non-new primary allocations are forbidden due to cluster setting [cluster.routing.allocation.enable=new_primaries]',
};

function decideEnable(enable: AllocationEnable, copy: AllocCopy): DeciderResult | null {
  switch (enable) {
    case 'all':
      return null;
    case 'none':
      return no('enable', ENABLE_TEXT.none);
    case 'primaries':
      return copy.primary ? null : no('enable', ENABLE_TEXT.primaries);
    case 'new_primaries':
      return copy.primary && copy.state === 'UNASSIGNED' && !copy.existingStore ? null : no('enable', ENABLE_TEXT.new_primaries);
  }
}

const replicaVersionTexts = new Map<string, Map<string, [string, string]>>();

/** The two NOs' wording for a replica on a node of `nodeVersion` whose primary is on `primaryVersion`. */
function replicaVersionText(nodeVersion: string, primaryVersion: string): [string, string] {
  let row = replicaVersionTexts.get(nodeVersion);
  if (!row) {
    row = new Map();
    replicaVersionTexts.set(nodeVersion, row);
  }
  let texts = row.get(primaryVersion);
  if (!texts) {
    texts = [
      `cannot allocate replica shard to a node with index version [${nodeVersion}] since this is older than the primary index version [${primaryVersion}]`,
      `cannot allocate replica shard to a node with version [${nodeVersion}] since this is older than the primary version [${primaryVersion}]`,
    ];
    row.set(primaryVersion, texts);
  }
  return texts;
}

// Elasticsearch's NodeVersionAllocationDecider: a replica must not land on a node older than its
// primary's (it could not replay operations written by the newer version), and a primary must not
// move to an older node. This is what keeps a replica unassigned mid-upgrade: a "version conflict".
// Real masters answer a replica's conflict with two NOs, index_version before node_version.
function decideVersion(view: AllocationView, copy: AllocCopy, node: AllocNode): DeciderResult | DeciderResult[] | null {
  if (copy.primary) {
    const source = copy.state === 'UNASSIGNED' ? undefined : view.dataNode(copy.nodeId);
    if (source && compareVersionsCached(node.version, source.version) < 0) {
      return no(
        'node_version',
        `cannot relocate primary shard from a node with version [${source.version}] to a node with older version [${node.version}]`,
      );
    }
    return null;
  }
  const primary = primaryOf(copy);
  const primaryNode = primary && isActive(primary) ? view.dataNode(primary.nodeId) : undefined;
  if (!primaryNode || compareVersionsCached(node.version, primaryNode.version) >= 0) return null;
  const [indexText, nodeText] = replicaVersionText(node.version, primaryNode.version);
  return [no('index_version', indexText), no('node_version', nodeText)];
}

function decideFilter(view: AllocationView, copy: AllocCopy, node: AllocNode): DeciderResult | null {
  const reason = filterRefusal(view, copy.group.index, node);
  return reason ? no('filter', reason) : null;
}

/** Why the filters keep `node` from holding a copy of `index`, if they do (also decides "can remain"). */
export function filterRefusal(view: AllocationView, index: AllocIndex, node: AllocNode): string | undefined {
  if (index.requireName !== undefined && index.requireName !== node.name) {
    return `node does not match index setting [index.routing.allocation.require] filters [_name:"${index.requireName}"]`;
  }
  if (index.excludeNames.includes(node.name)) {
    return excludedText(index.excludeNames, 'index setting [index.routing.allocation.exclude]');
  }
  if (view.excludeNames.has(node.name)) {
    return excludedText(view.excludeNames, 'cluster setting [cluster.routing.allocation.exclude]');
  }
  return undefined;
}

const excludedTexts = new WeakMap<ReadonlySet<string> | readonly string[], string>();

/**
 * The refusal of an exclude filter, worded once per list: excluding a zone names hundreds of nodes,
 * and explain words the refusal for each of them, for every unassigned copy. A list is never changed
 * once made (a new setting is a new list), and belongs to one setting.
 */
function excludedText(names: ReadonlySet<string> | readonly string[], setting: string): string {
  let text = excludedTexts.get(names);
  if (text === undefined) {
    text = `node matches ${setting} filters [_name:"${[...names].join(',')}"]`;
    excludedTexts.set(names, text);
  }
  return text;
}

function decideSameShard(_view: AllocationView, copy: AllocCopy, node: AllocNode): DeciderResult | null {
  for (const sibling of copy.group.copies) {
    if (sibling === copy) continue;
    if (sibling.nodeId === node.id || sibling.relocatingNodeId === node.id) {
      return no('same_shard', `a copy of this shard is already allocated to this node [${describeCopy(sibling)}]`);
    }
  }
  return null;
}

/** The node a recovery of `copy` would read from: its primary's (a replica), its own (a move), none (a new primary). */
export function recoverySourceOf(copy: AllocCopy): string | undefined {
  if (copy.state === 'STARTED' || copy.state === 'RELOCATING') return copy.nodeId;
  if (copy.primary) return undefined;
  return primaryOf(copy)?.nodeId;
}

function decideThrottling(view: AllocationView, copy: AllocCopy, node: AllocNode): DeciderResult | null {
  const { limits } = view;
  const initialPrimary = copy.primary && copy.state === 'UNASSIGNED';
  const limit = initialPrimary ? limits.initialPrimaries : limits.incoming;
  const incoming = initialPrimary ? view.initialPrimaries(node.id) : view.incoming(node.id);
  if (incoming >= limit) {
    return throttle(
      'throttling',
      initialPrimary
        ? `reached the limit of ongoing initial primary recoveries [${incoming}], cluster setting [cluster.routing.allocation.node_initial_primaries_recoveries=${limits.initialPrimaries}]`
        : `reached the limit of incoming shard recoveries [${incoming}], cluster setting [cluster.routing.allocation.node_concurrent_incoming_recoveries=${limits.incoming}] (can also be set via [cluster.routing.allocation.node_concurrent_recoveries])`,
    );
  }
  const source = initialPrimary ? undefined : recoverySourceOf(copy);
  if (source !== undefined && view.outgoing(source) >= limits.outgoing) {
    return throttle(
      'throttling',
      `reached the limit of outgoing shard recoveries [${view.outgoing(source)}] on the node [${source}] which holds the primary, cluster setting [cluster.routing.allocation.node_concurrent_outgoing_recoveries=${limits.outgoing}] (can also be set via [cluster.routing.allocation.node_concurrent_recoveries])`,
    );
  }
  return null;
}

// Elasticsearch's AwarenessAllocationDecider: with N copies of a shard and K values of the attribute
// (those of the data nodes present, plus the forced ones), no value may hold more than ceil(N / K)
// copies. Forced values that have no node keep their share unassigned instead of crowding the others.
function decideAwareness(view: AllocationView, copy: AllocCopy, node: AllocNode): DeciderResult | null {
  const { attributes, force } = view.awareness;
  if (attributes.length === 0) return null;
  const setting = `cluster setting [cluster.routing.allocation.awareness.attributes=${attributes.join(',')}]`;
  for (const attribute of attributes) {
    const value = node.attributes[attribute];
    if (value === undefined) return no('awareness', `node does not contain the awareness attribute [${attribute}]; required attributes ${setting}`);
    const present = view.attributeValues(attribute);
    const forced = force[attribute] ?? [];
    const values = forced.length === 0 ? present.size : new Set([...present, ...forced]).size;
    const copies = copy.group.index.replicas + 1;
    const allowed = Math.ceil(copies / Math.max(1, values));
    // Siblings count where they will be: a relocating one at its target.
    let count = 1;
    for (const sibling of copy.group.copies) {
      if (sibling === copy || sibling.state === 'UNASSIGNED') continue;
      const at = view.dataNode(sibling.state === 'RELOCATING' ? sibling.relocatingNodeId : sibling.nodeId);
      if (at?.attributes[attribute] === value) count += 1;
    }
    if (count > allowed) {
      const forcedText = forced.length > 0 ? `[${forced.join(', ')}] forced` : 'no forced awareness';
      return no(
        'awareness',
        `there are [${copies}] copies of this shard and [${values}] values for attribute [${attribute}] ([${[...present].sort().join(', ')}] from nodes in the cluster and ${forcedText}) so there may be at most [${allowed}] copies of this shard allocated to nodes with each value, but (including this copy) there would be [${count}] copies allocated to nodes with [node.attr.${attribute}: ${value}]`,
      );
    }
  }
  return null;
}

export function summarise(results: DeciderResult[]): 'YES' | 'NO' | 'THROTTLE' {
  if (results.some((r) => r.decision === 'NO')) return 'NO';
  if (results.some((r) => r.decision === 'THROTTLE')) return 'THROTTLE';
  return 'YES';
}
