import { noMovingShards } from '../../../src/upgrade/rules/no-moving-shards.ts';
import { aNode } from '../builders.ts';
import { testRule } from './rule-tester.ts';

testRule(noMovingShards, {
  valid: [
    { name: 'nothing moving', world: () => ({ nodes: [aNode('d-1').data()] }) },
    { name: 'a master candidate is not judged', world: () => ({ nodes: [aNode('m-1').master()], health: { relocatingShards: 2 } }) },
  ],
  invalid: [{ name: 'recoveries under way', world: () => ({ nodes: [aNode('d-1').data()], health: { initializingShards: 1, relocatingShards: 2 } }), reason: /1 initializing and 2 relocating shards/ }],
});
