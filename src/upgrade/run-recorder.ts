// Records what a run did, as it goes: the per-node timeline, waits, refusals and conflicts, emitted
// as events and assembled into the final report.

import type { Clock } from '../shared/clock.ts';
import { toolVersion } from '../shared/tool-version.ts';
import { HealthSeries } from './health-series.ts';
import type { ClusterHealth } from './model.ts';
import { REPORT_SCHEMA_VERSION } from './plan-model.ts';
import type {
  AcceptedVersionConflict,
  EventSink,
  NodeTimeline,
  PlacedReplica,
  Plan,
  Refusal,
  RunOutcome,
  TerminatedInstance,
  UpgradeEvent,
  UpgradeOptions,
  UpgradeReport,
  WaitKind,
} from './plan-model.ts';
import type { VersionConflict } from './version-conflicts.ts';
import type { NodeView } from './world.ts';

type EventBody = UpgradeEvent extends infer E ? (E extends UpgradeEvent ? Omit<E, 'at'> : never) : never;

interface OpenWait {
  key: string;
  kind: WaitKind;
  node?: string;
  startedMs: number;
  lastEmitMs: number;
}

export class RunRecorder {
  readonly terminatedInstanceIds: string[] = [];
  readonly terminatedInstances: TerminatedInstance[] = [];
  readonly refusals: Refusal[] = [];
  readonly conflicts: AcceptedVersionConflict[] = [];
  readonly placed: PlacedReplica[] = [];
  readonly timelines: NodeTimeline[] = [];
  readonly health = new HealthSeries();
  /** The nodes in progress: one, or a batch going together; each with what was present when it began. */
  private open: { timeline: NodeTimeline; startedMs: number; nodesBefore: Set<string> }[] = [];
  private batches = 0;
  /** The instance behind a node name, as last observed (for the replacements' instance ids). */
  private instanceOf: (nodeName: string) => string | undefined = () => undefined;
  private openWait?: OpenWait;
  private readonly startedMs: number;
  private readonly clock: Clock;
  private readonly sink: EventSink;
  private phase?: string;
  plan?: Plan;

  constructor(clock: Clock, sink: EventSink = () => undefined) {
    this.clock = clock;
    this.sink = sink;
    this.startedMs = clock.now().getTime();
  }

  private nowMs(): number {
    return this.clock.now().getTime();
  }

  emit(event: EventBody): void {
    this.sink({ ...event, at: this.clock.now().toISOString() });
  }

  setPlan(plan: Plan): void {
    this.plan = plan;
    this.emit({ type: 'plan', plan });
  }

  refused(refusals: Refusal[]): void {
    for (const r of refusals) {
      if (!this.refusals.some((x) => x.rule === r.rule && x.node === r.node && x.reason === r.reason)) {
        this.refusals.push({ rule: r.rule, node: r.node, reason: r.reason });
      }
    }
    this.emit({ type: 'refused', refusals });
  }

  /**
   * Called when the run acts on a node; opens its timeline on first touch. `together`: the nodes
   * going with it (a batch); nodes in progress outside it are done.
   */
  touchNode(view: NodeView, presentNodeNames: string[], together: ReadonlySet<string> = new Set([view.node.name])): void {
    if (this.open.some((o) => o.timeline.nodeName === view.node.name)) return;
    if (this.open.some((o) => !together.has(o.timeline.nodeName))) this.finishNode(presentNodeNames, 'replaced');
    if (this.open.length === 0) this.batches += 1;
    if (this.phase !== view.phase) {
      this.phase = view.phase;
      const nodes = this.plan?.rows.filter((r) => r.action === 'replace' && r.phase === view.phase).length ?? 0;
      this.emit({ type: 'phase', phase: view.phase, nodes });
    }
    const timeline: NodeTimeline = {
      nodeName: view.node.name,
      instanceId: view.instance?.id,
      phase: view.phase,
      startedAt: this.clock.now().toISOString(),
      waits: [],
      outcome: 'in-progress',
      ...(together.size > 1 ? { batch: this.batches } : {}),
    };
    this.timelines.push(timeline);
    this.open.push({ timeline, startedMs: this.nowMs(), nodesBefore: new Set(presentNodeNames) });
    this.emit({
      type: 'node-start',
      node: view.node.name,
      instanceId: view.instance?.id,
      index: this.timelines.length,
      total: this.plan?.toReplace ?? this.timelines.length,
    });
  }

  terminated(view: NodeView): void {
    const instance = view.instance;
    if (!instance) return;
    this.terminatedInstanceIds.push(instance.id);
    const name = instance.tags.Name;
    const groupName = view.group?.name ?? instance.groupName;
    this.terminatedInstances.push({
      instanceId: instance.id,
      ...(name !== undefined && name !== '' ? { name } : {}),
      ...(groupName !== undefined ? { groupName } : {}),
    });
  }

  /** Close the node in progress, naming its replacement (the node that appeared meanwhile). */
  /** Close the nodes in progress, naming their replacements (nodes that appeared meanwhile, one each in order). */
  /** How to find the instance of a node by its name, from the world the run observes. */
  resolveInstancesWith(instanceOf: (nodeName: string) => string | undefined): void {
    this.instanceOf = instanceOf;
  }

  finishNode(presentNodeNames: string[], outcome: NodeTimeline['outcome']): void {
    const open = this.open;
    this.open = [];
    const claimed = new Set<string>();
    for (const cur of open) {
      const t = cur.timeline;
      const replacement = presentNodeNames.find((n) => !cur.nodesBefore.has(n) && !claimed.has(n));
      if (replacement !== undefined) {
        claimed.add(replacement);
        t.replacementNodeName = replacement;
        const instanceId = this.instanceOf(replacement);
        if (instanceId !== undefined) t.replacementInstanceId = instanceId;
      }
      t.finishedAt = this.clock.now().toISOString();
      t.durationMs = this.nowMs() - cur.startedMs;
      t.outcome = outcome;
      if (outcome === 'replaced') {
        this.emit({
          type: 'node-done',
          node: t.nodeName,
          replacement: t.replacementNodeName,
          ...(t.replacementInstanceId !== undefined ? { replacementInstanceId: t.replacementInstanceId } : {}),
          durationMs: t.durationMs,
        });
      }
    }
  }


  /** Enter (or stay in) a wait; returns how long this wait has lasted. */
  waiting(kind: WaitKind, node: string | undefined, detail: string, timeoutMs: number): number {
    const key = `${kind}:${node ?? ''}`;
    const now = this.nowMs();
    if (this.openWait?.key !== key) {
      this.waitDone('met');
      this.openWait = { key, kind, node, startedMs: now, lastEmitMs: -Infinity };
    }
    const w = this.openWait;
    // Progress views want updates, but not one per long-poll: every 5 s of waiting is plenty.
    if (now - w.lastEmitMs >= 5_000) {
      w.lastEmitMs = now;
      this.emit({ type: 'wait', kind, node, detail, sinceMs: now - w.startedMs, timeoutMs });
    }
    return now - w.startedMs;
  }

  /** The wait in progress, for decide to judge its timeout. */
  currentWait(): { kind: WaitKind; node?: string; sinceMs: number } | undefined {
    const w = this.openWait;
    return w ? { kind: w.kind, ...(w.node !== undefined ? { node: w.node } : {}), sinceMs: w.startedMs } : undefined;
  }

  waitDone(outcome: 'met' | 'timed-out' | 'interrupted'): void {
    const w = this.openWait;
    if (!w) return;
    this.openWait = undefined;
    const durationMs = this.nowMs() - w.startedMs;
    const owner = this.open.find((o) => o.timeline.nodeName === w.node) ?? this.open[0];
    owner?.timeline.waits.push({
      kind: w.kind,
      startedAt: new Date(w.startedMs).toISOString(),
      durationMs,
      outcome,
    });
    if (outcome === 'met') this.emit({ type: 'wait-done', kind: w.kind, node: w.node, durationMs });
  }

  /** Called after each observation of the world: a health sample when anything changed. */
  observedHealth(h: ClusterHealth): void {
    const sample = {
      at: this.clock.now().toISOString(),
      status: h.status,
      nodes: h.numberOfNodes,
      dataNodes: h.numberOfDataNodes,
      unassigned: h.unassignedShards,
      initializing: h.initializingShards,
      relocating: h.relocatingShards,
    };
    if (this.health.add(sample)) this.emit({ type: 'health', sample });
  }

  replicaPlaced(replica: { index: string; shard: number; node: string }, detail: string): void {
    const placed = { ...replica, at: this.clock.now().toISOString() };
    this.placed.push(placed);
    this.emit({ type: 'action', action: 'replica-placed', node: replica.node, detail });
  }

  acceptConflicts(conflicts: VersionConflict[]): void {
    const fresh = conflicts.filter((c) => !this.conflicts.some((x) => x.index === c.index && x.shard === c.shard));
    if (fresh.length === 0) return;
    const at = this.clock.now().toISOString();
    const accepted = fresh.map((c) => ({ ...c, at }));
    this.conflicts.push(...accepted);
    this.emit({ type: 'version-conflicts', conflicts: accepted });
  }

  report(args: {
    mode: 'plan' | 'run';
    outcome: RunOutcome;
    message: string;
    options: UpgradeOptions;
    plan: Plan;
    exitCode: number;
    finalHealth?: UpgradeReport['finalHealth'];
    previouslyTerminatedInstanceIds: string[];
  }): UpgradeReport {
    const finished = this.nowMs();
    const report: UpgradeReport = {
      tool: 'es-rolling-upgrade',
      toolVersion: toolVersion(),
      schemaVersion: REPORT_SCHEMA_VERSION,
      mode: args.mode,
      outcome: args.outcome,
      message: args.message,
      targetVersion: args.options.targetVersion,
      order: args.options.order,
      strategy: args.options.strategy,
      startedAt: new Date(this.startedMs).toISOString(),
      finishedAt: new Date(finished).toISOString(),
      durationMs: finished - this.startedMs,
      plan: args.plan,
      nodes: this.timelines,
      refusals: this.refusals,
      versionConflictsAccepted: this.conflicts,
      replicasPlaced: this.placed,
      finalHealth: args.finalHealth,
      healthSamples: this.health.toArray(),
      terminatedInstanceIds: [...this.terminatedInstanceIds],
      terminatedInstances: this.terminatedInstances.map((t) => ({ ...t })),
      previouslyTerminatedInstanceIds: args.previouslyTerminatedInstanceIds,
      exitCode: args.exitCode,
    };
    this.emit({ type: 'finished', report });
    return report;
  }
}
