// What the HTML report draws: a finished run's UpgradeReport, or the report so far of a run under way
// (outcome "running", waits still open). Plus the time scale every chart of the page shares.

import type { NodeTimeline, RunOutcome, UpgradeReport } from '../upgrade/plan-model.ts';

type FinishedWait = NodeTimeline['waits'][number];

export interface ReportWait extends Omit<FinishedWait, 'outcome'> {
  outcome: FinishedWait['outcome'] | 'waiting';
}

export interface ReportNode extends Omit<NodeTimeline, 'waits'> {
  /** Replacement batch (a zone at a time), when the run replaces nodes in batches. */
  batch?: number;
  waits: ReportWait[];
}

export interface ReportView extends Omit<UpgradeReport, 'outcome' | 'nodes'> {
  outcome: RunOutcome | 'running';
  nodes: ReportNode[];
}

/** Maps a time to a fraction of the run, start 0 to end 1; every chart of the page uses the same. */
export interface TimeScale {
  startMs: number;
  spanMs: number;
  /** 0..1, clamped. */
  at(ms: number): number;
}

export function timeScaleOf(report: Pick<ReportView, 'startedAt' | 'finishedAt'>): TimeScale {
  const startMs = Date.parse(report.startedAt);
  const endMs = Date.parse(report.finishedAt);
  const spanMs = Math.max(1, Number.isNaN(endMs - startMs) ? 1 : endMs - startMs);
  return {
    startMs,
    spanMs,
    at: (ms) => Math.min(1, Math.max(0, (ms - startMs) / spanMs)),
  };
}

const TICK_STEPS_MS = [
  1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000,
  7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000,
];

/** Elapsed times for axis ticks: round steps, at most `max` of them, from 0. */
export function timeTicks(spanMs: number, max = 8): number[] {
  const step = TICK_STEPS_MS.find((s) => spanMs / s <= max) ?? Math.ceil(spanMs / max / 86_400_000) * 86_400_000;
  const ticks: number[] = [];
  for (let t = 0; t <= spanMs; t += step) ticks.push(t);
  return ticks;
}
