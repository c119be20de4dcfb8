// A run's report as one self-contained HTML page: inline CSS and SVG, no script, nothing fetched
// (a Content-Security-Policy says so to the browser too), readable on screen and printed. Every
// string from the report is escaped. Pure: the same report gives the same page.

import { formatDuration } from '../app/duration.ts';
import type { UpgradeReport } from '../upgrade/plan-model.ts';
import { renderHealthChart, statusClass } from './health-chart.ts';
import { attrs, escapeHtml, formatClock, formatUtc } from './html.ts';
import { renderNodeRows } from './node-rows.ts';
import { REPORT_CSS } from './report-css.ts';
import { timeScaleOf, type ReportView, type TimeScale } from './report-view.ts';

export interface HtmlReportOptions {
  /** Reload the page every so many seconds (the live page of a run under way). */
  refreshSeconds?: number;
}

/** Nothing but inline styles and data: images; no script at all. */
const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const e = escapeHtml;

export function renderHtmlReport(report: UpgradeReport | ReportView, options: HtmlReportOptions = {}): string {
  const view: ReportView = report;
  const scale = timeScaleOf(view);
  const endMs = Date.parse(view.finishedAt);
  const refresh = options.refreshSeconds === undefined ? '' : `<meta http-equiv="refresh"${attrs({ content: Math.max(1, Math.round(options.refreshSeconds)) })}>`;
  const title = `es-rolling-upgrade ${view.mode}: ${view.outcome}, target ${view.targetVersion}`;
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy"${attrs({ content: CONTENT_SECURITY_POLICY })}>`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="generator" content="es-rolling-upgrade">',
    refresh,
    '<link rel="icon" href="data:,">',
    `<title>${e(title)}</title>`,
    `<style>${REPORT_CSS}</style>`,
    '</head><body>',
    header(view),
    ...(view.mode === 'plan' ? planSections(view) : runSections(view, scale, endMs)),
    `<footer>es-rolling-upgrade report · ${e(view.tool)} · ${e(formatUtc(view.startedAt))}</footer>`,
    '</body></html>',
    '',
  ].join('\n');
}

/** A plan changed nothing: what it would do, and what would stop it. */
function planSections(view: ReportView): string[] {
  return [planSection(view), section('refusals', 'Refusals', refusals(view))];
}

function runSections(view: ReportView, scale: TimeScale, endMs: number): string[] {
  return [
    section('nodes', `Nodes (${view.nodes.length.toString()})`, renderNodeRows(view.nodes, scale, endMs)),
    section('health', 'Cluster health', renderHealthChart(view.healthSamples ?? [], view.nodes, scale) + samplesTable(view)),
    section('refusals', 'Refusals and halts', refusals(view)),
    section('conflicts', `Version conflicts accepted (${view.versionConflictsAccepted.length.toString()})`, conflicts(view)),
    section('replicas', `Replicas placed (${view.replicasPlaced.length.toString()})`, replicas(view)),
    section('instances', 'Terminated instances', instances(view)),
    planSection(view),
  ];
}

function planSection(view: ReportView): string {
  return section('plan', `Plan (${view.plan.toReplace.toString()} of ${view.plan.rows.length.toString()} to replace)`, plan(view));
}

function section(id: string, heading: string, body: string): string {
  return `<section${attrs({ id })}><h2>${e(heading)}</h2>${body}</section>`;
}

function table(id: string, headings: readonly string[], rows: readonly (readonly string[])[], rowClass: string): string {
  const head = headings.map((h) => `<th>${e(h)}</th>`).join('');
  const body = rows.map((cells) => `<tr${attrs({ class: rowClass })}>${cells.map((c) => `<td>${e(c)}</td>`).join('')}</tr>`).join('');
  return `<table${attrs({ id })}><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

const STOPPED = new Set(['halted', 'refused', 'failed', 'interrupted']);
const OUTCOME_HEADINGS: Readonly<Record<string, string>> = {
  halted: 'Halted',
  refused: 'Refused to start',
  failed: 'Failed',
  interrupted: 'Interrupted',
};

function header(r: ReportView): string {
  const facts: [string, string][] = [
    ['Mode', r.mode],
    ['Target version', r.targetVersion],
    ['Order', r.order],
    ['Strategy', r.strategy],
    ['Started', formatUtc(r.startedAt)],
    [r.outcome === 'running' ? 'So far' : 'Finished', formatUtc(r.finishedAt)],
    ['Duration', formatDuration(r.durationMs)],
    ['Exit code', r.outcome === 'running' ? '-' : r.exitCode.toString()],
    [
      r.outcome === 'running' ? 'Health (last seen)' : 'Final health',
      r.finalHealth
        ? `${r.finalHealth.status}, ${r.finalHealth.numberOfNodes.toString()} nodes, ${r.finalHealth.unassignedShards.toString()} unassigned shards`
        : 'unknown',
    ],
  ];
  const dl = facts.map(([k, v]) => `<div><dt>${e(k)}</dt><dd${attrs({ 'data-fact': k })}>${e(v)}</dd></div>`).join('');
  const health = r.finalHealth ? `<span${attrs({ class: `health-dot status-${statusClass(r.finalHealth.status)}` })}></span>` : '';
  return (
    `<header${attrs({ class: `summary outcome-${r.outcome}` })}>` +
    `<h1>Rolling upgrade to ${e(r.targetVersion)}: <span${attrs({ id: 'outcome', class: `badge badge-${r.outcome}` })}>${e(r.outcome)}</span>${health}</h1>` +
    `<p${attrs({ id: 'message', class: STOPPED.has(r.outcome) ? 'message alert' : 'message' })}>${e(r.message)}</p>` +
    `<dl class="facts">${dl}</dl></header>`
  );
}

function samplesTable(r: ReportView): string {
  const samples = r.healthSamples ?? [];
  if (samples.length === 0) return '';
  const rows = samples.map((s) => [
    formatClock(s.at),
    s.status,
    s.nodes.toString(),
    s.dataNodes.toString(),
    s.unassigned.toString(),
    s.initializing.toString(),
    s.relocating.toString(),
  ]);
  return (
    `<details><summary>Samples (${samples.length.toString()}, one per change)</summary>` +
    table('samples-table', ['At (UTC)', 'Status', 'Nodes', 'Data nodes', 'Unassigned', 'Initializing', 'Relocating'], rows, 'sample-row') +
    '</details>'
  );
}

function refusals(r: ReportView): string {
  const parts: string[] = [];
  if (STOPPED.has(r.outcome)) {
    // Messages of a stopped run start with what happened ("halted: ..."): said once, as the heading.
    const prefix = `${r.outcome}: `;
    const why = r.message.startsWith(prefix) ? r.message.slice(prefix.length) : r.message;
    parts.push(`<p${attrs({ id: 'halt', class: 'alert' })}><strong>${e(OUTCOME_HEADINGS[r.outcome] ?? r.outcome)}:</strong> ${e(why)}</p>`);
  }
  const timedOut = r.nodes.flatMap((n) => n.waits.filter((w) => w.outcome === 'timed-out').map((w) => ({ n, w })));
  if (timedOut.length > 0) {
    parts.push(
      table(
        'timeouts-table',
        ['Node', 'Wait', 'From', 'Gave up after'],
        timedOut.map(({ n, w }) => [n.nodeName, w.kind, formatUtc(w.startedAt), w.durationMs === undefined ? '-' : formatDuration(w.durationMs)]),
        'timeout-row',
      ),
    );
  }
  if (r.refusals.length > 0) {
    parts.push(table('refusals-table', ['Rule', 'Node', 'Reason'], r.refusals.map((x) => [x.rule, x.node ?? '-', x.reason]), 'refusal-row'));
  }
  if (parts.length > 0) return parts.join('');
  return r.mode === 'plan' ? '<p class="empty">None: no safety rule would refuse to start.</p>' : '<p class="empty">None: no safety rule refused and the run did not halt.</p>';
}

function conflicts(r: ReportView): string {
  if (r.versionConflictsAccepted.length === 0) return '<p class="empty">None.</p>';
  return (
    '<p>Replicas left unassigned only because their primary is on a node of the newer version; they are assigned once enough nodes run it.</p>' +
    table(
      'conflicts-table',
      ['Index', 'Shard', 'Accepted at', 'Explanation'],
      r.versionConflictsAccepted.map((c) => [c.index, c.shard.toString(), formatUtc(c.at), c.explanation]),
      'conflict-row',
    )
  );
}

function replicas(r: ReportView): string {
  if (r.outcome === 'running') return '<p class="empty">Listed when the run ends.</p>';
  if (r.replicasPlaced.length === 0) return '<p class="empty">None.</p>';
  return (
    '<p>Replicas the balancer held back, placed by this run.</p>' +
    table('replicas-table', ['Index', 'Shard', 'Node', 'At'], r.replicasPlaced.map((p) => [p.index, p.shard.toString(), p.node, formatUtc(p.at)]), 'replica-row')
  );
}

function idList(id: string, ids: readonly string[]): string {
  if (ids.length === 0) return `<p${attrs({ id, class: 'empty' })}>None.</p>`;
  return `<ol${attrs({ id, class: 'ids' })}>${ids.map((x) => `<li class="id">${e(x)}</li>`).join('')}</ol>`;
}

function instances(r: ReportView): string {
  const earlier =
    r.previouslyTerminatedInstanceIds.length === 0
      ? ''
      : `<h3>Terminated by earlier runs for this target</h3>${idList('previously-terminated', r.previouslyTerminatedInstanceIds)}`;
  return idList('terminated', r.terminatedInstanceIds) + earlier;
}

function plan(r: ReportView): string {
  const p = r.plan;
  const rows = p.rows.map((row) => [
    row.step === 0 ? '-' : row.step.toString(),
    row.phase,
    row.nodeName + (row.isElectedMaster ? ' (elected master)' : ''),
    row.esVersion,
    row.instanceId ?? '-',
    row.groupName ?? '-',
    row.availabilityZone ?? '-',
    row.action,
    row.reason,
  ]);
  const open = r.mode === 'plan' ? ' open' : '';
  return (
    `<p>${e(p.orderReason)}</p>` +
    `<details${open}><summary>${p.rows.length.toString()} nodes</summary>` +
    table('plan-table', ['Step', 'Phase', 'Node', 'Version', 'Instance', 'Group', 'Zone', 'Action', 'Reason'], rows, 'plan-row') +
    '</details>'
  );
}
