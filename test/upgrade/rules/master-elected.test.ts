import { masterElected } from '../../../src/upgrade/rules/master-elected.ts';
import { aNode } from '../builders.ts';
import { testRule } from './rule-tester.ts';

testRule(masterElected, {
  valid: [{ name: 'a master is elected', world: () => ({ nodes: [aNode('m-1').master()] }) }],
  invalid: [{ name: 'no master', world: () => ({ nodes: [aNode('m-1').master()], masterName: 'nobody' }), reason: /no elected master/ }],
});
