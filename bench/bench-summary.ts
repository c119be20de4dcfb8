// The benchmark's figures from its runs: per scenario and driver, the mean over the start times;
// the ratios between drivers; the goals, each figure beside its goal. Pure.

import { renderTable } from '../src/cli/table.ts';
import type { OwnWait, RunFigures } from './measure-upgrade.ts';

export interface DriverSummary {
  driver: string;
  runs: number;
  completed: number;
  /** Outcomes other than completed, e.g. "halted: timed out after 120m waiting for ...". */
  failures: string[];
  meanTotalMs: number;
  meanImposedMs: number;
  /** Σ total / Σ imposed over the runs. */
  overhead: number;
  meanBytesRecovered: number;
  meanBytesRelocated: number;
  mostDataMissing: number;
  redEver: boolean;
  primariesLost: number;
  /** Time outside the imposed waits, summed over the runs, by activity. */
  ownWaits: OwnWait[];
  maxBuildWallMs: number;
  totalRunWallMs: number;
  /** Nodes terminated in the run that got furthest, and how many were stale. */
  nodesTerminated: number;
  nodesStale: number;
}

export function summarise(runs: RunFigures[]): DriverSummary[] {
  const drivers = [...new Set(runs.map((r) => r.driver))];
  return drivers.map((driver) => {
    const mine = runs.filter((r) => r.driver === driver);
    const sum = (f: (r: RunFigures) => number): number => mine.reduce((a, r) => a + f(r), 0);
    const waits = new Map<string, number>();
    for (const r of mine) for (const w of r.ownWaits) waits.set(w.activity, (waits.get(w.activity) ?? 0) + w.ms);
    const imposed = sum((r) => r.imposedMs);
    return {
      driver,
      runs: mine.length,
      completed: mine.filter((r) => r.outcome === 'completed').length,
      failures: mine.filter((r) => r.outcome !== 'completed').map((r) => r.message),
      meanTotalMs: sum((r) => r.totalMs) / mine.length,
      meanImposedMs: imposed / mine.length,
      overhead: imposed > 0 ? sum((r) => r.totalMs) / imposed : Number.POSITIVE_INFINITY,
      meanBytesRecovered: sum((r) => r.bytesRecovered) / mine.length,
      meanBytesRelocated: sum((r) => r.bytesRelocated) / mine.length,
      mostDataMissing: Math.max(...mine.map((r) => r.mostDataMissing)),
      redEver: mine.some((r) => r.redEver),
      primariesLost: sum((r) => r.primariesLost),
      ownWaits: [...waits.entries()].map(([activity, ms]) => ({ activity, ms })).sort((a, b) => b.ms - a.ms),
      maxBuildWallMs: Math.max(...mine.map((r) => r.buildWallMs)),
      totalRunWallMs: sum((r) => r.runWallMs),
      nodesTerminated: Math.max(...mine.map((r) => r.nodesTerminated)),
      nodesStale: Math.max(...mine.map((r) => r.nodesStale)),
    };
  });
}

export interface Ratio {
  times: number;
  /**
   * The slower driver stopped in some runs (the seed stops on what it cannot judge): its mean counts
   * those runs until they stopped, so the ratio is at least this.
   */
  atLeast: boolean;
}

/** How many times faster `faster` was than `slower`, by mean total time; undefined unless `faster` always completed. */
export function ratio(slower: DriverSummary | undefined, faster: DriverSummary | undefined): Ratio | undefined {
  if (!slower || !faster || faster.completed < faster.runs || faster.meanTotalMs <= 0) return undefined;
  return { times: slower.meanTotalMs / faster.meanTotalMs, atLeast: slower.completed < slower.runs };
}

export function formatRatio(r: Ratio): string {
  return `${r.atLeast ? '>= ' : ''}${r.times.toFixed(2)}x`;
}

export interface Goal {
  name: string;
  /** The figure as measured, in words ("4.5x", "halted in 3 of 4 runs"). */
  figure: string;
  met: boolean;
}

const OVERHEAD_GOAL = 1.05;

/** The issue's goals on one scenario, for the seed and a pair of the tool's drivers (one at a time, zone). */
export function goals(summaries: DriverSummary[], one: string, zone: string): Goal[] {
  const by = (name: string): DriverSummary | undefined => summaries.find((s) => s.driver === name);
  const seed = by('seed');
  const tool = [by(one), by(zone)].filter((s): s is DriverSummary => s !== undefined);
  const times = (slower: DriverSummary | undefined, faster: DriverSummary | undefined, least: number, name: string): Goal => {
    const r = ratio(slower, faster);
    if (r !== undefined) return { name, figure: formatRatio(r), met: r.times >= least };
    const failed = faster !== undefined && faster.completed < faster.runs;
    return { name, figure: failed ? `${faster.driver} did not complete ${faster.runs - faster.completed} of ${faster.runs} runs` : 'not run', met: false };
  };
  const worstOverhead = tool.reduce<DriverSummary | undefined>((w, s) => (w === undefined || s.overhead > w.overhead ? s : w), undefined);
  const red = tool.filter((s) => s.redEver).map((s) => s.driver);
  return [
    times(seed, by(zone), 5, `${zone} >= 5x faster than seed`),
    times(by(one), by(zone), 2.5, `${zone} >= 2.5x faster than ${one}`),
    { name: `${tool.map((s) => s.driver).join(', ')} never red`, figure: red.length === 0 ? 'never red' : `red in ${red.join(', ')}`, met: red.length === 0 && tool.length > 0 },
    {
      name: `overhead <= ${OVERHEAD_GOAL.toFixed(2)}`,
      figure: worstOverhead ? `${worstOverhead.overhead.toFixed(3)} (${worstOverhead.driver}, the higher)` : 'not run',
      met: worstOverhead !== undefined && worstOverhead.overhead <= OVERHEAD_GOAL,
    },
  ];
}

// --- text ---------------------------------------------------------------------------------------

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  const minutes = ms / 60_000;
  if (minutes < 60) return `${minutes.toFixed(1)} min`;
  return `${(minutes / 60).toFixed(2)} h`;
}

export function formatBytes(bytes: number): string {
  const gib = bytes / 1024 ** 3;
  return gib >= 1000 ? `${(gib / 1024).toFixed(2)} TiB` : `${gib.toFixed(1)} GiB`;
}

function formatWall(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${(ms / 1000).toFixed(0)} s`;
}

export function formatSummaries(summaries: DriverSummary[]): string {
  const header = ['driver', 'done', 'total', 'imposed', 'overhead', 'recovered', 'relocated', 'most missing', 'red', 'real time/run'];
  const rows = summaries.map((s) => [
    s.driver,
    `${s.completed}/${s.runs}`,
    formatDuration(s.meanTotalMs),
    formatDuration(s.meanImposedMs),
    Number.isFinite(s.overhead) ? s.overhead.toFixed(3) : '-',
    formatBytes(s.meanBytesRecovered),
    formatBytes(s.meanBytesRelocated),
    s.mostDataMissing.toString(),
    s.redEver ? 'RED' : 'never',
    formatWall(s.totalRunWallMs / s.runs),
  ]);
  return renderTable(header, rows, '  ');
}

/** Where the time outside the imposed waits went, per driver (the biggest three). */
export function formatOwnWaits(summaries: DriverSummary[]): string {
  return summaries
    .filter((s) => s.ownWaits.length > 0)
    .map((s) => `  ${s.driver}: ${s.ownWaits.slice(0, 3).map((w) => `${w.activity} ${formatDuration(w.ms / s.runs)}`).join(', ')} (mean per run)`)
    .join('\n');
}

export function formatRatios(summaries: DriverSummary[], one: string, zone: string): string {
  const by = (name: string): DriverSummary | undefined => summaries.find((s) => s.driver === name);
  const show = (slower: string, faster: string): string => {
    const r = ratio(by(slower), by(faster));
    return `${slower} / ${faster} ${r === undefined ? `n/a (${faster} did not complete every run)` : formatRatio(r)}`;
  };
  return [show('seed', one), show('seed', zone), show(one, zone)].join(', ');
}

export function formatGoals(list: Goal[]): string {
  return renderTable(['goal', 'measured', ''], list.map((g) => [g.name, g.figure, g.met ? 'met' : 'NOT MET']), '  ');
}
