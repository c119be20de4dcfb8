import { oneMasterAtATime } from '../../../src/upgrade/rules/one-master-at-a-time.ts';
import { aNode } from '../builders.ts';
import { testRule } from './rule-tester.ts';

testRule(oneMasterAtATime, {
  valid: [
    { name: 'every master the group wants is here', world: () => ({ nodes: [aNode('m-1').master(), aNode('m-2').master(), aNode('m-3').master()] }) },
    { name: 'a data candidate is not judged', world: () => ({ nodes: [aNode('d-1').data(), aNode('m-1').master()], groups: [{ name: 'es-masters', desiredCapacity: 3 }] }) },
  ],
  invalid: [
    { name: 'a master missing', world: () => ({ nodes: [aNode('m-1').master(), aNode('m-2').master()], groups: [{ name: 'es-masters', desiredCapacity: 3 }] }), reason: /2 of 3 master-eligible nodes present/ },
  ],
});
