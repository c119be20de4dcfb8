// `_cluster/allocation/explain` for one shard copy, shaped as the real API answers it once mapped to
// the read model: per data node, only the deciders that did not say YES.

import type { AllocationExplanation, DeciderResult, NodeAllocationDecision } from '../upgrade/model.ts';
import { copyRefusals, isDelayed, nodeAccepts, refusals, summarise, type AllocationView, type AllocCopy, type AllocNode } from './shard-allocator.ts';

const NODE_DECISION = { YES: 'yes', NO: 'no', THROTTLE: 'throttled' } as const;

/**
 * What the data nodes' deciders say about an unassigned copy: the best answer any node gives, and
 * each node's answer, worked out when first asked for. All of explain that does not depend on the time.
 */
export interface NodeVerdicts {
  best: 'YES' | 'THROTTLE' | 'NO';
  nodeDecisions(): NodeAllocationDecision[];
}

/**
 * Equal node decisions shared among the explanations of one state of the routing table, as the real
 * adapter shares them (ExplainPool): most nodes answer most copies alike, and a zone's replicas
 * unassigned at 1,000 nodes are twenty million node decisions. Shared objects are frozen.
 */
export class DecisionPool {
  /** By explanation text, then decider and decision. */
  readonly #results = new Map<string, Map<string, { id: number; result: DeciderResult }>>();
  readonly #lists = new Map<string, DeciderResult[]>();
  /** Per node id, by its list's key. */
  readonly #decisions = new Map<string, Map<string, NodeAllocationDecision>>();
  #resultCount = 0;

  decision(node: AllocNode, results: DeciderResult[]): NodeAllocationDecision {
    let listKey = '';
    const shared: DeciderResult[] = [];
    for (const r of results) {
      const known = this.#result(r);
      listKey += `${known.id},`;
      shared.push(known.result);
    }
    let deciders = this.#lists.get(listKey);
    if (!deciders) {
      deciders = Object.freeze(shared) as DeciderResult[];
      this.#lists.set(listKey, deciders);
    }
    let byList = this.#decisions.get(node.id);
    if (!byList) {
      byList = new Map();
      this.#decisions.set(node.id, byList);
    }
    let decision = byList.get(listKey);
    if (!decision) {
      decision = Object.freeze({ nodeId: node.id, nodeName: node.name, nodeDecision: NODE_DECISION[summarise(deciders)], deciders });
      byList.set(listKey, decision);
    }
    return decision;
  }

  #result(r: DeciderResult): { id: number; result: DeciderResult } {
    let byText = this.#results.get(r.explanation);
    if (!byText) {
      byText = new Map();
      this.#results.set(r.explanation, byText);
    }
    const key = `${r.decider}\u0001${r.decision}`;
    let known = byText.get(key);
    if (!known) {
      known = { id: this.#resultCount++, result: Object.freeze({ ...r }) };
      byText.set(key, known);
    }
    return known;
  }
}

/** @param dataNodes the data nodes present, in join order (the order explain lists them in). */
function decideEachNode(
  view: AllocationView,
  copy: AllocCopy,
  dataNodes: readonly AllocNode[],
  pool?: DecisionPool,
): { best: NodeVerdicts['best']; decisions: NodeAllocationDecision[] } {
  let anyYes = false;
  let anyThrottled = false;
  const decisions: NodeAllocationDecision[] = dataNodes.map((node) => {
    const deciders = refusals(view, copy, node);
    const decision = summarise(deciders);
    anyYes ||= decision === 'YES';
    anyThrottled ||= decision === 'THROTTLE';
    return pool ? pool.decision(node, deciders) : { nodeId: node.id, nodeName: node.name, nodeDecision: NODE_DECISION[decision], deciders };
  });
  return { best: anyYes ? 'YES' : anyThrottled ? 'THROTTLE' : 'NO', decisions };
}

/**
 * The verdicts, each node's worked out only when read. The best answer is found without asking
 * every node where it can be: a refusal of the copy itself (`enable`, an inactive primary) is every
 * node's NO, and one node that takes it makes a YES. `view` and `copy` must not change afterwards
 * (see FrozenAllocationView).
 */
export function lazyVerdicts(view: AllocationView, copy: AllocCopy, dataNodes: readonly AllocNode[], pool?: DecisionPool): NodeVerdicts {
  let decisions: NodeAllocationDecision[] | undefined;
  const nodeDecisions = (): NodeAllocationDecision[] => (decisions ??= decideEachNode(view, copy, dataNodes, pool).decisions);
  if (copyRefusals(view, copy).length > 0) return { best: 'NO', nodeDecisions };
  if (dataNodes.some((node) => nodeAccepts(view, copy, node))) return { best: 'YES', nodeDecisions };
  const each = decideEachNode(view, copy, dataNodes, pool);
  decisions = each.decisions;
  return { best: each.best, nodeDecisions };
}

/**
 * @param dataNodes the data nodes present, in join order (the order explain lists them in).
 * @param verdicts the nodes' verdicts on this copy, if the caller has them already (see lazyVerdicts);
 *   the explanation's nodeDecisions are then worked out when first read.
 */
export function explainCopy(
  view: AllocationView,
  copy: AllocCopy,
  dataNodes: readonly AllocNode[],
  verdicts?: NodeVerdicts,
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

  let source = verdicts;
  if (!source) {
    const each = decideEachNode(view, copy, dataNodes);
    source = { best: each.best, nodeDecisions: () => each.decisions };
  }
  const anyYes = source.best === 'YES';
  const anyThrottled = source.best === 'THROTTLE';

  // The same order as Elasticsearch: deciders first, the delay only once some node would take it.
  let canAllocate: string;
  let allocateExplanation: string;
  if (anyYes && isDelayed(copy, view.nowMs)) {
    const leftSeconds = ((copy.unassigned?.delayedUntilMs ?? view.nowMs) - view.nowMs) / 1000;
    canAllocate = 'allocation_delayed';
    allocateExplanation = `cannot allocate because the cluster is still waiting [${leftSeconds.toFixed(1)}s] for the departed node holding a replica to rejoin, despite being allowed to allocate the shard to at least one other node`;
  } else if (anyYes && copy.throttled === true) {
    // Nodes would take it, but the balancer's pick for it is at its recovery limit: it waits there.
    canAllocate = 'throttled';
    allocateExplanation = 'allocation temporarily throttled';
  } else if (anyYes) {
    canAllocate = 'yes';
    allocateExplanation = 'can allocate the shard';
    if (copy.heldBack) {
      return withNodeDecisions({ ...base, unassignedReason: reason, canAllocate, allocateExplanation, lastAllocationStatus: 'no_attempt', nodeDecisions: [] }, source);
    }
  } else if (anyThrottled) {
    canAllocate = 'throttled';
    allocateExplanation = 'allocation temporarily throttled';
  } else {
    canAllocate = 'no';
    allocateExplanation = 'cannot allocate because allocation is not permitted to any of the nodes';
  }
  return withNodeDecisions({ ...base, unassignedReason: reason, canAllocate, allocateExplanation, nodeDecisions: [] }, source);
}

/**
 * The explanation's nodeDecisions, worked out on first read and a plain property from then on (in
 * its place among the others): to a reader, a plain object.
 */
function withNodeDecisions(explanation: AllocationExplanation, verdicts: NodeVerdicts): AllocationExplanation {
  Object.defineProperty(explanation, 'nodeDecisions', {
    configurable: true,
    enumerable: true,
    get(this: AllocationExplanation): NodeAllocationDecision[] {
      const value = verdicts.nodeDecisions();
      Object.defineProperty(this, 'nodeDecisions', { value, writable: true, configurable: true, enumerable: true });
      return value;
    },
    set(this: AllocationExplanation, value: NodeAllocationDecision[]): void {
      Object.defineProperty(this, 'nodeDecisions', { value, writable: true, configurable: true, enumerable: true });
    },
  });
  return explanation;
}
