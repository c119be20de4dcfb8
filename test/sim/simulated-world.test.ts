import { describe, expect, it } from 'vitest';
import { createSimulatedWorld, type SimulatedWorld, type SimulatedWorldOptions } from '../../src/sim/index.ts';

const base: SimulatedWorldOptions = { masters: 3, data: 3, fromVersion: '9.4.5', launchVersion: '9.5.4' };

/** A careful operator's rolling upgrade by hand: one node at a time, primaries-only for data nodes. */
async function upgradeByHand(world: SimulatedWorld): Promise<void> {
  const { cluster, fleet } = world;
  for (const node of cluster.nodes()) {
    const isData = node.roles.includes('data');
    if (isData) await cluster.setAllocationEnable('primaries');
    await fleet.terminateInGroup(node.attributes.instance_id ?? '');
    await cluster.waitForHealth({ nodes: '<6', timeoutMs: 600_000 });
    const joined = await cluster.waitForHealth({ nodes: '6', status: 'yellow', timeoutMs: 600_000 });
    if (joined.timedOut) throw new Error(`no replacement for ${node.name}`);
    if (isData) await cluster.setAllocationEnable(null);
    await cluster.waitForHealth({ status: 'green', timeoutMs: 3_600_000 });
  }
}

describe('createSimulatedWorld', () => {
  it('is deterministic: the same options give the same ids and the same timeline', async () => {
    const a = createSimulatedWorld(base);
    const b = createSimulatedWorld(base);
    await upgradeByHand(a);
    await upgradeByHand(b);
    expect(a.history.length).toBeGreaterThan(50);
    expect(b.history).toEqual(a.history);
    expect(b.terminatedInstanceIds()).toEqual(a.terminatedInstanceIds());
  });

  it('runs a whole 3 + 3 upgrade in a fraction of a second of real time, ending green on the new version', async () => {
    const world = createSimulatedWorld(base);
    const realStart = performance.now();
    await upgradeByHand(world);
    expect(performance.now() - realStart).toBeLessThan(500);
    const snapshot = await world.cluster.observe();
    expect(snapshot.health.status).toBe('green');
    expect(new Set(snapshot.nodes.map((n) => n.version))).toEqual(new Set(['9.5.4']));
    expect(world.terminatedInstanceIds()).toHaveLength(6);
    expect(world.joinedReplacements('master')).toBe(3);
    expect(world.joinedReplacements('data')).toBe(3);
    expect(world.clock.now().getTime() - new Date('2026-11-28T04:30:00Z').getTime()).toBeGreaterThan(6 * 60_000);
  });

  it('lets an observer sample the world at every event: never more than one node missing', async () => {
    const world = createSimulatedWorld(base);
    let fewest = Infinity;
    let samples = 0;
    world.onEvent((w) => {
      samples += 1;
      fewest = Math.min(fewest, w.cluster.nodes().length);
    });
    await upgradeByHand(world);
    expect(samples).toBeGreaterThan(50);
    expect(fewest).toBe(5);
  });

  it('creates the next hourly index on the upgraded node once the first data node is replaced: a version conflict', async () => {
    const world = createSimulatedWorld(base);
    world.when(
      (w) => w.joinedReplacements('data') === 1,
      (w) => w.createIndex({ name: 'logs-2026.11.28-05', primaries: 1, replicas: 1, primaryOn: 'newest' }),
    );
    const { cluster, fleet } = world;
    const first = cluster.node('es-data-1');
    await fleet.terminateInGroup(first?.instanceId ?? '');
    await cluster.waitForHealth({ nodes: '<6', timeoutMs: 600_000 });
    await cluster.waitForHealth({ nodes: '6', timeoutMs: 600_000 });
    const settled = await cluster.waitForHealth({ status: 'green', timeoutMs: 600_000 });
    expect(settled).toMatchObject({ status: 'yellow', timedOut: true, unassignedShards: 1 });
    const conflict = (await cluster.observe()).unassignedExplanations?.find((e) => e.index === 'logs-2026.11.28-05');
    expect(conflict?.nodeDecisions.flatMap((d) => d.deciders.map((r) => r.decider)).sort()).toEqual(['index_version', 'index_version', 'node_version', 'node_version', 'same_shard']);
  });
});

describe('a caller of the simulated world', () => {
  it('gets answers on a later macrotask, so a real abort can land even in a loop that never waits', async () => {
    const world = createSimulatedWorld(base);
    const controller = new AbortController();
    setImmediate(() => controller.abort(new Error('SIGINT')));
    let calls = 0;
    while (!controller.signal.aborted) {
      await world.cluster.observe();
      calls += 1;
    }
    expect(calls).toBeLessThan(10);
  });

  it('fails a caller that spins without ever letting virtual time pass, instead of hanging', async () => {
    const world = createSimulatedWorld(base);
    const spin = async (): Promise<void> => {
      for (;;) await world.cluster.observe();
    };
    await expect(spin()).rejects.toThrow(/without any time passing; the caller is spinning/);
  });

  it('shares one lease between two controllers of the same world, and none between two worlds', async () => {
    const a = createSimulatedWorld(base);
    const b = createSimulatedWorld(base);
    const one = await a.lock.acquire('one', '9.5.4', 60_000);
    if (!one.acquired) throw new Error('not acquired');
    // 'one' renews its lease while 'two' watches it: 'two' must not take it.
    a.clock.after(20_000, () => void a.lock.update(one.record, 60_000), 'renew');
    expect(await a.newLock().acquire('two', '9.5.4', 60_000)).toMatchObject({ acquired: false, heldBy: { holder: 'one' } });
    expect(await b.lock.acquire('two', '9.5.4', 60_000)).toMatchObject({ acquired: true });
    expect(b.clock.nowMs()).toBe(new Date('2026-11-28T04:30:00Z').getTime());
  });
});

describe('the world history', () => {
  it('reads as a timeline', async () => {
    const world = createSimulatedWorld(base);
    await world.fleet.terminateInGroup(world.cluster.node('es-data-1')?.instanceId ?? '');
    world.clock.advance(15_000);
    const lines = world.historyText().split('\n');
    expect(lines).toContainEqual(expect.stringMatching(/^2026-11-28T04:30:00.000Z instance-terminating i-[0-9a-f]{17} \(es-data\)$/));
    expect(lines).toContainEqual(expect.stringMatching(/^2026-11-28T04:30:11.000Z instance-shutting-down i-[0-9a-f]{17} \(es-data\)$/));
    expect(lines).toContainEqual('2026-11-28T04:30:13.000Z node-left es-data-1');
    expect(world.historyText(1).split('\n')).toHaveLength(1);
  });
});
