import { describe, expect, it } from 'vitest';
import { createSimulatedWorld, type SimulatedWorld, type SimulatedWorldOptions } from '../../src/sim/index.ts';

const MIB = 1024 * 1024;
const T0 = new Date('2026-11-28T04:30:00Z').getTime();
const base: SimulatedWorldOptions = { masters: 3, data: 3, fromVersion: '9.4.5', launchVersion: '9.5.4', indices: [] };
/** 400 MiB: ten seconds at 40 MiB/s, after the five-second fixed cost of every recovery. */
const SHARD = 400 * MIB;

/** When the index's primary and replica started (ms after the start), once both have. */
async function startTimes(world: SimulatedWorld, index: string): Promise<{ primary: number; replica: number }> {
  await world.cluster.waitForHealth({ status: 'green', noInitializingShards: true, timeoutMs: 3_600_000 });
  const at = (primary: boolean): number => {
    const event = world.history.find((e) => e.kind === 'shard-started' && e.detail === `[${index}][0]${primary ? ' primary' : ''}`);
    return (event?.at.getTime() ?? NaN) - T0;
  };
  return { primary: at(true), replica: at(false) };
}

describe('recovery throughput', () => {
  it.each([
    { case: 'sized in bytes', spec: { shardSizeBytes: SHARD }, options: {} },
    { case: 'sized in documents', spec: { docsPerShard: 409_600 }, options: { recovery: { bytesPerDoc: 1024 } } },
  ])('recovers a lone replica at 40 MiB/s after its fixed cost, $case', async ({ spec, options }) => {
    const world = createSimulatedWorld({ ...base, ...options });
    world.createIndex({ name: 'one', primaries: 1, replicas: 1, ...spec });
    // A new primary starts empty: the fixed cost only. Its replica then copies 400 MiB.
    expect(await startTimes(world, 'one')).toEqual({ primary: 5_000, replica: 5_000 + 5_000 + 10_000 });
    expect(world.cluster.stats()).toMatchObject({ recoveries: 2, bytesRecovered: SHARD, relocations: 0 });
  });

  it('shares a node\'s 40 MiB/s among its recoveries: two replicas from one node to another take twice as long', async () => {
    const world = createSimulatedWorld({ ...base, data: 2 });
    world.createIndex({ name: 'one', primaries: 1, replicas: 1, shardSizeBytes: SHARD, primaryOn: 'es-data-1' });
    world.createIndex({ name: 'two', primaries: 1, replicas: 1, shardSizeBytes: SHARD, primaryOn: 'es-data-1' });
    expect(await startTimes(world, 'one')).toEqual({ primary: 5_000, replica: 5_000 + 5_000 + 20_000 });
    expect(await startTimes(world, 'two')).toEqual({ primary: 5_000, replica: 5_000 + 5_000 + 20_000 });
  });

  it('with a faster max_bytes_per_sec, recovers faster', async () => {
    const world = createSimulatedWorld({ ...base, recovery: { maxBytesPerSec: 80 * MIB } });
    world.createIndex({ name: 'one', primaries: 1, replicas: 1, shardSizeBytes: SHARD });
    expect((await startTimes(world, 'one')).replica).toBe(5_000 + 5_000 + 5_000);
  });

  it('throttles a third recovery onto a node until one of its two incoming slots frees, then gives it the whole bandwidth', async () => {
    const world = createSimulatedWorld({ ...base, data: 4 });
    const others = ['es-data-1', 'es-data-2', 'es-data-3'];
    // Three primaries on three nodes; each replica can only go to es-data-4.
    for (const [i, name] of ['a', 'b', 'c'].entries()) {
      const primaryOn = others[i] ?? '';
      world.createIndex({ name, primaries: 1, replicas: 1, shardSizeBytes: SHARD, primaryOn, excludeNames: others.filter((n) => n !== primaryOn) });
    }
    await world.clock.sleep(10_000);
    const waiting = await world.cluster.explainUnassigned({ index: 'c', shard: 0, primary: false });
    expect(waiting.canAllocate).toBe('throttled');
    expect(waiting.nodeDecisions.find((d) => d.nodeName === 'es-data-4')?.deciders).toEqual([
      {
        decider: 'throttling',
        decision: 'THROTTLE',
        explanation: expect.stringMatching(/^reached the limit of incoming shard recoveries \[2\], cluster setting \[cluster.routing.allocation.node_concurrent_incoming_recoveries=2\]/) as unknown,
      },
    ]);
    // a and b share es-data-4's bandwidth, 20 MiB/s each; c had it to itself once they were done.
    expect((await startTimes(world, 'a')).replica).toBe(5_000 + 5_000 + 20_000);
    expect((await startTimes(world, 'b')).replica).toBe(5_000 + 5_000 + 20_000);
    expect((await startTimes(world, 'c')).replica).toBe(30_000 + 5_000 + 10_000);
  });

  it('throttles replicas of one primary beyond its node\'s two outgoing recoveries', async () => {
    const world = createSimulatedWorld({ ...base, data: 4 });
    world.createIndex({ name: 'wide', primaries: 1, replicas: 3, shardSizeBytes: SHARD, primaryOn: 'es-data-1' });
    await world.clock.sleep(10_000);
    const snapshot = await world.cluster.observe();
    expect(snapshot.shards.filter((s) => s.index === 'wide' && s.state === 'INITIALIZING')).toHaveLength(2);
    const waiting = await world.cluster.explainUnassigned({ index: 'wide', shard: 0, primary: false });
    expect(waiting.canAllocate).toBe('throttled');
    expect(waiting.nodeDecisions.flatMap((d) => d.deciders.map((r) => r.explanation))).toContainEqual(
      expect.stringMatching(/^reached the limit of outgoing shard recoveries \[2\] on the node \[\S+\] which holds the primary/),
    );
    await world.cluster.waitForHealth({ status: 'green', timeoutMs: 3_600_000 });
    expect(world.cluster.stats().bytesRecovered).toBe(3 * SHARD);
  });
});

describe('where the balancer puts a copy', () => {
  /** Four data nodes; es-data-1 to -3 hold `each` copies of a filler index, es-data-4 none. */
  function anEmptyFourth(each = 2): SimulatedWorld {
    const world = createSimulatedWorld({ ...base, data: 4 });
    world.createIndex({ name: 'filler', primaries: 3 * each, replicas: 0, shardSizeBytes: SHARD, excludeNames: ['es-data-4'] });
    return world;
  }

  async function nodeOf(world: SimulatedWorld, index: string, primary: boolean): Promise<string | undefined> {
    const snapshot = await world.cluster.observe();
    return snapshot.shards.find((c) => c.index === index && c.primary === primary)?.node;
  }

  it('waits for the emptiest node at its recovery limit rather than send a replica to a fuller node', async () => {
    // Prepare: es-data-4 is the emptiest; its two incoming slots go to the first two replicas.
    const world = anEmptyFourth();
    await world.clock.sleep(10_000);
    for (const [i, name] of ['a', 'b', 'c'].entries()) world.createIndex({ name, primaries: 1, replicas: 1, shardSizeBytes: SHARD, primaryOn: `es-data-${i + 1}` });

    // Act: once the primaries have started (five seconds).
    await world.clock.sleep(6_000);
    const waiting = await world.cluster.explainUnassigned({ index: 'c', shard: 0, primary: false });
    await world.cluster.waitForHealth({ status: 'green', timeoutMs: 3_600_000 });

    // Assess: c's replica waited, throttled, and went to es-data-4 once a slot freed.
    expect(waiting.canAllocate).toBe('throttled');
    expect(await Promise.all(['a', 'b', 'c'].map((name) => nodeOf(world, name, false)))).toEqual(['es-data-4', 'es-data-4', 'es-data-4']);
    expect((await startTimes(world, 'c')).replica).toBeGreaterThan((await startTimes(world, 'a')).replica);
  });

  it('counts new primaries apart from peer recoveries: a node receiving replicas still starts three new primaries at once', async () => {
    // Prepare: es-data-4 receives two replicas (its two incoming slots).
    const world = anEmptyFourth();
    await world.clock.sleep(10_000);
    for (const [i, name] of ['a', 'b'].entries()) world.createIndex({ name, primaries: 1, replicas: 1, shardSizeBytes: SHARD, primaryOn: `es-data-${i + 1}` });
    await world.clock.sleep(6_000);

    // Act: a new index's three primaries, meant for es-data-4.
    world.createIndex({ name: 'fresh', primaries: 3, replicas: 0, shardSizeBytes: SHARD, primaryOn: 'es-data-4' });
    const snapshot = await world.cluster.observe();

    // Assess
    const fresh = snapshot.shards.filter((c) => c.index === 'fresh');
    expect(fresh.map((c) => [c.node, c.state])).toEqual(Array(3).fill(['es-data-4', 'INITIALIZING']));
    expect(snapshot.shards.filter((c) => c.node === 'es-data-4' && !c.primary && c.state === 'INITIALIZING')).toHaveLength(2);
  });

  it('reports a new index yellow while its primaries wait for a slot on the emptiest node, not red', async () => {
    // Act: six new primaries; es-data-4 holds the fewest copies even with four of them starting
    // (node_initial_primaries_recoveries), so the other two wait for it.
    const world = anEmptyFourth(6);
    await world.clock.sleep(10_000);
    world.createIndex({ name: 'burst', primaries: 6, replicas: 0, shardSizeBytes: SHARD });
    const snapshot = await world.cluster.observe();

    // Assess
    const burst = snapshot.shards.filter((c) => c.index === 'burst');
    expect(burst.filter((c) => c.state === 'INITIALIZING' && c.node === 'es-data-4')).toHaveLength(4);
    expect(burst.filter((c) => c.state === 'UNASSIGNED')).toHaveLength(2);
    expect(snapshot.health.status).toBe('yellow');
    await world.cluster.waitForHealth({ status: 'green', timeoutMs: 60_000 });
  });
});

describe('relocation throughput', () => {
  it('moves copies off an excluded node two at a time, bytes counted as relocated', async () => {
    const world = createSimulatedWorld({ ...base, data: 4 });
    world.createIndex({ name: 'many', primaries: 4, replicas: 0, shardSizeBytes: SHARD });
    await world.cluster.waitForHealth({ status: 'green', timeoutMs: 60_000 });
    const holder = (await world.cluster.observe()).shards[0]?.node ?? '';
    world.createIndex({ name: 'more', primaries: 4, replicas: 0, shardSizeBytes: SHARD, primaryOn: holder });
    await world.cluster.waitForHealth({ status: 'green', timeoutMs: 60_000 });
    const held = world.cluster.copiesOn(holder);
    expect(held).toBeGreaterThan(2);

    await world.cluster.setAllocationExcludeNames([holder]);
    const moving = await world.cluster.observe();
    expect(moving.health.relocatingShards).toBe(2); // the node's two outgoing recoveries
    await world.cluster.waitForHealth({ noRelocatingShards: true, timeoutMs: 3_600_000 });
    expect(world.cluster.copiesOn(holder)).toBe(0);
    expect(world.cluster.stats()).toMatchObject({ relocations: held, bytesRelocated: held * SHARD, rebalanceRelocations: 0 });
  });
});
