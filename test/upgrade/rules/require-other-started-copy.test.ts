import { requireOtherStartedCopy } from '../../../src/upgrade/rules/require-other-started-copy.ts';
import { aNode, shard } from '../builders.ts';
import { testRule } from './rule-tester.ts';

const nodes = () => [aNode('d-1').data(), aNode('d-2').data()];

testRule(requireOtherStartedCopy, {
  valid: [
    { name: 'the other copy is started', world: () => ({ nodes: nodes(), shards: [shard('logs', 0, true, 'STARTED', 'd-1'), shard('logs', 0, false, 'STARTED', 'd-2')] }) },
    { name: 'drain moves it instead', world: () => ({ nodes: nodes(), shards: [shard('logs', 0, true, 'STARTED', 'd-1'), shard('logs', 0, false, 'INITIALIZING', 'd-2')] }), options: { strategy: 'drain' } },
  ],
  invalid: [
    { name: 'the other copy still initializing', world: () => ({ nodes: nodes(), shards: [shard('logs', 0, true, 'STARTED', 'd-1'), shard('logs', 0, false, 'INITIALIZING', 'd-2')] }), reason: /1 shard copy has no other started copy yet \(\[logs\]\[0\]\)/ },
    { name: 'the other copy unassigned', world: () => ({ nodes: nodes(), shards: [shard('logs', 0, false, 'STARTED', 'd-1'), shard('logs', 0, true, 'UNASSIGNED')] }), reason: /no other started copy/ },
  ],
});
