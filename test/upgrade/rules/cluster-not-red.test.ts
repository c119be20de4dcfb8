import { clusterNotRed } from '../../../src/upgrade/rules/cluster-not-red.ts';
import { aNode } from '../builders.ts';
import { testRule } from './rule-tester.ts';

testRule(clusterNotRed, {
  valid: [
    { name: 'green', world: () => ({ nodes: [aNode('m-1').master()] }) },
    { name: 'yellow', world: () => ({ nodes: [aNode('m-1').master()], health: { status: 'yellow' } }) },
  ],
  invalid: [{ name: 'red', world: () => ({ nodes: [aNode('m-1').master()], health: { status: 'red' } }), reason: /cluster health is red/ }],
});
