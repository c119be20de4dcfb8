// A run's progress as Octopus shows it: the step's progress bar, moved by `##octopus[progress ...]`
// at the plan, at the start and end of each node and at the end, with the share of nodes replaced
// and the time left from run-estimate.ts (the run's clock: each event's time). The lines are a pure
// function of the events.

import { progressMessage } from '../octopus/service-messages.ts';
import { applyEvent, newRunProgress, type RunProgress } from '../shared/run-progress.ts';
import type { EventSink, UpgradeEvent } from '../upgrade/plan-model.ts';
import { describeTimeLeft } from './progress-view.ts';
import { estimateRun, plannedNodes, type PlannedNodes, type RunEstimate } from './run-estimate.ts';

export interface OctopusProgressState {
  progress: RunProgress;
  planned?: PlannedNodes[];
}

function newOctopusProgressState(): OctopusProgressState {
  return { progress: newRunProgress() };
}

/** The progress messages for one event (none for most); folds the event into `state`. */
function octopusProgressLines(event: UpgradeEvent, state: OctopusProgressState): string[] {
  const p = applyEvent(state.progress, event);
  const estimate = (): RunEstimate => {
    const done = p.nodes.filter((n) => n.state === 'replaced').map((n) => ({ phase: n.phase, durationMs: n.durationMs ?? 0 }));
    return estimateRun({ planned: state.planned ?? [], done, current: p.current }, new Date(event.at));
  };
  switch (event.type) {
    case 'plan':
      state.planned = plannedNodes(event.plan);
      return [progressMessage(0, `plan: ${event.plan.toReplace.toString()} node(s) to replace → ${event.plan.targetVersion} (${event.plan.order}, ${event.plan.strategy})`)];
    case 'node-start': {
      const e = estimate();
      const instance = event.instanceId ? ` (${event.instanceId})` : '';
      return [progressMessage(e.percent, `node ${event.index.toString()} of ${event.total.toString()}: ${event.node}${instance} · ${describeTimeLeft(e, utcClock)}`)];
    }
    case 'node-done': {
      const e = estimate();
      const by = event.replacement ? ` by ${event.replacement}` : '';
      return [progressMessage(e.percent, `${event.node} replaced${by} (${e.done.toString()} of ${e.total.toString()}) · ${describeTimeLeft(e, utcClock)}`)];
    }
    case 'finished': {
      const r = event.report;
      const replaced = r.nodes.filter((n) => n.outcome === 'replaced').length;
      const whole = r.outcome === 'completed' || r.outcome === 'nothing-to-do';
      return [progressMessage(whole ? 100 : estimate().percent, `${r.outcome}: ${replaced.toString()} of ${r.plan.toReplace.toString()} node(s) replaced`)];
    }
    default:
      return [];
  }
}

/** A sink that prints the progress messages of a run, each on a line of its own. */
export function createOctopusProgress(write: (text: string) => void): EventSink {
  const state = newOctopusProgressState();
  return (event) => {
    for (const line of octopusProgressLines(event, state)) write(`${line}\n`);
  };
}

/** 14:32 UTC: the Octopus server and its users may be anywhere. */
function utcClock(at: Date): string {
  return `${at.toISOString().slice(11, 16)} UTC`;
}
