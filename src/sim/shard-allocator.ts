// The allocation deciders that matter to a rolling upgrade, named and worded as Elasticsearch names
// and words them, so the explain output the upgrade logic judges looks like the real one. Pure: the
// cluster keeps the routing table and acts on what these functions decide.

import type { DeciderDecision, DeciderResult, ShardState } from '../upgrade/model.ts';
import { compareVersions } from '../shared/versions.ts';

export type AllocationEnable = 'all' | 'primaries' | 'new_primaries' | 'none';

export interface AllocNode {
  id: string;
  name: string;
  version: string;
}

export interface AllocIndex {
  name: string;
  primaries: number;
  replicas: number;
  docsPerShard: number;
  delayedTimeoutMs: number;
  requireName?: string;
  excludeNames: string[];
  /** See IndexSpec.heldBackWhileMixed. */
  heldBackWhileMixed: boolean;
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
}

export interface AllocationState {
  /** Data nodes, in join order. */
  dataNodes: AllocNode[];
  indices: Map<string, AllocIndex>;
  copies: AllocCopy[];
  enable: AllocationEnable;
  excludeNames: string[];
  nowMs: number;
}

/** Elasticsearch's defaults for concurrent incoming recoveries per node. */
const INCOMING_RECOVERIES = 2;
const INITIAL_PRIMARY_RECOVERIES = 4;

const yes = (decider: string, explanation: string): DeciderResult => ({ decider, decision: 'YES', explanation });
const no = (decider: string, explanation: string): DeciderResult => ({ decider, decision: 'NO', explanation });

export function isActive(copy: AllocCopy): boolean {
  return copy.state === 'STARTED' || copy.state === 'RELOCATING';
}

export function isDelayed(copy: AllocCopy, nowMs: number): boolean {
  return copy.state === 'UNASSIGNED' && (copy.unassigned?.delayedUntilMs ?? 0) > nowMs;
}

export function copiesOf(state: AllocationState, index: string, shard: number): AllocCopy[] {
  return state.copies.filter((c) => c.index === index && c.shard === shard);
}

/** `[index][0], node[id], [P], s[STARTED], a[id=...]`, as ShardRouting prints itself. */
export function describeCopy(copy: AllocCopy): string {
  return `[${copy.index}][${copy.shard}], node[${copy.nodeId ?? 'null'}], [${copy.primary ? 'P' : 'R'}], s[${copy.state}], a[id=${copy.allocationId}]`;
}

/** Every decider's answer for putting `copy` on `node` (a new allocation, or the target of a move). */
export function decide(state: AllocationState, copy: AllocCopy, node: AllocNode): DeciderResult[] {
  const siblings = copiesOf(state, copy.index, copy.shard).filter((c) => c !== copy);
  const primary = copy.primary ? undefined : siblings.find((c) => c.primary);
  const index = state.indices.get(copy.index);
  const results: DeciderResult[] = [];

  if (!copy.primary) {
    results.push(
      primary && isActive(primary)
        ? yes('replica_after_primary_active', 'primary shard for this replica is already active')
        : no('replica_after_primary_active', 'primary shard for this replica is not yet active'),
    );
  }
  results.push(decideEnable(state.enable, copy));
  // Real masters answer a version conflict with two NOs, index_version before node_version.
  const version = decideVersion(state, copy, node, primary);
  if (version.decision === 'NO' && !copy.primary) {
    results.push(no('index_version', version.explanation.replace('with version', 'with index version').replace('primary version', 'primary index version')));
  }
  results.push(version);
  results.push(decideFilter(state, index, node));

  const holder = siblings.find((c) => c.nodeId === node.id || c.relocatingNodeId === node.id);
  results.push(
    holder
      ? no('same_shard', `a copy of this shard is already allocated to this node [${describeCopy(holder)}]`)
      : yes('same_shard', 'this node does not hold a copy of this shard'),
  );

  const limit = copy.primary && copy.state === 'UNASSIGNED' ? INITIAL_PRIMARY_RECOVERIES : INCOMING_RECOVERIES;
  const incoming = state.copies.filter(
    (c) => (c.state === 'INITIALIZING' && c.nodeId === node.id) || c.relocatingNodeId === node.id,
  ).length;
  results.push(
    incoming >= limit
      ? {
          decider: 'throttling',
          decision: 'THROTTLE',
          explanation: `reached the limit of incoming shard recoveries [${incoming}], cluster setting [cluster.routing.allocation.node_concurrent_incoming_recoveries=${INCOMING_RECOVERIES}] (can also be set via [cluster.routing.allocation.node_concurrent_recoveries])`,
        }
      : yes('throttling', 'below shard recovery limit'),
  );
  return results;
}

function decideEnable(enable: AllocationEnable, copy: AllocCopy): DeciderResult {
  const setting = `cluster setting [cluster.routing.allocation.enable=${enable}]`;
  switch (enable) {
    case 'all':
      return yes('enable', 'all allocations are allowed');
    case 'none':
      return no('enable', `no allocations are allowed due to ${setting}`);
    case 'primaries':
      return copy.primary
        ? yes('enable', 'primary allocations are allowed')
        : no('enable', `replica allocations are forbidden due to ${setting}`);
    case 'new_primaries':
      return copy.primary && copy.state === 'UNASSIGNED' && !copy.existingStore
        ? yes('enable', 'new primary allocations are allowed')
        : no('enable', `non-new primary allocations are forbidden due to ${setting}`);
  }
}

// Elasticsearch's NodeVersionAllocationDecider: a replica must not land on a node older than its
// primary's (it could not replay operations written by the newer version), and a primary must not
// move to an older node. This is what keeps a replica unassigned mid-upgrade: a "version conflict".
function decideVersion(state: AllocationState, copy: AllocCopy, node: AllocNode, primary: AllocCopy | undefined): DeciderResult {
  const nodeOf = (id: string | undefined): AllocNode | undefined => state.dataNodes.find((n) => n.id === id);
  if (copy.primary) {
    const source = copy.state === 'UNASSIGNED' ? undefined : nodeOf(copy.nodeId);
    if (source && compareVersions(node.version, source.version) < 0) {
      return no(
        'node_version',
        `cannot relocate primary shard from a node with version [${source.version}] to a node with older version [${node.version}]`,
      );
    }
    return yes('node_version', 'the primary shard is new or already existed on the node');
  }
  const primaryNode = primary && isActive(primary) ? nodeOf(primary.nodeId) : undefined;
  if (!primaryNode) return yes('node_version', 'no active primary shard yet');
  if (compareVersions(node.version, primaryNode.version) < 0) {
    return no(
      'node_version',
      `cannot allocate replica shard to a node with version [${node.version}] since this is older than the primary version [${primaryNode.version}]`,
    );
  }
  return yes(
    'node_version',
    `can allocate replica shard to a node with version [${node.version}] since this is equal-or-newer than the primary version [${primaryNode.version}]`,
  );
}

function decideFilter(state: AllocationState, index: AllocIndex | undefined, node: AllocNode): DeciderResult {
  const reason = filterRefusal(state, index, node);
  return reason ? no('filter', reason) : yes('filter', 'node passes include/exclude/require filters');
}

/** Why the filters keep `node` from holding a copy of `index`, if they do (also decides "can remain"). */
export function filterRefusal(state: AllocationState, index: AllocIndex | undefined, node: AllocNode): string | undefined {
  if (index?.requireName !== undefined && index.requireName !== node.name) {
    return `node does not match index setting [index.routing.allocation.require] filters [_name:"${index.requireName}"]`;
  }
  if (index?.excludeNames.includes(node.name)) {
    return `node matches index setting [index.routing.allocation.exclude] filters [_name:"${index.excludeNames.join(',')}"]`;
  }
  if (state.excludeNames.includes(node.name)) {
    return `node matches cluster setting [cluster.routing.allocation.exclude] filters [_name:"${state.excludeNames.join(',')}"]`;
  }
  return undefined;
}

export function summarise(results: DeciderResult[]): DeciderDecision {
  if (results.some((r) => r.decision === 'NO')) return 'NO';
  if (results.some((r) => r.decision === 'THROTTLE')) return 'THROTTLE';
  return 'YES';
}

/**
 * The node `copy` should go to: among nodes every decider accepts, the one holding the fewest copies
 * (ties: the earliest to join), or `preferNodeId` when it is acceptable.
 */
export function chooseNode(state: AllocationState, copy: AllocCopy, preferNodeId?: string): AllocNode | undefined {
  const candidates = state.dataNodes.filter((n) => summarise(decide(state, copy, n)) === 'YES');
  const preferred = candidates.find((n) => n.id === preferNodeId);
  if (preferred) return preferred;
  const load = (n: AllocNode): number =>
    state.copies.filter((c) => c.nodeId === n.id || c.relocatingNodeId === n.id).length;
  let best: AllocNode | undefined;
  for (const node of candidates) {
    if (!best || load(node) < load(best)) best = node;
  }
  return best;
}

/** Recovery or relocation time of one copy. */
export function recoveryMs(index: AllocIndex | undefined, baseMs: number, msPerDoc: number): number {
  return Math.round(baseMs + (index?.docsPerShard ?? 0) * msPerDoc);
}
