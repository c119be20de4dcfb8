import { groupProcessesActive } from '../../../src/upgrade/rules/group-processes-active.ts';
import { aNode } from '../builders.ts';
import { testRule } from './rule-tester.ts';

testRule(groupProcessesActive, {
  valid: [
    { name: 'nothing suspended', world: () => ({ nodes: [aNode('d-1').data()] }) },
    { name: 'a process that does not matter suspended', world: () => ({ nodes: [aNode('d-1').data()], groups: [{ name: 'es-data', suspendedProcesses: ['AZRebalance'] }] }) },
  ],
  invalid: [
    { name: 'Launch suspended', world: () => ({ nodes: [aNode('d-1').data()], groups: [{ name: 'es-data', suspendedProcesses: ['Launch'] }] }), reason: /es-data has suspended processes: Launch/ },
    { name: 'Terminate suspended', world: () => ({ nodes: [aNode('d-1').data()], groups: [{ name: 'es-data', suspendedProcesses: ['Terminate', 'AZRebalance'] }] }), reason: /Terminate, AZRebalance/ },
  ],
});
