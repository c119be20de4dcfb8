// The baseline does what the seed did, no better and no worse.

import { describe, expect, it } from 'vitest';
import { createSimulatedWorld, type SimulatedWorld } from '../../src/sim/index.ts';
import { runSeedUpgrade, SEED_DEFAULTS, type SeedResult } from '../../bench/seed-upgrade.ts';

const OLD = '9.4.5';
const TARGET = '9.5.4';
const HOUR = 3_600_000;

function aWorld(): SimulatedWorld {
  return createSimulatedWorld({ masters: 3, data: 3, fromVersion: OLD, launchVersion: TARGET });
}

async function seed(world: SimulatedWorld): Promise<SeedResult & { tookMs: number }> {
  const startMs = world.clock.nowMs();
  const result = await runSeedUpgrade({ cluster: world.cluster, fleet: world.fleet, clock: world.clock }, { ...SEED_DEFAULTS, targetVersion: TARGET });
  return { ...result, tookMs: world.clock.nowMs() - startMs };
}

const roles = (world: SimulatedWorld): (string | undefined)[] => world.terminatedInstanceIds().map((id) => world.fleet.instance(id)?.role);
const onFirstDataJoin = (world: SimulatedWorld, act: (w: SimulatedWorld) => void): void => world.when((w) => w.joinedReplacements('data') === 1, act);

describe('the seed\'s upgrade', () => {
  it('replaces the masters, then the data nodes, one at a time, waiting on 30 s polls', async () => {
    const world = aWorld();
    let fewest = Infinity;
    world.onEvent((w) => {
      fewest = Math.min(fewest, w.cluster.nodes().length);
    });

    const result = await seed(world);

    expect(result).toMatchObject({ outcome: 'completed', greenTimeouts: 0 });
    expect(result.replaced).toHaveLength(6);
    expect(roles(world)).toEqual(['master', 'master', 'master', 'data', 'data', 'data']);
    expect(new Set(world.cluster.nodes().map((n) => n.version))).toEqual(new Set([TARGET]));
    expect(fewest).toBe(5);
    // Each wait ends on a poll: every terminate happens a whole number of poll intervals after the first.
    const first = world.fleet.terminateCalls()[0]?.atMs ?? 0;
    for (const call of world.fleet.terminateCalls()) expect((call.atMs - first) % SEED_DEFAULTS.pollIntervalMs).toBe(0);
  });

  it('waits out its whole green timeout on a version conflict, then moves on', async () => {
    const world = aWorld();
    onFirstDataJoin(world, (w) => w.createIndex({ name: 'logs-05', primaries: 1, replicas: 1, primaryOn: 'newest' }));

    const result = await seed(world);

    expect(result).toMatchObject({ outcome: 'completed', greenTimeouts: 1 });
    expect(result.tookMs).toBeGreaterThan(2 * HOUR);
    expect(world.cluster.health().status).toBe('green');
  });

  it('stops after its green timeout on anything else unassigned', async () => {
    const world = aWorld();
    onFirstDataJoin(world, (w) => {
      const data = w.cluster.nodes().filter((n) => n.roles.includes('data')).map((n) => n.name);
      w.createIndex({ name: 'pinned', primaries: 1, replicas: 1, excludeNames: data.slice(1) });
    });

    const result = await seed(world);

    expect(result.outcome).toBe('stopped');
    expect(result.message).toMatch(/not green within 7200000 ms: \[pinned\]\[0\]/);
    expect(roles(world)).toEqual(['master', 'master', 'master', 'data']);
    expect(result.tookMs).toBeGreaterThan(2 * HOUR);
  });
});
