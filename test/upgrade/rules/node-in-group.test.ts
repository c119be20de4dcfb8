import { nodeInGroup } from '../../../src/upgrade/rules/node-in-group.ts';
import { aNode } from '../builders.ts';
import { testRule } from './rule-tester.ts';

testRule(nodeInGroup, {
  valid: [{ name: 'in its group', world: () => ({ nodes: [aNode('d-1').data()] }) }],
  invalid: [{ name: 'in no group we can see', world: () => ({ nodes: [aNode('d-1').data().inGroup('')] }), reason: /i-d-1 is not in an Auto Scaling Group we can see/ }],
});
