import { describe, expect, it } from 'vitest';
import { estimateRun, median } from '../../src/cli/run-estimate.ts';

const MIN = 60_000;
const now = new Date('2026-03-01T12:00:00.000Z');
const minutesAgo = (m: number): string => new Date(now.getTime() - m * MIN).toISOString();

describe('median', () => {
  it.each([
    [[], undefined],
    [[7], 7],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[10, 10, 1000], 10],
  ] as const)('of %j is %s', (values, expected) => {
    expect(median(values)).toBe(expected);
  });

  it('leaves its input as it was', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });
});

describe('estimateRun', () => {
  it('has no time left to show before the first node is done', () => {
    const e = estimateRun({ planned: [{ phase: 'master', nodes: 3 }, { phase: 'data', nodes: 3 }], done: [], current: { phase: 'master', startedAt: minutesAgo(4) } }, now);
    expect(e).toEqual({ total: 6, done: 0, percent: 0 });
  });

  it('is the median time per node times the nodes left', () => {
    const e = estimateRun(
      { planned: [{ phase: 'data', nodes: 5 }], done: [{ phase: 'data', durationMs: 10 * MIN }, { phase: 'data', durationMs: 30 * MIN }, { phase: 'data', durationMs: 12 * MIN }] },
      now,
    );
    expect(e).toMatchObject({ total: 5, done: 3, percent: 60, medianMs: 12 * MIN, remainingMs: 24 * MIN });
    expect(e.finishAt).toEqual(new Date(now.getTime() + 24 * MIN));
  });

  it('counts what the node under way has already spent', () => {
    const e = estimateRun({ planned: [{ phase: 'data', nodes: 3 }], done: [{ phase: 'data', durationMs: 10 * MIN }], current: { phase: 'data', startedAt: minutesAgo(4) } }, now);
    expect(e.remainingMs).toBe(2 * 10 * MIN - 4 * MIN);
  });

  it('a node under way past its median is due now, not ahead of time', () => {
    const e = estimateRun({ planned: [{ phase: 'data', nodes: 2 }], done: [{ phase: 'data', durationMs: 10 * MIN }], current: { phase: 'data', startedAt: minutesAgo(25) } }, now);
    expect(e.remainingMs).toBe(0);
  });

  it('estimates each phase from its own nodes once one of them is done', () => {
    // Masters took 2 min each, the first data node 40: the two data nodes left take 40 each.
    const e = estimateRun(
      {
        planned: [{ phase: 'master', nodes: 3 }, { phase: 'data', nodes: 3 }],
        done: [
          { phase: 'master', durationMs: 2 * MIN },
          { phase: 'master', durationMs: 2 * MIN },
          { phase: 'master', durationMs: 2 * MIN },
          { phase: 'data', durationMs: 40 * MIN },
        ],
      },
      now,
    );
    expect(e).toMatchObject({ done: 4, percent: 66, medianMs: 2 * MIN, remainingMs: 2 * 40 * MIN });
  });

  it('estimates a phase none of whose nodes is done from every node done so far', () => {
    // Data first: 2 data nodes at 30 min; the 3 masters are estimated at the median of 30.
    const e = estimateRun(
      {
        planned: [{ phase: 'data', nodes: 3 }, { phase: 'master', nodes: 3 }],
        done: [{ phase: 'data', durationMs: 30 * MIN }, { phase: 'data', durationMs: 30 * MIN }],
        current: { phase: 'data', startedAt: minutesAgo(10) },
      },
      now,
    );
    expect(e.remainingMs).toBe(1 * 30 * MIN + 3 * 30 * MIN - 10 * MIN);
  });

  it('is 100% with nothing left once every node is done', () => {
    const e = estimateRun({ planned: [{ phase: 'master', nodes: 1 }, { phase: 'data', nodes: 1 }], done: [{ phase: 'master', durationMs: MIN }, { phase: 'data', durationMs: 3 * MIN }] }, now);
    expect(e).toMatchObject({ total: 2, done: 2, percent: 100, remainingMs: 0 });
  });

  it('never shows 100% while a node is left (rounds down)', () => {
    const done = Array.from({ length: 199 }, () => ({ phase: 'data' as const, durationMs: MIN }));
    expect(estimateRun({ planned: [{ phase: 'data', nodes: 200 }], done }, now).percent).toBe(99);
  });

  it('nodes planned without a phase are estimated from every node done', () => {
    const e = estimateRun({ planned: [{ nodes: 4 }], done: [{ phase: 'data', durationMs: 5 * MIN }, { durationMs: 7 * MIN }] }, now);
    expect(e).toMatchObject({ total: 4, done: 2, percent: 50, medianMs: 6 * MIN, remainingMs: 2 * 6 * MIN });
  });

  it('a plan with nothing to replace is done', () => {
    expect(estimateRun({ planned: [], done: [] }, now)).toEqual({ total: 0, done: 0, percent: 100 });
  });
});
