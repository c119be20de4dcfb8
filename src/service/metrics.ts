// Prometheus metrics of the service, in the text exposition format (0.0.4), kept by hand: a few
// counters, one gauge and one histogram do not need a client library.

import type { RunOutcome, UpgradeEvent, WaitKind } from '../upgrade/plan-model.ts';

/** Upper bounds (seconds) of the wait-duration buckets: waits range from seconds to hours. */
const WAIT_BUCKETS_SECONDS = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200] as const;

interface Histogram {
  buckets: number[];
  sum: number;
  count: number;
}

export class ServiceMetrics {
  private readonly runs = new Map<string, number>();
  private active = 0;
  private nodesReplaced = 0;
  private readonly waits = new Map<WaitKind, Histogram>();
  private readonly calls = new Map<string, { total: number; errors: number }>();

  runStarted(): void {
    this.active += 1;
  }

  runFinished(mode: 'plan' | 'run', outcome: RunOutcome): void {
    this.active = Math.max(0, this.active - 1);
    const key = labels({ mode, outcome });
    this.runs.set(key, (this.runs.get(key) ?? 0) + 1);
  }

  /** Count what a progress event tells: replaced nodes, wait durations, Elasticsearch and AWS calls. */
  observe(event: UpgradeEvent): void {
    switch (event.type) {
      case 'node-done':
        this.nodesReplaced += 1;
        break;
      case 'wait-done': {
        let h = this.waits.get(event.kind);
        if (!h) {
          h = { buckets: WAIT_BUCKETS_SECONDS.map(() => 0), sum: 0, count: 0 };
          this.waits.set(event.kind, h);
        }
        const seconds = event.durationMs / 1000;
        WAIT_BUCKETS_SECONDS.forEach((le, i) => {
          if (seconds <= le) h.buckets[i] = (h.buckets[i] ?? 0) + 1;
        });
        h.sum += seconds;
        h.count += 1;
        break;
      }
      case 'call': {
        const key = labels({ service: event.service, operation: event.operation });
        const c = this.calls.get(key) ?? { total: 0, errors: 0 };
        c.total += 1;
        if (!event.ok) c.errors += 1;
        this.calls.set(key, c);
        break;
      }
      default:
        break;
    }
  }

  render(): string {
    const out: string[] = [];
    const family = (name: string, type: string, help: string): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    };
    family('esru_runs_total', 'counter', 'Runs finished, by mode and outcome.');
    for (const [l, v] of sorted(this.runs)) out.push(`esru_runs_total{${l}} ${v}`);
    family('esru_runs_active', 'gauge', 'Runs under way.');
    out.push(`esru_runs_active ${this.active}`);
    family('esru_nodes_replaced_total', 'counter', 'Nodes replaced by runs of this service.');
    out.push(`esru_nodes_replaced_total ${this.nodesReplaced}`);
    family('esru_wait_duration_seconds', 'histogram', 'How long the waits of runs took, by kind of wait.');
    for (const [kind, h] of [...this.waits].sort(([a], [b]) => a.localeCompare(b))) {
      const k = labels({ kind });
      WAIT_BUCKETS_SECONDS.forEach((le, i) => out.push(`esru_wait_duration_seconds_bucket{${k},le="${le}"} ${h.buckets[i] ?? 0}`));
      out.push(`esru_wait_duration_seconds_bucket{${k},le="+Inf"} ${h.count}`);
      out.push(`esru_wait_duration_seconds_sum{${k}} ${h.sum}`);
      out.push(`esru_wait_duration_seconds_count{${k}} ${h.count}`);
    }
    family('esru_calls_total', 'counter', 'Calls to Elasticsearch and AWS, by service and operation.');
    for (const [l, c] of sorted(this.calls)) out.push(`esru_calls_total{${l}} ${c.total}`);
    family('esru_call_errors_total', 'counter', 'Failed calls to Elasticsearch and AWS, by service and operation.');
    for (const [l, c] of sorted(this.calls)) out.push(`esru_call_errors_total{${l}} ${c.errors}`);
    return `${out.join('\n')}\n`;
  }
}

function sorted<V>(map: Map<string, V>): [string, V][] {
  return [...map].sort(([a], [b]) => a.localeCompare(b));
}

function labels(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');
}
