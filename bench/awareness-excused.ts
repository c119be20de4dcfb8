// A what-if for the benchmark, not a fix: the Cluster port as the controller would see it if its
// version-conflict judgement excused shard allocation awareness.
//
// With awareness on the zone, a replica of an index created on an upgraded node is refused by
// `awareness` on every node of its primary's zone and by the version deciders on every older node
// elsewhere: it waits for a node of another zone to be upgraded, exactly like a version conflict.
// The controller's judgement (src/upgrade/version-conflicts.ts) counts the awareness NO as a
// foreign refusal, so the cluster never settles and the run halts at its green timeout. Here, when
// some node refuses a replica only for versions, the nodes that refuse it only for awareness,
// versions or holding a copy are left out of the explanation the controller reads: what it would
// decide under that rule, on the same world. The controller itself is unchanged.

import type { AllocationExplanation, NodeAllocationDecision } from '../src/upgrade/model.ts';
import type { Cluster } from '../src/upgrade/ports.ts';

const VERSION_DECIDERS = new Set(['node_version', 'index_version']);
/** Refusals the controller's own settings cause while it replaces a node (its narrowing, its exclusions). */
const ITS_OWN = new Set(['enable', 'filter']);
const EXCUSABLE = new Set([...VERSION_DECIDERS, ...ITS_OWN, 'awareness', 'same_shard']);

function refusals(d: NodeAllocationDecision): NodeAllocationDecision['deciders'] {
  return d.deciders.filter((x) => x.decision !== 'YES');
}

/** The explanation with awareness excused, as described above; unchanged when the rule does not apply. */
export function excuseAwareness(e: AllocationExplanation): AllocationExplanation {
  if (e.primary || e.canAllocate !== 'no') return e;
  const onlyVersions = e.nodeDecisions.some((d) => {
    const r = refusals(d).filter((x) => !ITS_OWN.has(x.decider));
    return r.length > 0 && r.every((x) => x.decision === 'NO' && VERSION_DECIDERS.has(x.decider));
  });
  if (!onlyVersions) return e;
  const excused = (d: NodeAllocationDecision): boolean => {
    const r = refusals(d);
    return r.some((x) => x.decider === 'awareness' && x.decision === 'NO') && r.every((x) => x.decision === 'NO' && EXCUSABLE.has(x.decider));
  };
  return { ...e, nodeDecisions: e.nodeDecisions.filter((d) => !excused(d)) };
}

/** The cluster, its explanations passed through excuseAwareness. */
export function withAwarenessExcused(cluster: Cluster): Cluster {
  return {
    observe: async (signal) => {
      const snapshot = await cluster.observe(signal);
      const explained = snapshot.unassignedExplanations;
      return explained ? { ...snapshot, unassignedExplanations: explained.map(excuseAwareness) } : snapshot;
    },
    waitForHealth: (wait, signal) => cluster.waitForHealth(wait, signal),
    explainUnassigned: async (shard, signal) => excuseAwareness(await cluster.explainUnassigned(shard, signal)),
    putSettings: (settings, signal) => cluster.putSettings(settings, signal),
    allocateReplica: (shard, node, signal) => cluster.allocateReplica(shard, node, signal),
    excludeFromVoting: (ids, signal) => cluster.excludeFromVoting(ids, signal),
    clearVotingExclusions: (signal) => cluster.clearVotingExclusions(signal),
  };
}
