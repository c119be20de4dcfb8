import { allocationEnabled } from '../../../src/upgrade/rules/allocation-enabled.ts';
import { ALLOCATION_ENABLE, ALLOCATION_EXCLUDE_NAME } from '../../../src/upgrade/model.ts';
import { aNode, T0 } from '../builders.ts';
import { testRule } from './rule-tester.ts';

const nodes = () => [aNode('d-1').data()];
const ours = {
  allocationOverride: {
    setAt: T0.toISOString(),
    nodeNames: ['d-1'],
    narrowed: true,
    found: { [ALLOCATION_ENABLE]: { persistent: null, transient: null }, [ALLOCATION_EXCLUDE_NAME]: { persistent: null, transient: null } },
  },
};

testRule(allocationEnabled, {
  valid: [
    { name: 'unset', world: () => ({ nodes: nodes() }) },
    { name: 'all, persistent', world: () => ({ nodes: nodes(), allocationEnable: 'all' }) },
    { name: 'transient all over a persistent none', world: () => ({ nodes: nodes(), allocationEnable: 'none', allocationEnableTransient: 'all' }) },
    { name: 'narrowed by this upgrade itself', world: () => ({ nodes: nodes(), allocationEnable: 'new_primaries' }), lease: ours },
  ],
  invalid: [
    { name: 'none, persistent', world: () => ({ nodes: nodes(), allocationEnable: 'none' }), reason: /"none" \(persistent\)/ },
    { name: 'primaries, transient', world: () => ({ nodes: nodes(), allocationEnableTransient: 'primaries' }), reason: /"primaries" \(transient\)/ },
    { name: 'new_primaries, persistent', world: () => ({ nodes: nodes(), allocationEnable: 'new_primaries' }), reason: /"new_primaries" \(persistent\).*set it back to "all"/ },
  ],
});
