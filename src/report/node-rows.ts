// One row per node the run touched: who, which instance, its replacement, the outcome and how long it
// took, and a bar on the run's time axis with each wait (drain, leave, join, settle) as a segment and
// the terminate as a tick. Pure.

import { formatDuration } from '../app/duration.ts';
import type { WaitKind } from '../upgrade/plan-model.ts';
import { attrs, escapeHtml, formatClock, num } from './html.ts';
import { timeTicks, type ReportNode, type ReportWait, type TimeScale } from './report-view.ts';

/** How each wait reads in the legend, in the order a node goes through them. */
const WAIT_LABELS: readonly [WaitKind, string][] = [
  ['safe-to-proceed', 'safe to proceed'],
  ['drain', 'drain'],
  ['node-leave', 'leave'],
  ['node-join', 'join'],
  ['yellow', 'settle (yellow)'],
  ['green', 'settle (green)'],
];

const pct = (fraction: number): string => `${num(fraction * 100)}%`;

function waitEndMs(w: ReportWait, nowMs: number): number {
  return Date.parse(w.startedAt) + (w.durationMs ?? Math.max(0, nowMs - Date.parse(w.startedAt)));
}

function describeWait(w: ReportWait): string {
  const took = w.durationMs === undefined ? '' : ` ${formatDuration(w.durationMs)}`;
  return `${w.kind}${took}${w.outcome === 'met' ? '' : ` (${w.outcome})`}`;
}

/** Where the terminate falls: when the old node began to leave (the run terminates, then awaits that). */
function terminateAt(n: ReportNode): string | undefined {
  return n.waits.find((w) => w.kind === 'node-leave')?.startedAt;
}

function bar(n: ReportNode, scale: TimeScale, endMs: number): string {
  const startMs = Date.parse(n.startedAt);
  const finishMs = n.finishedAt === undefined ? endMs : Date.parse(n.finishedAt);
  const from = scale.at(startMs);
  const to = Math.max(from, scale.at(finishMs));
  const span = `<div${attrs({ class: `span span-${n.outcome}`, style: `left:${pct(from)};width:${pct(to - from)}` })}></div>`;
  const segments = n.waits
    .map((w) => {
      const a = scale.at(Date.parse(w.startedAt));
      const b = Math.max(a, scale.at(waitEndMs(w, endMs)));
      return (
        `<div${attrs({
          class: `seg wait-${w.kind} seg-${w.outcome}`,
          style: `left:${pct(a)};width:${pct(b - a)}`,
          title: `${describeWait(w)}, from ${formatClock(w.startedAt)}`,
          'data-kind': w.kind,
        })}></div>`
      );
    })
    .join('');
  const terminated = terminateAt(n);
  const tick =
    terminated === undefined
      ? ''
      : `<div${attrs({ class: 'terminate', style: `left:${pct(scale.at(Date.parse(terminated)))}`, title: `terminate ${n.instanceId ?? ''} at ${formatClock(terminated)}` })}></div>`;
  return `<div class="track">${span}${segments}${tick}</div>`;
}

function waitsText(n: ReportNode): string {
  const parts = n.waits.map(describeWait);
  const terminated = terminateAt(n);
  if (terminated !== undefined) parts.unshift(`terminate ${formatClock(terminated)}`);
  return parts.length === 0 ? 'no waits' : parts.join(' · ');
}

function axis(scale: TimeScale): string {
  return timeTicks(scale.spanMs)
    .map((t) => `<span${attrs({ class: t / scale.spanMs > 0.95 ? 'tick tick-end' : 'tick', style: `left:${pct(t / scale.spanMs)}` })}>${t === 0 ? '0' : `+${escapeHtml(formatDuration(t))}`}</span>`)
    .join('');
}

export function renderNodeRows(nodes: readonly ReportNode[], scale: TimeScale, endMs: number): string {
  if (nodes.length === 0) return '<p class="empty">No node was touched.</p>';
  const batched = nodes.some((n) => n.batch !== undefined);
  const head =
    '<tr><th>#</th>' +
    (batched ? '<th>Batch</th>' : '') +
    '<th>Phase</th><th>Node</th><th>Instance</th><th>Replacement</th><th>Outcome</th><th>Started</th><th>Duration</th>' +
    `<th class="timeline-head">Timeline<div class="axis-ticks">${axis(scale)}</div></th></tr>`;
  const rows = nodes
    .map((n, i) => {
      const replacement =
        n.replacementNodeName === undefined
          ? '<span class="none">-</span>'
          : `<span class="replacement-name">${escapeHtml(n.replacementNodeName)}</span>` +
            (n.replacementInstanceId === undefined ? '' : `<br><span class="id replacement-instance">${escapeHtml(n.replacementInstanceId)}</span>`);
      return (
        `<tr${attrs({ class: `node-row outcome-${n.outcome}`, 'data-node': n.nodeName })}>` +
        `<td class="index">${(i + 1).toString()}</td>` +
        (batched ? `<td class="batch">${n.batch === undefined ? '-' : n.batch.toString()}</td>` : '') +
        `<td class="phase">${escapeHtml(n.phase)}</td>` +
        `<td class="node-name">${escapeHtml(n.nodeName)}</td>` +
        `<td class="instance-id id">${escapeHtml(n.instanceId ?? '-')}</td>` +
        `<td class="replacement">${replacement}</td>` +
        `<td class="outcome"><span${attrs({ class: `badge badge-${n.outcome}` })}>${escapeHtml(n.outcome)}</span></td>` +
        `<td class="started">${escapeHtml(formatClock(n.startedAt))}</td>` +
        `<td${attrs({ class: 'duration', 'data-ms': n.durationMs })}>${n.durationMs === undefined ? '-' : escapeHtml(formatDuration(n.durationMs))}</td>` +
        `<td class="timeline">${bar(n, scale, endMs)}<div class="waits">${escapeHtml(waitsText(n))}</div></td>` +
        '</tr>'
      );
    })
    .join('');
  const legend =
    '<ul class="legend">' +
    WAIT_LABELS.map(([kind, label]) => `<li><span class="swatch wait-${kind}"></span>${escapeHtml(label)}</li>`).join('') +
    '<li><span class="swatch terminate"></span>terminate</li><li><span class="swatch seg-timed-out"></span>timed out</li></ul>';
  return `<table id="nodes-table" class="nodes"><thead>${head}</thead><tbody>${rows}</tbody></table>${legend}`;
}
