import { noSingleCopyShards } from '../../../src/upgrade/rules/no-single-copy-shards.ts';
import { aNode, shard } from '../builders.ts';
import { testRule } from './rule-tester.ts';

const nodes = () => [aNode('d-1').data(), aNode('d-2').data()];

testRule(noSingleCopyShards, {
  valid: [
    { name: 'every shard has a replica', world: () => ({ nodes: nodes(), shards: [shard('logs', 0, true, 'STARTED', 'd-1'), shard('logs', 0, false, 'STARTED', 'd-2')] }) },
    { name: 'a lone copy drained instead', world: () => ({ nodes: nodes(), shards: [shard('solo', 0, true, 'STARTED', 'd-1')] }), options: { strategy: 'drain' } },
    { name: 'a lone copy on another node', world: () => ({ nodes: nodes(), shards: [shard('solo', 0, true, 'STARTED', 'd-2')] }) },
  ],
  invalid: [{ name: 'a shard with no replica at all', world: () => ({ nodes: nodes(), shards: [shard('solo', 0, true, 'STARTED', 'd-1')] }), reason: /1 shard copy has no other copy \(\[solo\]\[0\]\).*--strategy drain/ }],
});
