import { instanceInService } from '../../../src/upgrade/rules/instance-in-service.ts';
import { aNode } from '../builders.ts';
import { testRule } from './rule-tester.ts';

testRule(instanceInService, {
  valid: [
    { name: 'InService', world: () => ({ nodes: [aNode('d-1').data().lifecycle('InService')] }) },
    { name: 'no lifecycle state reported', world: () => ({ nodes: [aNode('d-1').data()] }) },
  ],
  invalid: [
    { name: 'Standby', world: () => ({ nodes: [aNode('d-1').data().lifecycle('Standby')] }), reason: /i-d-1 is Standby in group es-data, not InService: return it to service \(ExitStandby\)/ },
    { name: 'EnteringStandby', world: () => ({ nodes: [aNode('d-1').data().lifecycle('EnteringStandby')] }), reason: /EnteringStandby/ },
  ],
});
