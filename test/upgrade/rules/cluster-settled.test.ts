import { clusterSettled } from '../../../src/upgrade/rules/cluster-settled.ts';
import { aNode } from '../builders.ts';
import { testRule } from './rule-tester.ts';

const world = () => ({ nodes: [aNode('d-1').data()] });
const conflict = { index: 'logs', shard: 0, explanation: 'older than the primary' };

testRule(clusterSettled, {
  valid: [
    { name: 'green', world, settlement: { kind: 'green' } },
    { name: 'only version conflicts, accepted', world, settlement: { kind: 'version-conflicts-only', conflicts: [conflict], heldByNarrowing: 0 } },
    { name: 'only copies our narrowing holds, even with conflicts rejected', world, options: { versionConflicts: 'reject' }, settlement: { kind: 'version-conflicts-only', conflicts: [], heldByNarrowing: 2 } },
  ],
  invalid: [
    { name: 'version conflicts while they are rejected', world, options: { versionConflicts: 'reject' }, settlement: { kind: 'version-conflicts-only', conflicts: [conflict], heldByNarrowing: 0 }, reason: /1 replicas unassigned by version conflicts and --version-conflicts reject/ },
    {
      name: 'something else unassigned, naming the first',
      world,
      settlement: { kind: 'unsettled', reason: '1 unassigned shard copy is not a version conflict', blockers: [{ index: 'audit', shard: 3, primary: false, reason: 'disk watermark' }] },
      reason: /not a version conflict; e\.g\. \[audit\]\[3\]: disk watermark/,
    },
  ],
});
