// `_cluster/allocation/explain` for one shard copy, shaped as the real API answers it once mapped to
// the read model: per data node, only the deciders that did not say YES.

import type { AllocationExplanation, NodeAllocationDecision } from '../upgrade/model.ts';
import { decide, isDelayed, summarise, type AllocCopy, type AllocationState } from './shard-allocator.ts';

const NODE_DECISION = { YES: 'yes', NO: 'no', THROTTLE: 'throttled' } as const;

export function explainCopy(state: AllocationState, copy: AllocCopy): AllocationExplanation {
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
      nodeDecisions: state.dataNodes.map((n) => ({ nodeId: n.id, nodeName: n.name, nodeDecision: 'no', deciders: [] })),
    };
  }

  const nodeDecisions: NodeAllocationDecision[] = state.dataNodes.map((node) => {
    const results = decide(state, copy, node);
    return {
      nodeId: node.id,
      nodeName: node.name,
      nodeDecision: NODE_DECISION[summarise(results)],
      deciders: results.filter((r) => r.decision !== 'YES'),
    };
  });
  const anyYes = nodeDecisions.some((d) => d.nodeDecision === 'yes');
  const anyThrottled = nodeDecisions.some((d) => d.nodeDecision === 'throttled');

  // The same order as Elasticsearch: deciders first, the delay only once some node would take it.
  let canAllocate: string;
  let allocateExplanation: string;
  if (anyYes && isDelayed(copy, state.nowMs)) {
    const leftSeconds = ((copy.unassigned?.delayedUntilMs ?? state.nowMs) - state.nowMs) / 1000;
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
