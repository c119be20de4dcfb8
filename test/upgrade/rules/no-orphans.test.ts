import { noOrphans } from '../../../src/upgrade/rules/no-orphans.ts';
import { aNode, OLD, T0 } from '../builders.ts';
import { testRule } from './rule-tester.ts';

const stray = { id: 'i-stray', privateIp: '10.9.9.9', state: 'running' as const, groupName: 'es-data', tags: { Version: OLD } };

testRule(noOrphans, {
  valid: [
    { name: 'every node has its instance', world: () => ({ nodes: [aNode('d-1').data()] }) },
    { name: 'orphans ignored', world: () => ({ nodes: [aNode('d-1').data(), aNode('d-x').data().withoutInstance()] }), options: { orphans: 'ignore' } },
    { name: 'judged only before anything changed', world: () => ({ nodes: [aNode('d-1').data(), aNode('d-x').data().withoutInstance()] }), atStart: false },
    {
      name: 'this upgrade\'s own replacement, still booting after an interrupted run, is awaited, not an orphan',
      world: () => ({ nodes: [aNode('d-1').data()], extraInstances: [{ ...stray, id: 'i-new', tags: { Version: '9.5.4' }, launchTime: new Date(T0.getTime() + 60_000) }] }),
      lease: { terminatedInstanceIds: ['i-d-0'] },
    },
    {
      name: 'a node of this upgrade whose instance EC2 no longer reports is leaving, not an orphan',
      world: () => ({ nodes: [aNode('d-1').data(), aNode('d-0').data().withoutInstance()] }),
      lease: { terminatedInstanceIds: ['i-d-0'], terminatedNodeIds: ['id-d-0'] },
    },
  ],
  invalid: [
    { name: 'a node with no instance', world: () => ({ nodes: [aNode('d-1').data(), aNode('d-x').data().withoutInstance()] }), reason: /nodes with no EC2 instance: d-x/ },
    { name: 'an instance with no node', world: () => ({ nodes: [aNode('d-1').data()], extraInstances: [stray] }), reason: /instances with no node: i-stray \(es-data\).*--orphans ignore/ },
  ],
});
