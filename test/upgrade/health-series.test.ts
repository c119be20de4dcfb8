// The report's health series: changes only, bounded, and no dip lost when it is thinned.

import { describe, expect, it } from 'vitest';
import { HealthSeries, MAX_HEALTH_SAMPLES, worstOf } from '../../src/upgrade/health-series.ts';
import type { HealthSample } from '../../src/upgrade/plan-model.ts';

const T0 = Date.parse('2026-11-28T04:30:00Z');

function aSample(second: number, over: Partial<HealthSample> = {}): HealthSample {
  return {
    at: new Date(T0 + second * 1000).toISOString(),
    status: 'green',
    nodes: 6,
    dataNodes: 3,
    unassigned: 0,
    initializing: 0,
    relocating: 0,
    ...over,
  };
}

describe('HealthSeries', () => {
  it('keeps the first sample and then only changes', () => {
    const series = new HealthSeries();
    const kept = [
      series.add(aSample(0)),
      series.add(aSample(5)),
      series.add(aSample(10, { nodes: 5 })),
      series.add(aSample(15, { nodes: 5 })),
      series.add(aSample(20, { nodes: 5, status: 'yellow' })),
      series.add(aSample(25, { nodes: 5, status: 'yellow', relocating: 1 })),
    ];
    expect(kept).toEqual([true, false, true, false, true, true]);
    expect(series.toArray().map((s) => s.at)).toEqual([0, 10, 20, 25].map((s) => aSample(s).at));
  });

  it.each<[string, Partial<HealthSample>]>([
    ['status', { status: 'yellow' }],
    ['nodes', { nodes: 5 }],
    ['data nodes', { dataNodes: 2 }],
    ['unassigned', { unassigned: 1 }],
    ['initializing', { initializing: 1 }],
    ['relocating', { relocating: 1 }],
  ])('a change of %s alone is a change', (_name, change) => {
    const series = new HealthSeries();
    series.add(aSample(0));
    expect(series.add(aSample(1, change))).toBe(true);
  });

  it('stays within its cap over a run of many hours, keeping the first time and the present state', () => {
    const series = new HealthSeries();
    // Ten hours of a count that changes every 5 s: 7,200 changes.
    for (let i = 0; i < 7_200; i++) series.add(aSample(i * 5, { initializing: i % 7, unassigned: i % 3 }));
    const samples = series.toArray();
    expect(samples.length).toBeLessThanOrEqual(MAX_HEALTH_SAMPLES);
    expect(samples.length).toBeGreaterThan(MAX_HEALTH_SAMPLES / 4);
    expect(samples[0]?.at).toBe(aSample(0).at);
    expect(samples.at(-1)).toEqual(aSample(7_199 * 5, { initializing: 7_199 % 7, unassigned: 7_199 % 3 }));
    const times = samples.map((s) => Date.parse(s.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('never thins away a short dip to red or a lost node', () => {
    const series = new HealthSeries(10);
    for (let i = 0; i < 200; i++) {
      const dip = i === 77 ? { status: 'red', nodes: 4, unassigned: 12 } : {};
      series.add(aSample(i, { initializing: i % 2, ...dip }));
    }
    const samples = series.toArray();
    expect(samples.length).toBeLessThanOrEqual(10);
    expect(samples.some((s) => s.status === 'red' && s.nodes === 4 && s.unassigned === 12)).toBe(true);
  });

  it('refuses a cap that cannot hold a change', () => {
    expect(() => new HealthSeries(1)).toThrow(/at least 2 samples, not 1/);
  });
});

describe('worstOf', () => {
  it('takes the earlier time, the worse status, the fewer nodes and the more shards in flight', () => {
    const a = aSample(0, { status: 'yellow', nodes: 6, dataNodes: 2, unassigned: 3, initializing: 0, relocating: 2 });
    const b = aSample(9, { status: 'red', nodes: 5, dataNodes: 3, unassigned: 1, initializing: 4, relocating: 0 });
    expect(worstOf(a, b)).toEqual({ at: a.at, status: 'red', nodes: 5, dataNodes: 2, unassigned: 3, initializing: 4, relocating: 2 });
    expect(worstOf(b, a).status).toBe('red');
    expect(worstOf(aSample(0), aSample(1, { status: 'unknown' })).status).toBe('unknown');
  });
});
