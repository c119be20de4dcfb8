// `_cluster/allocation/explain` for one shard copy, shaped as the real API answers it once mapped to
// the read model: per data node, only the deciders that did not say YES.

import type { AllocationExplanation, NodeAllocationDecision } from '../upgrade/model.ts';
import { isDelayed, refusals, summarise, type AllocationView, type AllocCopy, type AllocNode } from './shard-allocator.ts';

const NODE_DECISION = { YES: 'yes', NO: 'no', THROTTLE: 'throttled' } as const;

/** What every data node's deciders say about an unassigned copy: all of explain that does not depend on the time. */
export interface NodeVerdicts {
  nodeDecisions: NodeAllocationDecision[];
  anyYes: boolean;
  anyThrottled: boolean;
}

/** @param dataNodes the data nodes present, in join order (the order explain lists them in). */
export function decideNodes(view: AllocationView, copy: AllocCopy, dataNodes: AllocNode[]): NodeVerdicts {
  let anyYes = false;
  let anyThrottled = false;
  const nodeDecisions: NodeAllocationDecision[] = dataNodes.map((node) => {
    const deciders = refusals(view, copy, node);
    const decision = summarise(deciders);
    anyYes ||= decision === 'YES';
    anyThrottled ||= decision === 'THROTTLE';
    return { nodeId: node.id, nodeName: node.name, nodeDecision: NODE_DECISION[decision], deciders };
  });
  return { nodeDecisions, anyYes, anyThrottled };
}

/**
 * @param dataNodes the data nodes present, in join order (the order explain lists them in).
 * @param verdicts decideNodes' answer for this copy, if the caller has it already (it holds until the routing table changes).
 */
export function explainCopy(
  view: AllocationView,
  copy: AllocCopy,
  dataNodes: AllocNode[],
  verdicts?: () => NodeVerdicts,
): AllocationExplanation {
  const base = {
    index: copy.index,
    shard: copy.shard,
    primary: copy.primary,
    currentState: copy.state.toLowerCase(),
  };
  if (copy.state !== 'UNASSIGNED') return { ...base, nodeDecisions: [] };

  const reason = copy.unassigned?.reason ?? 'INDEX_CREATED';
  if (copy.primary && copy.existingStore) {
    return {
      ...base,
      unassignedReason: reason,
      canAllocate: 'no_valid_shard_copy',
      allocateExplanation:
        'cannot allocate because a previous copy of the primary shard existed but can no longer be found on the nodes in the cluster',
      nodeDecisions: dataNodes.map((n) => ({ nodeId: n.id, nodeName: n.name, nodeDecision: 'no', deciders: [] })),
    };
  }

  const { nodeDecisions, anyYes, anyThrottled } = verdicts ? verdicts() : decideNodes(view, copy, dataNodes);

  // The same order as Elasticsearch: deciders first, the delay only once some node would take it.
  let canAllocate: string;
  let allocateExplanation: string;
  if (anyYes && isDelayed(copy, view.nowMs)) {
    const leftSeconds = ((copy.unassigned?.delayedUntilMs ?? view.nowMs) - view.nowMs) / 1000;
    canAllocate = 'allocation_delayed';
    allocateExplanation = `cannot allocate because the cluster is still waiting [${leftSeconds.toFixed(1)}s] for the departed node holding a replica to rejoin, despite being allowed to allocate the shard to at least one other node`;
  } else if (anyYes) {
    canAllocate = 'yes';
    allocateExplanation = 'can allocate the shard';
    if (copy.heldBack) return { ...base, unassignedReason: reason, canAllocate, allocateExplanation, lastAllocationStatus: 'no_attempt', nodeDecisions };
  } else if (anyThrottled) {
    canAllocate = 'throttled';
    allocateExplanation = 'allocation temporarily throttled';
  } else {
    canAllocate = 'no';
    allocateExplanation = 'cannot allocate because allocation is not permitted to any of the nodes';
  }
  return { ...base, unassignedReason: reason, canAllocate, allocateExplanation, nodeDecisions };
}
