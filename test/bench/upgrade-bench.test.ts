// The upgrade benchmark on a tiny world, so it cannot rot: every driver runs the real code to the
// end and the figures hold together.

import { describe, expect, it } from 'vitest';
import { MIB } from '../../src/sim/world-options.ts';
import { formatGoals, formatRatios, formatSummaries, goals, ratio, summarise } from '../../bench/bench-summary.ts';
import { measureRun } from '../../bench/measure-upgrade.ts';
import { runScenario } from '../../bench/upgrade-bench.ts';
import { buildWorld, hourlyName, startTimes, type Scenario } from '../../bench/upgrade-scenarios.ts';

const tiny: Scenario = {
  key: 'tiny',
  title: '3 masters + 3 data in 3 zones',
  masters: 3,
  data: 3,
  hourly: { past: 3, primaries: 3, replicas: 1, shardBytes: 20 * MIB, newShardBytes: 1 * MIB },
  indices: [],
  recovery: {},
  seed: 7,
};

describe('the upgrade benchmark on a tiny world', () => {
  it('runs every driver to the end on identical worlds, and the figures hold together', async () => {
    const runs = await runScenario(tiny, 1);

    expect(runs.map((r) => r.driver)).toEqual(['seed', 'one-at-a-time', 'zone']);
    for (const r of runs) {
      expect(r.outcome, `${r.driver}: ${r.message}`).toBe('completed');
      expect(r.nodesTerminated).toBe(6);
      expect(r.imposedMs).toBeGreaterThan(0);
      expect(r.imposedMs).toBeLessThanOrEqual(r.totalMs);
      expect(r.overhead).toBeGreaterThanOrEqual(1);
      expect(r.redEver).toBe(false);
      expect(r.bytesRecovered).toBeGreaterThan(0);
      expect(r.runWallMs).toBeGreaterThan(0);
    }
    const by = (driver: string) => runs.find((r) => r.driver === driver);
    // One zone of one data node each: a zone batch is one node, never two at once.
    expect(by('one-at-a-time')?.mostDataMissing).toBe(1);
    expect(by('zone')?.mostDataMissing).toBe(1);
    // The seed polls every 30 s: that time is its own, not the simulator's.
    expect(by('seed')?.ownWaits.map((w) => w.activity)).toContain('node back');
    expect(by('seed')?.overhead).toBeGreaterThan(by('one-at-a-time')?.overhead ?? Infinity);

    const summaries = summarise(runs);
    expect(ratio(summaries[0], summaries[1])?.times).toBeCloseTo((by('seed')?.totalMs ?? 0) / (by('one-at-a-time')?.totalMs ?? 1), 6);
    const text = [formatSummaries(summaries), formatRatios(summaries, 'one-at-a-time', 'zone'), formatGoals(goals(summaries, 'one-at-a-time', 'zone'))].join('\n');
    for (const driver of ['seed', 'one-at-a-time', 'zone']) expect(text).toContain(driver);
    expect(text).toMatch(/seed \/ zone \d+\.\d\dx/);
  });

  it('stops a run at its real-time limit', async () => {
    const run = await measureRun(tiny, { algorithm: 'one-at-a-time' }, { budgetMs: 0 });
    expect(run.outcome).toBe('interrupted');
    expect(run.nodesTerminated).toBeLessThan(6);
  });
});

describe('the benchmark worlds', () => {
  it('create an hourly index at every full hour, its primaries on the newest data node', async () => {
    const [start] = startTimes(4).slice(1);
    const world = buildWorld(tiny, start);
    const before = world.history.filter((h) => h.kind === 'index-created').map((h) => h.detail.split(' ')[0]);
    expect(before).toHaveLength(3);
    expect(before.at(-1)).toBe(hourlyName(start?.getTime() ?? 0));

    await world.clock.sleep(2 * 3_600_000);

    const created = world.history.filter((h) => h.kind === 'index-created').slice(3);
    expect(created.map((h) => h.at.toISOString())).toEqual(['2026-11-28T05:00:00.000Z', '2026-11-28T06:00:00.000Z']);
    expect(created.map((h) => h.detail.split(' ')[0])).toEqual(['logs-2026.11.28-05', 'logs-2026.11.28-06']);
  });

  it('spread the start times evenly over one hour', () => {
    expect(startTimes(4).map((d) => d.toISOString().slice(11, 16))).toEqual(['04:00', '04:15', '04:30', '04:45']);
  });
});
