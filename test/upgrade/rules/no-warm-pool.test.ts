import { noWarmPool } from '../../../src/upgrade/rules/no-warm-pool.ts';
import { aNode } from '../builders.ts';
import { testRule } from './rule-tester.ts';

testRule(noWarmPool, {
  valid: [
    { name: 'no warm pool', world: () => ({ nodes: [aNode('d-1').data()] }) },
    { name: 'a warm pool on a group with nothing to replace', world: () => ({ nodes: [aNode('d-1').data().atTarget()], groups: [{ name: 'es-data', hasWarmPool: true }] }) },
  ],
  invalid: [{ name: 'a warm pool on a group with a stale node', world: () => ({ nodes: [aNode('d-1').data()], groups: [{ name: 'es-data', hasWarmPool: true }] }), reason: /es-data has a warm pool/ }],
});
