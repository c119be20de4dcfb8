// The run records the cluster's health as it goes: what the report's chart is drawn from.

import { describe, expect, it } from 'vitest';
import type { HealthSample } from '../../src/upgrade/plan-model.ts';
import { demoRun, haltedRun } from '../report/simulated-runs.ts';

const stateOf = ({ at: _at, ...state }: HealthSample): string => JSON.stringify(state);

describe('health samples of a run', () => {
  it('start with the cluster as first seen, follow each node out and back, and record only changes', async () => {
    const { report, events } = await demoRun();
    const samples = report.healthSamples ?? [];

    expect(samples[0]).toEqual({ at: report.startedAt, status: 'green', nodes: 6, dataNodes: 3, unassigned: 0, initializing: 0, relocating: 0 });
    // Six nodes replaced one at a time: six times down to five nodes.
    const dips = samples.filter((s, i) => s.nodes === 5 && (samples[i - 1]?.nodes ?? 6) === 6);
    expect(dips).toHaveLength(6);
    expect(samples.some((s) => s.unassigned > 0 && s.dataNodes === 2)).toBe(true);
    expect(samples.some((s) => s.initializing > 0)).toBe(true);
    expect(samples.at(-1)).toMatchObject({ status: 'green', nodes: 6, dataNodes: 3, unassigned: 0, initializing: 0 });
    samples.slice(1).forEach((s, i) => expect(stateOf(s)).not.toBe(stateOf(samples[i] as HealthSample)));

    const streamed = events.flatMap((e) => (e.type === 'health' ? [e.sample] : []));
    expect(streamed).toEqual(samples);
  });

  it('show the halted run with a node missing until it stops', async () => {
    const { report } = await haltedRun();
    expect(report.outcome).toBe('halted');
    const last = report.healthSamples?.at(-1);
    expect(last).toMatchObject({ nodes: 5, dataNodes: 2 });
    expect(Date.parse(last?.at ?? '')).toBeLessThanOrEqual(Date.parse(report.finishedAt));
  });
});
