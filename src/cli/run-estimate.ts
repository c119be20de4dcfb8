// How far a run is and when it may end: the share of nodes replaced, and the time left estimated from
// the median time a node has taken so far. Masters (no shards to recover) are quick and data nodes
// slow, so each phase is estimated from its own nodes once one of them is done, and from every node
// done until then. No node done, no estimate: there is nothing to measure yet. Pure.

import type { Phase } from '../upgrade/model.ts';
import type { Plan } from '../upgrade/plan-model.ts';

export interface NodeTime {
  phase?: Phase | undefined;
  durationMs: number;
}

/** Nodes the plan replaces in one phase; without a phase, the nodes of no phase planned. */
export interface PlannedNodes {
  phase?: Phase | undefined;
  nodes: number;
}

export interface EstimateInput {
  /** Nodes the plan replaces, by phase. */
  planned: readonly PlannedNodes[];
  /** Nodes replaced so far, with the time each took (from its start to the next node's). */
  done: readonly NodeTime[];
  /** The node under way, if any. */
  current?: { phase?: Phase | undefined; startedAt: string } | undefined;
}

export interface RunEstimate {
  total: number;
  done: number;
  /** 0 to 100, rounded down: 100 only when every node is done. */
  percent: number;
  /** Median time per node over every node done; undefined before the first. */
  medianMs?: number;
  /** Time left; undefined before the first node is done. */
  remainingMs?: number;
  /** now + remainingMs. */
  finishAt?: Date;
}

/** The median of `values` (the mean of the middle two for an even count); undefined when empty. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] ?? 0;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] ?? upper) + upper) / 2;
}

export function estimateRun(input: EstimateInput, now: Date): RunEstimate {
  const total = input.planned.reduce((sum, p) => sum + p.nodes, 0);
  const done = input.done.length;
  const percent = total === 0 ? 100 : Math.min(100, Math.floor((done / total) * 100));
  const overall = median(input.done.map((n) => n.durationMs));
  if (overall === undefined) return { total, done, percent };

  const phases = new Set(input.planned.map((p) => p.phase).filter((p) => p !== undefined));
  const doneIn = (phase: Phase | undefined): NodeTime[] =>
    input.done.filter((n) => (phase === undefined ? n.phase === undefined || !phases.has(n.phase) : n.phase === phase));
  const perNode = (phase: Phase | undefined): number =>
    (phase === undefined ? undefined : median(doneIn(phase).map((n) => n.durationMs))) ?? overall;
  let remainingMs = 0;
  for (const p of input.planned) remainingMs += Math.max(0, p.nodes - doneIn(p.phase).length) * perNode(p.phase);
  // The node under way is one of those left: what it has already spent is no longer ahead of us,
  // though it may take longer than its median (then it counts as due now).
  if (input.current) {
    const elapsed = Math.max(0, now.getTime() - Date.parse(input.current.startedAt));
    remainingMs -= Math.min(elapsed, perNode(input.current.phase));
  }
  remainingMs = Math.max(0, remainingMs);
  return { total, done, percent, medianMs: overall, remainingMs, finishAt: new Date(now.getTime() + remainingMs) };
}

/** The nodes a plan replaces, by phase; as one lot without phases when its rows do not add up. */
export function plannedNodes(plan: Pick<Plan, 'rows' | 'toReplace'>): PlannedNodes[] {
  const byPhase = new Map<Phase, number>();
  for (const row of plan.rows) if (row.action === 'replace') byPhase.set(row.phase, (byPhase.get(row.phase) ?? 0) + 1);
  const counted = [...byPhase.values()].reduce((a, b) => a + b, 0);
  if (counted !== plan.toReplace) return plan.toReplace > 0 ? [{ nodes: plan.toReplace }] : [];
  return [...byPhase].map(([phase, nodes]) => ({ phase, nodes }));
}
