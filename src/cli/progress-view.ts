// What a person running the CLI sees while it works. On a terminal: a small frame redrawn in place
// (phase, node k of n, what is awaited and for how long, shards recovering, refusals) and, at the
// end, the summary. Elsewhere (CI, a pipe, --no-progress with plain lines): one line per step.
// The frame and the lines are pure functions of the run's progress and the time.

import { applyEvent, newRunProgress, type RunProgress } from '../shared/run-progress.ts';
import type { EventSink, UpgradeEvent, UpgradeReport } from '../upgrade/plan-model.ts';

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
  let drawnLines = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const erase = (): string => (drawnLines > 0 ? `\x1b[${drawnLines}F\x1b[J` : '');
  const redraw = (): void => {
    if (stopped) return;
    const width = Math.max(20, (options.output.columns ?? 100) - 1);
    const frame = renderProgressFrame(progress, now()).map((line) => truncate(line, width));
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
    if (!live) {
      for (const line of plainLinesFor(event, progress, plain)) options.output.write(`${line}\n`);
      return;
    }
    if (event.type === 'finished') {
      stop();
      options.output.write(`${renderSummary(event.report).join('\n')}\n`);
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

/** The live frame: a few lines, no colours, each meant to fit one terminal row. */
export function renderProgressFrame(p: RunProgress, now: Date): string[] {
  const lines: string[] = [];
  const target = p.targetVersion === undefined ? '' : ` → ${p.targetVersion}`;
  const phase = p.phase === undefined ? 'planning' : `phase ${p.phase}`;
  const node = p.current
    ? `node ${p.current.index} of ${p.current.total}: ${p.current.nodeName}${p.current.instanceId ? ` (${p.current.instanceId})` : ''}`
    : 'between nodes';
  lines.push(`es-rolling-upgrade${target} · ${phase} · ${node}`);
  if (p.wait) {
    const elapsed = now.getTime() - Date.parse(p.wait.startedAt);
    const of = p.wait.timeoutMs > 0 ? ` of ${formatDuration(p.wait.timeoutMs)}` : '';
    lines.push(`  waiting for ${p.wait.kind}${p.wait.node ? ` (${p.wait.node})` : ''}: ${p.wait.detail} · ${formatDuration(elapsed)}${of}`);
  }
  if (p.recovery) {
    const r = p.recovery;
    lines.push(`  shards: ${r.status}, ${r.initializing} initializing, ${r.relocating} relocating, ${r.unassigned} unassigned`);
  }
  if (p.lastAction) {
    const a = p.lastAction;
    lines.push(`  last: ${a.action}${a.node ? ` ${a.node}` : ''}${a.instanceId ? ` (${a.instanceId})` : ''}: ${a.detail}`);
  }
  const total = p.toReplace === undefined ? '' : ` of ${p.toReplace}`;
  lines.push(`  replaced: ${p.replaced}${total} · Elasticsearch calls ${p.calls.elasticsearch}, AWS calls ${p.calls.aws}, errors ${p.calls.errors}`);
  for (const r of p.refusals) lines.push(`  refused by ${r.rule}${r.node ? ` (${r.node})` : ''}: ${r.reason}`);
  return lines;
}

/** The summary printed once the run is over. */
export function renderSummary(report: UpgradeReport): string[] {
  const replaced = report.nodes.filter((n) => n.outcome === 'replaced');
  const lines = [
    `${report.outcome} in ${formatDuration(report.durationMs)}: ${replaced.length} of ${report.plan.toReplace} node(s) replaced → ${report.targetVersion}`,
  ];
  for (const n of report.nodes) {
    const to = n.replacementNodeName ? ` → ${n.replacementNodeName}` : '';
    const took = n.durationMs === undefined ? '' : ` in ${formatDuration(n.durationMs)}`;
    lines.push(`  ${n.nodeName}${n.instanceId ? ` (${n.instanceId})` : ''}${to}: ${n.outcome}${took}`);
  }
  for (const r of report.refusals) lines.push(`  refused by ${r.rule}${r.node ? ` (${r.node})` : ''}: ${r.reason}`);
  if (report.terminatedInstanceIds.length > 0) lines.push(`  terminated: ${report.terminatedInstanceIds.join(', ')}`);
  lines.push(`  ${report.message}`);
  return lines;
}

interface PlainState {
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
function plainLinesFor(event: UpgradeEvent, p: RunProgress, s: PlainState): string[] {
  const at = Date.parse(event.at);
  const stamp = (text: string): string => `${event.at.slice(11, 19)} ${text}`;
  switch (event.type) {
    case 'plan':
      return [stamp(`plan: ${event.plan.toReplace} node(s) to replace → ${event.plan.targetVersion} (${event.plan.order}, ${event.plan.strategy})`)];
    case 'phase':
      return [stamp(`phase ${event.phase}: ${event.nodes} node(s)`)];
    case 'node-start':
      return [stamp(`node ${event.index} of ${event.total}: ${event.node}${event.instanceId ? ` (${event.instanceId})` : ''}`)];
    case 'refused':
      return event.refusals.map((r) => stamp(`refused by ${r.rule}${r.node ? ` (${r.node})` : ''}: ${r.reason}`));
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
      return [stamp(`${event.node} replaced${event.replacement ? ` by ${event.replacement}` : ''} in ${formatDuration(event.durationMs)} (${p.replaced}${p.toReplace === undefined ? '' : ` of ${p.toReplace}`})`)];
    case 'call':
    case 'health':
      return [];
    case 'finished':
      return renderSummary(event.report);
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

function truncate(line: string, width: number): string {
  const chars = [...line];
  return chars.length <= width ? line : `${chars.slice(0, width - 1).join('')}…`;
}
