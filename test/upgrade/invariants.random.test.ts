// Invariants under random faults: a seeded, replayable randomized test of the real controller on the
// simulator. Every schedule mixes kill -9 at any await, SIGTERM, termination lag and lifecycle hooks,
// throttling, a replacement that never joins, red mid-run, indices created mid-run and a second
// controller. Replay one seed with INVARIANT_SEED=<seed>; widen the run with INVARIANT_SCHEDULES.

import { describe, expect, it } from 'vitest';
import { runSchedule } from './invariants/run-schedule.ts';
import { generateSchedule } from './invariants/schedule.ts';

const count = Number(process.env.INVARIANT_SCHEDULES ?? 1000);
const only = process.env.INVARIANT_SEED;
const firstSeed = Number(process.env.INVARIANT_FIRST_SEED ?? 1);
const seeds = only !== undefined ? [Number(only)] : Array.from({ length: count }, (_, i) => firstSeed + i);

describe('invariants under random faults', () => {
  it(`holds over ${seeds.length} schedules`, async () => {
    expect(seeds.length).toBeGreaterThan(0);
    const failures: string[] = [];
    let completed = 0;
    let haltedSafe = 0;
    for (const seed of seeds) {
      const schedule = generateSchedule(seed);
      const { problems, reports } = await runSchedule(schedule);
      const last = reports.at(-1);
      if (last?.outcome === 'completed') completed += 1;
      else if (last?.outcome === 'halted' || last?.outcome === 'refused') haltedSafe += 1;
      if (problems.length > 0) {
        failures.push(`seed ${seed} (replay: INVARIANT_SEED=${seed}):\n  schedule: ${JSON.stringify(schedule)}\n  ${problems.slice(0, 5).join('\n  ')}`);
        if (failures.length >= 5) break;
      }
    }
    console.log(`[invariants] ${seeds.length} schedules: ${completed} completed, ${haltedSafe} halted safe, ${failures.length} with violations`);
    expect(failures, failures.join('\n\n')).toEqual([]);
  }, 30 * 60_000);
});
