import { moreThanOneMaster } from '../../../src/upgrade/rules/more-than-one-master.ts';
import { aNode } from '../builders.ts';
import { testRule } from './rule-tester.ts';

testRule(moreThanOneMaster, {
  valid: [
    { name: 'two masters', world: () => ({ nodes: [aNode('m-1').master(), aNode('m-2').master()] }) },
    { name: 'a data node is not judged', world: () => ({ nodes: [aNode('d-1').data(), aNode('m-1').master()] }) },
  ],
  invalid: [{ name: 'the only master-eligible node', world: () => ({ nodes: [aNode('m-1').master(), aNode('d-1').data()] }), reason: /m-1 is the only master-eligible node/ }],
});
