// Runs started through the service: at most one per cluster at a time, each with its buffered event
// history (replayed to late subscribers), its live progress, and a cancel that stops it the way
// SIGTERM stops the CLI. Once shutting down, it starts no run.

import { randomUUID } from 'node:crypto';
import { InterruptedError } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';
import { redactSecrets } from '../shared/redact.ts';
import { applyEvent, newRunProgress, type RunProgress } from '../shared/run-progress.ts';
import type { EventSink, UpgradeEvent, UpgradeReport } from '../upgrade/plan-model.ts';
import type { ServiceMetrics } from './metrics.ts';

/** What a validated request gives the manager; `S` carries the options opaque to the service. */
export interface RunSpec {
  mode: 'plan' | 'run';
  /** Identifies the cluster (its UUID, whatever URLs reach it): one run per key at a time. */
  clusterKey: string;
  /** How people know the cluster: its Elasticsearch URLs. */
  clusterLabel: string;
}

/** Starts one plan or run; the real one calls planUpgrade/runUpgrade with adapters, tests a fake. */
export type StartRun<S extends RunSpec> = (spec: S, onEvent: EventSink, signal: AbortSignal) => Promise<UpgradeReport>;

export type RunState = 'running' | 'cancelling' | 'finished' | 'failed';

export interface SequencedEvent {
  seq: number;
  event: UpgradeEvent;
}

export interface Run<S extends RunSpec> {
  id: string;
  spec: S;
  state: RunState;
  createdAt: string;
  finishedAt?: string;
  /** Internal failure (not a refusal or halt: those are reports). Redacted. */
  error?: string;
  progress: RunProgress;
  report?: UpgradeReport;
  /** Settles when the run ends, whatever the way. */
  done: Promise<void>;
}

interface RunEntry<S extends RunSpec> extends Run<S> {
  controller: AbortController;
  events: SequencedEvent[];
  nextSeq: number;
  listeners: Set<(e: SequencedEvent | 'end') => void>;
}

export interface RunManagerOptions {
  metrics: ServiceMetrics;
  log: Logger;
  now?: () => Date;
  /** Events kept per run for replay (oldest dropped past it); `call` events are never kept. */
  maxEventsPerRun?: number;
  /** Finished runs kept for GET (oldest forgotten past it). */
  maxFinishedRuns?: number;
}

export type StartResult<S extends RunSpec> =
  | { started: true; run: Run<S> }
  | { started: false; conflict: Run<S> }
  /** The service is stopping: no run starts any more. */
  | { started: false; stopping: true };

export class RunManager<S extends RunSpec> {
  private readonly runs = new Map<string, RunEntry<S>>();
  private stopping = false;
  private readonly now: () => Date;
  private readonly maxEvents: number;
  private readonly maxFinished: number;

  private readonly startRun: StartRun<S>;
  private readonly options: RunManagerOptions;

  constructor(startRun: StartRun<S>, options: RunManagerOptions) {
    this.startRun = startRun;
    this.options = options;
    this.now = options.now ?? (() => new Date());
    this.maxEvents = options.maxEventsPerRun ?? 10_000;
    this.maxFinished = options.maxFinishedRuns ?? 100;
  }

  /** Start a run unless another is under way on the same cluster, or the service is stopping. */
  start(spec: S): StartResult<S> {
    if (this.stopping) return { started: false, stopping: true };
    const busy = [...this.runs.values()].find(
      (r) => r.spec.clusterKey === spec.clusterKey && (r.state === 'running' || r.state === 'cancelling'),
    );
    if (busy) return { started: false, conflict: busy };

    const controller = new AbortController();
    const entry: RunEntry<S> = {
      id: randomUUID(),
      spec,
      state: 'running',
      createdAt: this.now().toISOString(),
      progress: newRunProgress(),
      controller,
      events: [],
      nextSeq: 1,
      listeners: new Set(),
      done: Promise.resolve(),
    };
    this.runs.set(entry.id, entry);
    this.options.metrics.runStarted();
    const log = this.options.log.child({ run: entry.id, mode: spec.mode });
    log.info('run started');

    const onEvent: EventSink = (event) => this.record(entry, event);
    entry.done = Promise.resolve()
      .then(() => this.startRun(spec, onEvent, controller.signal))
      .then(
        (report) => {
          entry.report = report;
          entry.state = 'finished';
          if (entry.progress.report === undefined) this.record(entry, { type: 'finished', at: report.finishedAt, report });
          this.options.metrics.runFinished(spec.mode, report.outcome);
          log.info({ outcome: report.outcome }, 'run finished');
        },
        (error: unknown) => {
          entry.state = 'failed';
          entry.error = redactSecrets(error instanceof Error ? error.message : String(error));
          this.options.metrics.runFinished(spec.mode, 'failed');
          log.error({ error: entry.error }, 'run failed');
        },
      )
      .finally(() => {
        entry.finishedAt = this.now().toISOString();
        for (const listener of entry.listeners) listener('end');
        entry.listeners.clear();
        this.forgetOldRuns();
      });
    return { started: true, run: entry };
  }

  get(id: string): Run<S> | undefined {
    return this.runs.get(id);
  }

  list(): Run<S>[] {
    return [...this.runs.values()];
  }

  /**
   * Stop a run safely, as SIGTERM does: no new termination, allocation restored, report returned.
   * The reason names the signal the run reports (a cancel request counts as SIGTERM).
   */
  cancel(id: string, reason: InterruptedError = new InterruptedError('SIGTERM')): 'cancelling' | 'not-found' | 'already-ended' {
    const entry = this.runs.get(id);
    if (!entry) return 'not-found';
    if (entry.state === 'finished' || entry.state === 'failed') return 'already-ended';
    if (entry.state === 'running') {
      entry.state = 'cancelling';
      entry.controller.abort(reason);
      this.options.log.info({ run: id, reason: reason.message }, 'run cancel requested');
    }
    return 'cancelling';
  }

  /**
   * Replay the events after `afterSeq`, then follow live ones until the run ends. Returns a function
   * that stops following, or undefined when the run is unknown.
   */
  subscribe(id: string, afterSeq: number, listener: (e: SequencedEvent | 'end') => void): (() => void) | undefined {
    const entry = this.runs.get(id);
    if (!entry) return undefined;
    for (const e of entry.events) if (e.seq > afterSeq) listener(e);
    if (entry.state === 'finished' || entry.state === 'failed') {
      listener('end');
      return () => undefined;
    }
    entry.listeners.add(listener);
    return () => entry.listeners.delete(listener);
  }

  /**
   * Service shutdown: start no new run, cancel every run under way with `reason`, and wait for them
   * to end (each wraps up within its own stop budget), at most `graceMs`. Resolves with the runs
   * still under way when the grace ran out.
   */
  async shutdown(reason: InterruptedError = new InterruptedError('SIGTERM'), graceMs = Infinity): Promise<Run<S>[]> {
    this.stopping = true;
    const underWay = [...this.runs.values()].filter((r) => r.state === 'running' || r.state === 'cancelling');
    for (const run of underWay) this.cancel(run.id, reason);
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<void>((resolve) => {
      if (Number.isFinite(graceMs)) timer = setTimeout(resolve, graceMs);
    });
    try {
      await Promise.race([Promise.all(underWay.map((r) => r.done)), graceOver]);
    } finally {
      clearTimeout(timer);
    }
    return underWay.filter((r) => r.state === 'running' || r.state === 'cancelling');
  }

  private record(entry: RunEntry<S>, event: UpgradeEvent): void {
    this.options.metrics.observe(event);
    applyEvent(entry.progress, event);
    if (event.type === 'call') return;
    const sequenced = { seq: entry.nextSeq++, event };
    entry.events.push(sequenced);
    if (entry.events.length > this.maxEvents) entry.events.shift();
    for (const listener of entry.listeners) listener(sequenced);
  }

  private forgetOldRuns(): void {
    const ended = [...this.runs.values()].filter((r) => r.state === 'finished' || r.state === 'failed');
    for (const old of ended.slice(0, Math.max(0, ended.length - this.maxFinished))) this.runs.delete(old.id);
  }
}
