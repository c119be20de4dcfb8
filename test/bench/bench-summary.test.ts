import { describe, expect, it } from 'vitest';
import { formatRatio, goals, ratio, summarise } from '../../bench/bench-summary.ts';
import type { RunFigures } from '../../bench/measure-upgrade.ts';

const HOUR = 3_600_000;

function aRun(driver: string, totalH: number, overrides: Partial<RunFigures> = {}): RunFigures {
  return {
    scenario: 'hours',
    driver,
    start: new Date(0),
    outcome: 'completed',
    message: 'done',
    totalMs: totalH * HOUR,
    imposedMs: totalH * HOUR,
    overhead: 1,
    ownWaits: [],
    nodesTerminated: 33,
    nodesStale: 33,
    bytesRecovered: 0,
    bytesRelocated: 0,
    mostDataMissing: 1,
    redEver: false,
    primariesLost: 0,
    buildWallMs: 1,
    runWallMs: 1,
    ...overrides,
  };
}

describe('the benchmark summary', () => {
  it('averages over the start times and sums the overhead over them', () => {
    const [seed] = summarise([aRun('seed', 10, { imposedMs: 8 * HOUR }), aRun('seed', 20, { imposedMs: 12 * HOUR, mostDataMissing: 2, redEver: true })]);
    expect(seed).toMatchObject({ runs: 2, completed: 2, meanTotalMs: 15 * HOUR, overhead: 1.5, mostDataMissing: 2, redEver: true });
  });

  it('gives a ratio only when the faster driver always completed, and says when the slower one stopped', () => {
    const [seed, one, zone] = summarise([
      aRun('seed', 18, { outcome: 'stopped', message: 'stopped' }),
      aRun('one-at-a-time', 2, { outcome: 'halted', message: 'halted' }),
      aRun('zone', 4),
    ]);
    expect(ratio(seed, one)).toBeUndefined();
    const r = ratio(seed, zone);
    expect(r).toEqual({ times: 4.5, atLeast: true });
    expect(formatRatio(r ?? { times: 0, atLeast: false })).toBe('>= 4.50x');
  });

  it('judges each goal with its figure beside it', () => {
    const met = goals(summarise([aRun('seed', 20), aRun('one', 10), aRun('zone', 3.9)]), 'one', 'zone');
    expect(met.map((g) => [g.figure, g.met])).toEqual([
      ['5.13x', true],
      ['2.56x', true],
      ['never red', true],
      ['1.000 (one, the higher)', true],
    ]);

    const missed = goals(
      summarise([aRun('seed', 18), aRun('one', 17), aRun('zone', 2, { outcome: 'halted', message: 'halted' }), aRun('one', 17, { overhead: 2, imposedMs: 8 * HOUR, redEver: true })]),
      'one',
      'zone',
    );
    expect(missed.map((g) => [g.figure, g.met])).toEqual([
      ['zone did not complete 1 of 1 runs', false],
      ['zone did not complete 1 of 1 runs', false],
      ['red in one', false],
      ['1.360 (one, the higher)', false],
    ]);
  });
});
