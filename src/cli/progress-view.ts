// What a person running the CLI sees while it works. On a terminal: a small frame redrawn in place
// (phase, node k of n, share of nodes done and the time left, what is awaited and for how long,
// shards recovering, refusals) and, at the end, the summary. Elsewhere (CI, a pipe, --no-progress
// with plain lines): one line per step, with the same share and time left at each node. The frame
// and the lines are pure functions of the run's progress and the time. Colour only when asked (a
// terminal without NO_COLOR: see colour.ts).

import { applyEvent, newRunProgress, type RunProgress } from '../shared/run-progress.ts';
import type { EventSink, UpgradeEvent, UpgradeReport } from '../upgrade/plan-model.ts';
import { paintOutcome, palette, truncateVisible, type Palette } from './colour.ts';
import { estimateRun, plannedNodes, type PlannedNodes, type RunEstimate } from './run-estimate.ts';

export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressViewOptions {
  output: ProgressOutput;
  /** Redraw a live frame (default: when the output is a terminal); otherwise plain lines. */
  live?: boolean;
  now?: () => Date;
  /** Redraw interval of the live frame, so waiting times tick. */
  refreshMs?: number;
  /** Colour (default none): the caller decides, from the terminal and NO_COLOR. */
  colour?: boolean;
}

export interface ProgressView {
  onEvent: EventSink;
  /** Stop redrawing and leave the terminal as it was (idempotent). */
  stop(): void;
}

export function createProgressView(options: ProgressViewOptions): ProgressView {
  const live = options.live ?? options.output.isTTY === true;
  const now = options.now ?? (() => new Date());
  const progress = newRunProgress();
  const plain = newPlainState();
  const paint = palette(options.colour ?? false);
  let drawnLines = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const erase = (): string => (drawnLines > 0 ? `\x1b[${drawnLines}F\x1b[J` : '');
  const redraw = (): void => {
    if (stopped) return;
    const width = Math.max(20, (options.output.columns ?? 100) - 1);
    const frame = renderProgressFrame(progress, now(), { planned: plain.planned, paint }).map((line) => truncateVisible(line, width));
    options.output.write(`${erase()}${frame.join('\n')}\n`);
    drawnLines = frame.length;
  };

  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    if (timer) clearInterval(timer);
    if (live) options.output.write(`${erase()}\x1b[?25h`);
    drawnLines = 0;
  };

  const onEvent: EventSink = (event) => {
    if (stopped) return;
    applyEvent(progress, event);
    if (event.type === 'plan') plain.planned = plannedNodes(event.plan);
    if (!live) {
      for (const line of plainLinesFor(event, progress, plain, paint)) options.output.write(`${line}\n`);
      return;
    }
    if (event.type === 'finished') {
      stop();
      options.output.write(`${renderSummary(event.report, paint).join('\n')}\n`);
      return;
    }
    if (event.type === 'call') return;
    if (!timer) {
      options.output.write('\x1b[?25l');
      timer = setInterval(redraw, options.refreshMs ?? 1000);
      timer.unref();
    }
    redraw();
  };

  return { onEvent, stop };
}

export interface FrameOptions {
  /** What the plan replaces, by phase (from its plan event); the share and time left need it. */
  planned?: readonly PlannedNodes[] | undefined;
  paint?: Palette;
}

/** The live frame: a few lines, each meant to fit one terminal row. */
export function renderProgressFrame(p: RunProgress, now: Date, options: FrameOptions = {}): string[] {
  const paint = options.paint ?? palette(false);
  const lines: string[] = [];
  const target = p.targetVersion === undefined ? '' : ` → ${p.targetVersion}`;
  const phase = p.phase === undefined ? 'planning' : `phase ${p.phase}`;
  const node = p.current
    ? `node ${p.current.index} of ${p.current.total}: ${p.current.nodeName}${p.current.instanceId ? ` (${p.current.instanceId})` : ''}`
    : 'between nodes';
  lines.push(`${paint.bold(`es-rolling-upgrade${target}`)} · ${phase} · ${node}`);
  if (options.planned !== undefined) {
    const e = estimateOf(p, options.planned, now);
    lines.push(`  ${progressBar(e.percent, paint)} ${e.percent.toString()}% · ${e.done.toString()} of ${e.total.toString()} replaced · ${describeTimeLeft(e)}`);
  }
  if (p.wait) {
    const elapsed = now.getTime() - Date.parse(p.wait.startedAt);
    const of = p.wait.timeoutMs > 0 ? ` of ${formatDuration(p.wait.timeoutMs)}` : '';
    lines.push(`  ${paint.yellow('waiting for')} ${p.wait.kind}${p.wait.node ? ` (${p.wait.node})` : ''}: ${p.wait.detail} · ${formatDuration(elapsed)}${of}`);
  }
  if (p.recovery) {
    const r = p.recovery;
    lines.push(`  shards: ${r.status}, ${r.initializing} initializing, ${r.relocating} relocating, ${r.unassigned} unassigned`);
  }
  if (p.lastAction) {
    const a = p.lastAction;
    lines.push(`  last: ${a.action}${a.node ? ` ${a.node}` : ''}${a.instanceId ? ` (${a.instanceId})` : ''}: ${a.detail}`);
  }
  const errors = `errors ${p.calls.errors.toString()}`;
  lines.push(`  Elasticsearch calls ${p.calls.elasticsearch.toString()}, AWS calls ${p.calls.aws.toString()}, ${p.calls.errors > 0 ? paint.red(errors) : errors}`);
  for (const r of p.refusals) lines.push(`  ${paint.red('refused by')} ${r.rule}${r.node ? ` (${r.node})` : ''}: ${r.reason}`);
  return lines;
}

function estimateOf(p: RunProgress, planned: readonly PlannedNodes[], now: Date): RunEstimate {
  const done = p.nodes.filter((n) => n.state === 'replaced').map((n) => ({ phase: n.phase, durationMs: n.durationMs ?? 0 }));
  return estimateRun({ planned, done, current: p.current }, now);
}

/** "ETA 1h20m (about 14:32)", or why there is none yet; the clock local unless told otherwise. */
export function describeTimeLeft(e: RunEstimate, clock: (at: Date) => string = localClock): string {
  if (e.done >= e.total) return 'no node left';
  if (e.remainingMs === undefined || e.finishAt === undefined) return 'ETA once the first node is done';
  return `ETA ${formatDuration(e.remainingMs)} (about ${clock(e.finishAt)})`;
}

const BAR_WIDTH = 20;

function progressBar(percent: number, paint: Palette): string {
  const filled = Math.round((percent / 100) * BAR_WIDTH);
  const part = (paintPart: (text: string) => string, text: string): string => (text === '' ? '' : paintPart(text));
  return `${part(paint.green, '█'.repeat(filled))}${part(paint.dim, '░'.repeat(BAR_WIDTH - filled))}`;
}

/** 14:32, local time: when the person watching may come back. */
function localClock(at: Date): string {
  return `${String(at.getHours()).padStart(2, '0')}:${String(at.getMinutes()).padStart(2, '0')}`;
}

/** 14:32 in UTC, as plain lines stamp their time. */
function utcClock(at: Date): string {
  return at.toISOString().slice(11, 16);
}

/** The summary printed once the run is over. */
function renderSummary(report: UpgradeReport, paint: Palette = palette(false)): string[] {
  const replaced = report.nodes.filter((n) => n.outcome === 'replaced');
  const lines = [
    `${paintOutcome(paint, report.outcome)(report.outcome)} in ${formatDuration(report.durationMs)}: ${replaced.length} of ${report.plan.toReplace} node(s) replaced → ${report.targetVersion}`,
  ];
  for (const n of report.nodes) {
    const to = n.replacementNodeName ? ` → ${n.replacementNodeName}` : '';
    const took = n.durationMs === undefined ? '' : ` in ${formatDuration(n.durationMs)}`;
    lines.push(`  ${n.nodeName}${n.instanceId ? ` (${n.instanceId})` : ''}${to}: ${n.outcome}${took}`);
  }
  for (const r of report.refusals) lines.push(`  ${paint.red('refused by')} ${r.rule}${r.node ? ` (${r.node})` : ''}: ${r.reason}`);
  if (report.terminatedInstanceIds.length > 0) lines.push(`  terminated: ${report.terminatedInstanceIds.join(', ')}`);
  lines.push(`  ${report.message}`);
  return lines;
}

interface PlainState {
  planned?: PlannedNodes[];
  waitKey?: string;
  waitPrintedAt?: number;
  recoveryKey?: string;
  recoveryPrintedAt?: number;
}

function newPlainState(): PlainState {
  return {};
}

const WAIT_REPEAT_MS = 60_000;
const RECOVERY_REPEAT_MS = 30_000;

/** Plain log lines for one event; a wait or a recovery that goes on is repeated at most once a minute / 30s. */
function plainLinesFor(event: UpgradeEvent, p: RunProgress, s: PlainState, paint: Palette): string[] {
  const at = Date.parse(event.at);
  const stamp = (text: string): string => `${event.at.slice(11, 19)} ${text}`;
  // The share done and the time left, as of this event's time (the run's clock, not the screen's).
  const estimate = (): string => {
    if (s.planned === undefined) return '';
    const e = estimateOf(p, s.planned, new Date(at));
    return ` · ${e.percent.toString()}% · ${describeTimeLeft(e, utcClock)}`;
  };
  switch (event.type) {
    case 'plan':
      return [stamp(`plan: ${event.plan.toReplace} node(s) to replace → ${event.plan.targetVersion} (${event.plan.order}, ${event.plan.strategy})`)];
    case 'phase':
      return [stamp(`phase ${event.phase}: ${event.nodes} node(s)`)];
    case 'node-start':
      return [stamp(`node ${event.index} of ${event.total}: ${event.node}${event.instanceId ? ` (${event.instanceId})` : ''}${estimate()}`)];
    case 'refused':
      return event.refusals.map((r) => stamp(`${paint.red('refused by')} ${r.rule}${r.node ? ` (${r.node})` : ''}: ${r.reason}`));
    case 'action':
      return [stamp(`${event.action}${event.node ? ` ${event.node}` : ''}${event.instanceId ? ` (${event.instanceId})` : ''}: ${event.detail}`)];
    case 'wait': {
      const key = `${event.kind}/${event.node ?? ''}`;
      if (key === s.waitKey && s.waitPrintedAt !== undefined && at - s.waitPrintedAt < WAIT_REPEAT_MS) return [];
      s.waitKey = key;
      s.waitPrintedAt = at;
      return [
        stamp(`waiting for ${event.kind}${event.node ? ` (${event.node})` : ''}: ${event.detail} · ${formatDuration(event.sinceMs)} of ${formatDuration(event.timeoutMs)}`),
      ];
    }
    case 'wait-done':
      delete s.waitKey;
      return [stamp(`${event.kind}${event.node ? ` (${event.node})` : ''} met after ${formatDuration(event.durationMs)}`)];
    case 'recovery': {
      const key = `${event.status}/${event.initializing}/${event.relocating}/${event.unassigned}`;
      const statusChanged = s.recoveryKey?.split('/')[0] !== event.status;
      if (key === s.recoveryKey) return [];
      if (!statusChanged && s.recoveryPrintedAt !== undefined && at - s.recoveryPrintedAt < RECOVERY_REPEAT_MS) return [];
      s.recoveryKey = key;
      s.recoveryPrintedAt = at;
      return [stamp(`shards: ${event.status}, ${event.initializing} initializing, ${event.relocating} relocating, ${event.unassigned} unassigned`)];
    }
    case 'version-conflicts':
      return [stamp(`accepted ${event.conflicts.length} replica(s) unassigned only because their primary is on a newer node`)];
    case 'node-done':
      return [
        stamp(
          `${event.node} ${paint.green('replaced')}${event.replacement ? ` by ${event.replacement}` : ''} in ${formatDuration(event.durationMs)} (${p.replaced}${p.toReplace === undefined ? '' : ` of ${p.toReplace}`})${estimate()}`,
        ),
      ];
    case 'call':
    case 'health':
      return [];
    case 'finished':
      return renderSummary(event.report, paint);
  }
}

/** 45s, 1m05s, 2h03m. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

