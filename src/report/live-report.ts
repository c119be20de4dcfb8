// The report so far of a run under way, folded from its progress events (what the service keeps of
// a run): nodes with their waits, refusals, conflicts accepted, terminated instances and the health
// series. Once the run's `finished` event arrives, its report is the answer. Pure, apart from the
// fold's own state.

import { toolVersion } from '../shared/tool-version.ts';
import { REPORT_SCHEMA_VERSION } from '../upgrade/plan-model.ts';
import { HealthSeries } from '../upgrade/health-series.ts';
import type { AcceptedVersionConflict, Plan, Refusal, UpgradeEvent, UpgradeReport } from '../upgrade/plan-model.ts';
import type { ReportNode, ReportView, ReportWait } from './report-view.ts';

const NO_PLAN: Plan = {
  targetVersion: '?',
  order: 'masters-first',
  orderReason: 'not known yet',
  strategy: 'replace',
  rows: [],
  orphans: { nodesWithoutInstance: [], instancesWithoutNode: [] },
  groups: [],
  toReplace: 0,
};

interface OpenWait {
  node?: ReportNode;
  wait: ReportWait;
  key: string;
}

export class LiveReport {
  private readonly mode: 'plan' | 'run';
  private startedAt?: string;
  private lastEventAt?: string;
  private plan?: Plan;
  private phase?: ReportNode['phase'];
  private current?: ReportNode;
  private open?: OpenWait;
  private detail?: string;
  private readonly nodes: ReportNode[] = [];
  private readonly refusals: Refusal[] = [];
  private readonly conflicts: AcceptedVersionConflict[] = [];
  private readonly terminated: string[] = [];
  private readonly health = new HealthSeries();
  private final?: UpgradeReport;

  constructor(mode: 'plan' | 'run') {
    this.mode = mode;
  }

  apply(event: UpgradeEvent): this {
    // Calls are stamped by the wall clock, not the run's (and the service keeps none): no time from them.
    if (event.type === 'call') return this;
    this.startedAt ??= event.at;
    this.lastEventAt = event.at;
    switch (event.type) {
      case 'plan':
        this.plan = event.plan;
        break;
      case 'phase':
        this.phase = event.phase;
        break;
      case 'node-start': {
        this.closeWait(event.at);
        const node: ReportNode = {
          nodeName: event.node,
          phase: this.phase ?? 'data',
          startedAt: event.at,
          waits: [],
          outcome: 'in-progress',
          ...(event.instanceId === undefined ? {} : { instanceId: event.instanceId }),
        };
        this.nodes.push(node);
        this.current = node;
        break;
      }
      case 'wait': {
        this.detail = event.detail;
        const key = `${event.kind}:${event.node ?? ''}`;
        if (this.open?.key === key) break;
        this.closeWait(event.at);
        const wait: ReportWait = { kind: event.kind, startedAt: new Date(Date.parse(event.at) - event.sinceMs).toISOString(), outcome: 'waiting' };
        this.current?.waits.push(wait);
        this.open = { key, wait, ...(this.current ? { node: this.current } : {}) };
        break;
      }
      case 'wait-done':
        if (this.open?.wait.kind === event.kind) {
          this.open.wait.durationMs = event.durationMs;
          this.open.wait.outcome = 'met';
          this.open = undefined;
        }
        delete this.detail;
        break;
      case 'node-done': {
        const node = this.nodes.findLast((n) => n.nodeName === event.node);
        if (node) {
          if (this.open?.node === node) this.closeWait(event.at);
          node.outcome = 'replaced';
          node.finishedAt = event.at;
          node.durationMs = event.durationMs;
          if (event.replacement !== undefined) node.replacementNodeName = event.replacement;
          if (event.replacementInstanceId !== undefined) node.replacementInstanceId = event.replacementInstanceId;
        }
        if (this.current === node) this.current = undefined;
        break;
      }
      case 'action':
        if (event.action === 'terminate' && event.instanceId !== undefined) this.terminated.push(event.instanceId);
        break;
      case 'refused':
        for (const r of event.refusals) {
          if (!this.refusals.some((x) => x.rule === r.rule && x.node === r.node && x.reason === r.reason)) this.refusals.push({ ...r });
        }
        break;
      case 'version-conflicts':
        this.conflicts.push(...event.conflicts);
        break;
      case 'health':
        this.health.add(event.sample);
        break;
      case 'finished':
        this.final = event.report;
        break;
      case 'recovery':
        break;
    }
    return this;
  }

  /** The final report once the run has finished; otherwise what is known up to `now`. */
  view(now: Date, failure?: string): ReportView {
    if (this.final) return this.final;
    const nowMs = Math.max(now.getTime(), Date.parse(this.lastEventAt ?? now.toISOString()));
    const startedAt = this.startedAt ?? new Date(nowMs).toISOString();
    const plan = this.plan ?? NO_PLAN;
    const samples = this.health.toArray();
    const last = samples.at(-1);
    const nodes = this.nodes.map((n) =>
      n.outcome === 'in-progress' ? { ...n, durationMs: nowMs - Date.parse(n.startedAt), waits: n.waits.map((w) => ({ ...w })) } : n,
    );
    const replaced = nodes.filter((n) => n.outcome === 'replaced').length;
    const message =
      failure === undefined
        ? `under way: ${replaced.toString()} of ${plan.toReplace.toString()} nodes replaced${this.detail === undefined ? '' : `; waiting for ${this.detail}`}`
        : `failed: ${failure}`;
    return {
      tool: 'es-rolling-upgrade',
      toolVersion: toolVersion(),
      schemaVersion: REPORT_SCHEMA_VERSION,
      mode: this.mode,
      outcome: failure === undefined ? 'running' : 'failed',
      message,
      targetVersion: plan.targetVersion,
      order: plan.order,
      strategy: plan.strategy,
      startedAt,
      finishedAt: new Date(nowMs).toISOString(),
      durationMs: nowMs - Date.parse(startedAt),
      plan,
      nodes,
      refusals: [...this.refusals],
      versionConflictsAccepted: [...this.conflicts],
      replicasPlaced: [],
      ...(last ? { finalHealth: { status: last.status, numberOfNodes: last.nodes, unassignedShards: last.unassigned } } : {}),
      healthSamples: samples,
      terminatedInstanceIds: [...this.terminated],
      previouslyTerminatedInstanceIds: [],
      exitCode: 0,
    };
  }

  /** A wait the events never closed (they went on to something else): it was met then. */
  private closeWait(at: string): void {
    const open = this.open;
    if (!open) return;
    this.open = undefined;
    open.wait.durationMs = Math.max(0, Date.parse(at) - Date.parse(open.wait.startedAt));
    open.wait.outcome = 'met';
  }
}

/** The report so far of the run these events are of. */
export function liveReport(mode: 'plan' | 'run', events: Iterable<UpgradeEvent>, now: Date, failure?: string): ReportView {
  const live = new LiveReport(mode);
  for (const e of events) live.apply(e);
  return live.view(now, failure);
}
