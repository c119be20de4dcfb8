import { allExpectedNodesPresent } from '../../../src/upgrade/rules/all-expected-nodes-present.ts';
import { aNode, OLD } from '../builders.ts';
import { testRule } from './rule-tester.ts';

const three = () => [aNode('m-1').master(), aNode('m-2').master(), aNode('m-3').master()];
const stray = { id: 'i-stray', privateIp: '10.9.9.9', state: 'running' as const, groupName: 'es-masters', tags: { Version: OLD } };

testRule(allExpectedNodesPresent, {
  valid: [
    { name: 'the groups are whole', world: () => ({ nodes: three() }) },
    { name: 'a stray instance ignored from the start', world: () => ({ nodes: three(), extraInstances: [stray] }), ignored: ['i-stray'] },
  ],
  invalid: [
    { name: 'a group short of capacity', world: () => ({ nodes: three(), groups: [{ name: 'es-masters', desiredCapacity: 4 }] }), reason: /group es-masters has 3 of 4/ },
    { name: 'an instance whose node has not joined', world: () => ({ nodes: three(), extraInstances: [stray] }), reason: /i-stray \(running\) has not joined/ },
    { name: 'a node whose instance is going', world: () => ({ nodes: [aNode('m-1').master().lifecycle('Terminating'), aNode('m-2').master(), aNode('m-3').master()] }), reason: /m-1 \(instance i-m-1 running, Terminating\) still in the cluster/ },
  ],
});
