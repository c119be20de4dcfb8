import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/upgrade/plan.ts';
import { aNode, aWorld, defaultOptions, OLD } from './builders.ts';

describe('buildPlan', () => {
  const nodes = (): ReturnType<typeof aNode>[] => [
    aNode('m-1').master(),
    aNode('m-2').master().atTarget(),
    aNode('m-3').master(),
    aNode('d-2').data(),
    aNode('d-1').data(),
    aNode('c-1').data().withoutInstance(),
  ];

  it('orders stale masters (elected last) before data nodes and keeps the rest', () => {
    const options = defaultOptions();
    const plan = buildPlan(aWorld({ nodes: nodes(), masterName: 'm-1' }, options), options);
    expect(plan.rows.map((r) => [r.step, r.nodeName, r.action])).toEqual([
      [1, 'm-3', 'replace'],
      [2, 'm-1', 'replace'],
      [3, 'd-1', 'replace'],
      [4, 'd-2', 'replace'],
      [0, 'c-1', 'keep'],
      [0, 'm-2', 'keep'],
    ]);
    expect(plan.toReplace).toBe(4);
    expect(plan.orderReason).toMatch(/data-first/);
  });

  it('puts data nodes first with --order data-first, the elected master still last', () => {
    const options = defaultOptions({ order: 'data-first' });
    const plan = buildPlan(aWorld({ nodes: nodes(), masterName: 'm-3' }, options), options);
    expect(plan.rows.filter((r) => r.action === 'replace').map((r) => r.nodeName)).toEqual(['d-1', 'd-2', 'm-1', 'm-3']);
  });

  it('says why each node is kept or replaced, and reports orphans and launch versions', () => {
    const options = defaultOptions();
    const plan = buildPlan(aWorld({ nodes: nodes(), groups: [{ name: 'es-data', launchVersion: OLD }] }, options), options);
    const byName = new Map(plan.rows.map((r) => [r.nodeName, r]));
    expect(byName.get('m-1')?.reason).toBe('Version=9.4.5, target 9.5.4');
    expect(byName.get('m-2')?.reason).toBe('Version=9.5.4 is the target');
    expect(byName.get('c-1')?.reason).toMatch(/no EC2 instance/);
    expect(plan.orphans.nodesWithoutInstance.map((n) => n.nodeName)).toEqual(['c-1']);
    expect(plan.groups).toContainEqual(expect.objectContaining({ groupName: 'es-data', atTarget: false }));
    expect(byName.get('d-1')).toMatchObject({ instanceId: 'i-d-1', groupName: 'es-data', availabilityZone: 'ap-southeast-2a', versionTag: OLD });
  });

  it('matches nodes to instances by node attribute when told to', () => {
    const options = defaultOptions({ match: { kind: 'node-attribute', attribute: 'instance_id' } });
    const m = aNode('m-1').master();
    m.node.attributes.instance_id = 'i-m-1';
    m.node.ip = '127.0.0.1';
    const plan = buildPlan(aWorld({ nodes: [m] }, options), options);
    expect(plan.rows[0]).toMatchObject({ nodeName: 'm-1', instanceId: 'i-m-1', action: 'replace' });
  });

  it('numbers zone batches in the order the run takes them: the first candidate\'s zone first, steps following the batches', () => {
    const inZone = (name: string, zone: string): ReturnType<typeof aNode> => {
      const b = aNode(name).data();
      if (b.instance) b.instance.availabilityZone = zone;
      b.node.attributes.zone = zone;
      return b;
    };
    const options = defaultOptions({ order: 'data-first', batch: 'zone' });
    const world = aWorld({
      nodes: [aNode('m-1').master().atTarget(), inZone('d-1', 'zone-b'), inZone('d-2', 'zone-a'), inZone('d-3', 'zone-b'), inZone('d-4', 'zone-c'), inZone('d-5', 'zone-a')],
      awareness: { attributes: ['zone'], force: {} },
    }, options);
    const plan = buildPlan(world, options);
    expect(plan.batches).toEqual([
      { number: 1, zone: 'zone-b', nodeNames: ['d-1', 'd-3'] },
      { number: 2, zone: 'zone-a', nodeNames: ['d-2', 'd-5'] },
      { number: 3, zone: 'zone-c', nodeNames: ['d-4'] },
    ]);
    expect(plan.rows.filter((r) => r.action === 'replace').map((r) => [r.step, r.nodeName, r.batch])).toEqual([
      [1, 'd-1', 1], [2, 'd-3', 1], [3, 'd-2', 2], [4, 'd-5', 2], [5, 'd-4', 3],
    ]);
  });
});
