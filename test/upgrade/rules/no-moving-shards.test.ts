import { noMovingShards } from '../../../src/upgrade/rules/no-moving-shards.ts';
import { aNode } from '../builders.ts';
import { testRule } from './rule-tester.ts';

testRule(noMovingShards, {
  valid: [
    { name: 'nothing moving', world: () => ({ nodes: [aNode('d-1').data()] }) },
    { name: 'a master candidate is not judged', world: () => ({ nodes: [aNode('m-1').master()], health: { relocatingShards: 2 } }) },
    { name: 'relocations in a green cluster: the balancer filling a joined node', world: () => ({ nodes: [aNode('d-1').data()], health: { status: 'green', relocatingShards: 2 } }) },
  ],
  invalid: [
    { name: 'recoveries under way', world: () => ({ nodes: [aNode('d-1').data()], health: { status: 'yellow', initializingShards: 1, relocatingShards: 2 } }), reason: /1 initializing and 2 relocating shards \(cluster yellow\)/ },
    { name: 'relocations in a yellow cluster', world: () => ({ nodes: [aNode('d-1').data()], health: { status: 'yellow', relocatingShards: 1 } }), reason: /0 initializing and 1 relocating/ },
  ],
});
