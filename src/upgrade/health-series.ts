// The cluster's health over a run, as the report keeps it: a sample only when something changed, and
// at most a fixed number of them, so a run of many hours still gives a small report. Pure.

import type { HealthSample } from './plan-model.ts';

/** Enough for a chart a screen wide; a pretty-printed sample is about 200 bytes of report. */
export const MAX_HEALTH_SAMPLES = 500;

const STATUS_RANK: Readonly<Record<string, number>> = { green: 0, yellow: 1, red: 2 };

function statusRank(status: string): number {
  // An unknown status is no better than red.
  return STATUS_RANK[status] ?? 3;
}

function sameState(a: HealthSample, b: HealthSample): boolean {
  return (
    a.status === b.status &&
    a.nodes === b.nodes &&
    a.dataNodes === b.dataNodes &&
    a.unassigned === b.unassigned &&
    a.initializing === b.initializing &&
    a.relocating === b.relocating
  );
}

/** One sample for two neighbours: the earlier time, the worse of each value, so no dip disappears. */
export function worstOf(a: HealthSample, b: HealthSample): HealthSample {
  return {
    at: a.at,
    status: statusRank(b.status) > statusRank(a.status) ? b.status : a.status,
    nodes: Math.min(a.nodes, b.nodes),
    dataNodes: Math.min(a.dataNodes, b.dataNodes),
    unassigned: Math.max(a.unassigned, b.unassigned),
    initializing: Math.max(a.initializing, b.initializing),
    relocating: Math.max(a.relocating, b.relocating),
  };
}

export class HealthSeries {
  private samples: HealthSample[] = [];
  private readonly max: number;

  constructor(max = MAX_HEALTH_SAMPLES) {
    if (max < 2) throw new RangeError(`a health series needs room for at least 2 samples, not ${max.toString()}`);
    this.max = max;
  }

  /** Keep `sample` if the cluster changed since the last one; says whether it was kept. */
  add(sample: HealthSample): boolean {
    const last = this.samples.at(-1);
    if (last && sameState(last, sample)) return false;
    this.samples.push({ ...sample });
    if (this.samples.length > this.max) this.coalesce();
    return true;
  }

  /** The samples so far, oldest first (a copy). */
  toArray(): HealthSample[] {
    return this.samples.map((s) => ({ ...s }));
  }

  /**
   * Halve the resolution: merge neighbours pairwise, all but the newest sample, which stays as it is
   * (the cluster's present state, which the next observation is compared with).
   */
  private coalesce(): void {
    const newest = this.samples.at(-1);
    const older = this.samples.slice(0, -1);
    const merged: HealthSample[] = [];
    for (let i = 0; i < older.length; i += 2) {
      const a = older[i];
      const b = older[i + 1];
      if (!a) break;
      const next = b ? worstOf(a, b) : a;
      const prev = merged.at(-1);
      if (!prev || !sameState(prev, next)) merged.push(next);
    }
    const prev = merged.at(-1);
    if (newest && !(prev && sameState(prev, newest))) merged.push(newest);
    this.samples = merged;
  }
}
