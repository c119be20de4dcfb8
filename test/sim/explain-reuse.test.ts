import { describe, expect, it } from 'vitest';
import { createSimulatedWorld, type SimulatedWorld } from '../../src/sim/index.ts';
import type { AllocationExplanation } from '../../src/upgrade/model.ts';

// A snapshot reuses what the data nodes said about an unassigned copy until the routing table
// changes. Each of these answers must be the one a fresh explain of that copy gives at that moment.

/** Every unassigned copy's explanation in the snapshot, and a fresh explain of the same copy, taken now. */
function explainBothWays(world: SimulatedWorld): { cached: AllocationExplanation[]; fresh: Promise<AllocationExplanation[]> } {
  const cached = world.cluster.snapshot().unassignedExplanations ?? [];
  // The simulated call reads the world when made (it answers on a later macrotask).
  const fresh = Promise.all(cached.map((e) => world.cluster.explainUnassigned({ index: e.index, shard: e.shard, primary: e.primary })));
  return { cached, fresh };
}

function instanceOf(world: SimulatedWorld, nodeName: string): string {
  const id = world.cluster.node(nodeName)?.instanceId;
  if (!id) throw new Error(`no node ${nodeName}`);
  return id;
}

describe('explanations in a snapshot', () => {
  it('match a fresh explain after every event and every change of an upgrade, settings and delays included', async () => {
    const world = createSimulatedWorld({
      masters: 3,
      data: 6,
      fromVersion: '9.4.5',
      launchVersion: '9.5.4',
      zoneAttribute: 'zone',
      awareness: { attributes: ['zone'] },
      indices: [
        { name: 'orders', primaries: 3, replicas: 1 },
        { name: 'picky', primaries: 1, replicas: 1, excludeNames: ['es-data-2'] },
      ],
    });
    const samples: ReturnType<typeof explainBothWays>[] = [];
    const sample = (): void => {
      samples.push(explainBothWays(world));
    };
    world.onEvent(sample);
    world.when(
      (w) => w.joinedReplacements('data') === 1,
      (w) => w.createIndex({ name: 'logs-2026.11.28-05', primaries: 2, replicas: 1, primaryOn: 'newest' }),
    );
    const { cluster, fleet, clock } = world;

    for (const [name, enable] of [['es-data-1', null], ['es-data-2', 'primaries'], ['es-data-3', null]] as const) {
      await cluster.setAllocationEnable(enable);
      await fleet.terminateInGroup(instanceOf(world, name));
      await cluster.waitForHealth({ nodes: '<9', timeoutMs: 600_000 });
      // Within the delay (allocation left enabled): only the time left changes from one look to the next.
      for (let k = 0; k < 3; k += 1) {
        clock.advance(5_000);
        sample();
      }
      await cluster.waitForHealth({ nodes: '9', timeoutMs: 600_000 });
      sample();
      // Settings that move nothing while the replicas wait.
      await cluster.setAllocationEnable('none');
      sample();
      await cluster.setAllocationExcludeNames(['es-data-5']);
      sample();
      await cluster.setAllocationExcludeNames(['es-data-5', 'es-data-6']);
      sample();
      await cluster.setAllocationExcludeNames([]);
      await cluster.setAllocationEnable(null);
      await cluster.waitForHealth({ status: 'green', timeoutMs: 3_600_000 });
      sample();
    }

    const explained = samples.filter((s) => s.cached.length > 0);
    expect(explained.length).toBeGreaterThan(20);
    const deciders = new Set(explained.flatMap((s) => s.cached.flatMap((e) => e.nodeDecisions.flatMap((d) => d.deciders.map((r) => r.decider)))));
    expect([...deciders].sort()).toEqual(expect.arrayContaining(['enable', 'filter', 'index_version', 'node_version', 'same_shard']));
    expect(explained.some((s) => s.cached.some((e) => e.canAllocate === 'allocation_delayed'))).toBe(true);
    // Each exclude list is worded as it stood.
    const filters = new Set(explained.flatMap((s) => s.cached.flatMap((e) => e.nodeDecisions.flatMap((d) => d.deciders.filter((r) => r.decider === 'filter').map((r) => r.explanation)))));
    expect(filters).toContain('node matches cluster setting [cluster.routing.allocation.exclude] filters [_name:"es-data-5"]');
    expect(filters).toContain('node matches cluster setting [cluster.routing.allocation.exclude] filters [_name:"es-data-5,es-data-6"]');
    for (const s of samples) expect(s.cached).toEqual(await s.fresh);
  });

  it('match those of a world that did not look before, once a copy alone changed (a held-back replica allocated by hand)', async () => {
    // Two identical worlds driven alike; only the first looks before the change (and keeps what it saw).
    const [looked, fresh] = await Promise.all([heldBackThenAllocated(true), heldBackThenAllocated(false)]);
    expect(looked.before.length).toBeGreaterThan(1);
    expect(looked.before.every((e) => e.lastAllocationStatus === 'no_attempt')).toBe(true);
    // The shard's other replica stays unassigned, now refused by the node its sibling went to.
    const sibling = fresh.after.find((e) => e.index === looked.allocated.index && e.shard === looked.allocated.shard);
    expect(sibling?.nodeDecisions.find((d) => d.nodeName === looked.allocated.node)?.deciders.map((r) => r.decider)).toEqual(['same_shard']);
    expect(looked.after).toEqual(fresh.after);
  });

  it('say, when read after the world moved on, what the nodes said when the snapshot was taken', async () => {
    const [late, early] = await Promise.all([explainedThenRead('after moving on'), explainedThenRead('at once')]);
    expect(early.length).toBeGreaterThan(0);
    expect(early.flatMap((e) => e.nodeDecisions.flatMap((d) => d.deciders.map((r) => r.decider)))).toContain('enable');
    expect(late).toEqual(early);
  });

  it('share equal node decisions among copies, as the real adapter does: a zone of replicas is millions of them', async () => {
    const world = createSimulatedWorld({
      masters: 3,
      data: 3,
      fromVersion: '9.4.5',
      launchVersion: '9.5.4',
      indices: [{ name: 'orders', primaries: 6, replicas: 1 }],
    });
    await world.cluster.setAllocationEnable('primaries');
    await world.fleet.terminateInGroup(instanceOf(world, 'es-data-1'));
    await world.cluster.waitForHealth({ nodes: '<6', timeoutMs: 600_000 });
    world.clock.advance(120_000);
    const explanations = world.cluster.snapshot().unassignedExplanations ?? [];
    expect(explanations.length).toBeGreaterThan(1);
    // Every replica is refused by enable alone on the node that holds no copy of its shard.
    const onNode = (e: AllocationExplanation, name: string): unknown => e.nodeDecisions.find((d) => d.nodeName === name);
    const [first, ...others] = explanations;
    const name = first?.nodeDecisions.find((d) => d.deciders.length === 1)?.nodeName ?? '';
    const alike = others.filter((e) => e.nodeDecisions.find((d) => d.nodeName === name)?.deciders.length === 1);
    expect(alike.length).toBeGreaterThan(0);
    for (const e of alike) expect(onNode(e, name)).toBe(first && onNode(first, name));
    expect(Object.isFrozen(first && onNode(first, name))).toBe(true);
  });
});

/**
 * A snapshot of replicas kept unassigned by allocation at primaries, its node decisions read at
 * once or only once allocation is back to all and the replicas have recovered.
 */
async function explainedThenRead(when: 'at once' | 'after moving on'): Promise<AllocationExplanation[]> {
  const world = createSimulatedWorld({ masters: 3, data: 3, fromVersion: '9.4.5', launchVersion: '9.5.4' });
  const { cluster, fleet } = world;
  await cluster.setAllocationEnable('primaries');
  await fleet.terminateInGroup(instanceOf(world, 'es-data-1'));
  await cluster.waitForHealth({ nodes: '<6', timeoutMs: 600_000 });
  await cluster.waitForHealth({ nodes: '6', timeoutMs: 600_000 });
  world.clock.advance(120_000);
  const explanations = cluster.snapshot().unassignedExplanations ?? [];
  if (when === 'at once') return structuredClone(explanations);
  await cluster.setAllocationEnable(null);
  await cluster.waitForHealth({ status: 'green', timeoutMs: 3_600_000 });
  return structuredClone(explanations);
}

/**
 * Replace a data node with replicas held back while versions are mixed, allocate one by hand, and
 * explain once that recovery is done (`lookBefore`: and once before allocating).
 */
async function heldBackThenAllocated(lookBefore: boolean): Promise<{
  before: AllocationExplanation[];
  allocated: { index: string; shard: number; node: string };
  after: AllocationExplanation[];
}> {
  const world = createSimulatedWorld({
    masters: 3,
    data: 3,
    fromVersion: '9.4.5',
    launchVersion: '9.5.4',
    // A copy for every node and one more: each shard keeps a replica unassigned (same_shard).
    indices: [{ name: 'held', primaries: 2, replicas: 3, heldBackWhileMixed: true }],
  });
  const { cluster, fleet } = world;
  await cluster.setAllocationEnable('primaries');
  await fleet.terminateInGroup(instanceOf(world, 'es-data-1'));
  await cluster.waitForHealth({ nodes: '<6', timeoutMs: 600_000 });
  await cluster.waitForHealth({ nodes: '6', timeoutMs: 600_000 });
  await cluster.setAllocationEnable(null);
  await cluster.waitForHealth({ noInitializingShards: true, timeoutMs: 600_000 });
  const before = lookBefore ? (cluster.snapshot().unassignedExplanations ?? []) : [];
  // The new node takes any of them; the same in both worlds.
  const allocated = { index: 'held', shard: 0, node: 'es-data-4' };
  await cluster.allocateReplica(allocated, allocated.node);
  await cluster.waitForHealth({ noInitializingShards: true, timeoutMs: 600_000 });
  return { before, allocated, after: cluster.snapshot().unassignedExplanations ?? [] };
}
