// The cluster's health over the run as inline SVG: a band coloured by status, the number of nodes,
// and the unassigned / initializing / relocating shard counts, as step lines (a sample holds until
// the next). Node starts are marked so a dip lines up with the node that caused it. Pure.

import { formatDuration } from '../app/duration.ts';
import type { HealthSample } from '../upgrade/plan-model.ts';
import { attrs, escapeHtml, num } from './html.ts';
import { timeTicks, type ReportNode, type TimeScale } from './report-view.ts';

const WIDTH = 960;
const LEFT = 48;
const RIGHT = 12;
const PLOT = WIDTH - LEFT - RIGHT;

const BAND = { top: 4, height: 14 };
const NODES = { top: 38, height: 80 };
const SHARDS = { top: 142, height: 100 };
/** Room above a panel's largest value, so a line at the top does not run along the frame. */
const HEADROOM = 8;
const AXIS_Y = SHARDS.top + SHARDS.height + 16;
const HEIGHT = AXIS_Y + 8;

/** Series drawn, in legend order: CSS class and label. */
const HEALTH_SERIES = [
  { key: 'nodes', label: 'nodes', panel: NODES },
  { key: 'dataNodes', label: 'data nodes', panel: NODES },
  { key: 'unassigned', label: 'unassigned shards', panel: SHARDS },
  { key: 'initializing', label: 'initializing shards', panel: SHARDS },
  { key: 'relocating', label: 'relocating shards', panel: SHARDS },
] as const;

type SeriesKey = (typeof HEALTH_SERIES)[number]['key'];

const x = (fraction: number): number => LEFT + fraction * PLOT;

/** Upper bound of a panel's axis: the largest value, at least 1. */
function ceilingOf(samples: readonly HealthSample[], keys: readonly SeriesKey[]): number {
  return Math.max(1, ...samples.flatMap((s) => keys.map((k) => s[k])));
}

interface Step {
  x0: number;
  x1: number;
  sample: HealthSample;
}

/** Each sample's span on the x axis: from its time to the next sample's, the last to the run's end. */
function stepsOf(samples: readonly HealthSample[], scale: TimeScale): Step[] {
  return samples.map((sample, i) => {
    const next = samples[i + 1];
    return {
      x0: x(scale.at(Date.parse(sample.at))),
      x1: next ? x(scale.at(Date.parse(next.at))) : x(1),
      sample,
    };
  });
}

function valueY(panel: { top: number; height: number }, ceiling: number, v: number): number {
  return panel.top + panel.height - (v / ceiling) * (panel.height - HEADROOM);
}

function stepPath(steps: readonly Step[], key: SeriesKey, panel: { top: number; height: number }, ceiling: number): string {
  const y = (v: number): number => valueY(panel, ceiling, v);
  return steps
    .map((s, i) => `${i === 0 ? 'M' : 'L'}${num(s.x0)} ${num(y(s.sample[key]))}H${num(s.x1)}`)
    .join('');
}

function panelFrame(panel: { top: number; height: number }, ceiling: number, title: string): string {
  const bottom = panel.top + panel.height;
  return [
    `<rect class="frame"${attrs({ x: LEFT, y: panel.top, width: PLOT, height: panel.height })}/>`,
    `<text class="axis"${attrs({ x: LEFT - 6, y: num(valueY(panel, ceiling, ceiling) + 4), 'text-anchor': 'end' })}>${ceiling.toString()}</text>`,
    `<text class="axis"${attrs({ x: LEFT - 6, y: bottom, 'text-anchor': 'end' })}>0</text>`,
    `<text class="panel-title"${attrs({ x: LEFT, y: panel.top - 5 })}>${escapeHtml(title)}</text>`,
  ].join('');
}

export function renderHealthChart(samples: readonly HealthSample[], nodes: readonly ReportNode[], scale: TimeScale): string {
  if (samples.length === 0) {
    return '<p class="empty">No health samples in this report (a plan observes once; older versions did not record them).</p>';
  }
  const steps = stepsOf(samples, scale);
  const nodeCeiling = ceilingOf(samples, ['nodes', 'dataNodes']);
  const shardCeiling = ceilingOf(samples, ['unassigned', 'initializing', 'relocating']);

  const band = steps
    .map(
      (s) =>
        `<rect${attrs({ class: `status status-${statusClass(s.sample.status)}`, x: num(s.x0), y: BAND.top, width: num(Math.max(0, s.x1 - s.x0)), height: BAND.height })}>` +
        `<title>${escapeHtml(`${s.sample.at}: ${s.sample.status}`)}</title></rect>`,
    )
    .join('');
  const lines = HEALTH_SERIES.map((series) => {
    const ceiling = series.panel === NODES ? nodeCeiling : shardCeiling;
    return `<path${attrs({ class: `line line-${series.key}`, d: stepPath(steps, series.key, series.panel, ceiling) })}><title>${escapeHtml(series.label)}</title></path>`;
  }).join('');
  const markers = nodes
    .map((n) => {
      const mx = num(x(scale.at(Date.parse(n.startedAt))));
      return `<line${attrs({ class: 'marker', x1: mx, x2: mx, y1: BAND.top, y2: SHARDS.top + SHARDS.height })}><title>${escapeHtml(`${n.nodeName} started ${n.startedAt}`)}</title></line>`;
    })
    .join('');
  const ticks = timeTicks(scale.spanMs)
    .map((t) => {
      const tx = num(x(t / scale.spanMs));
      return (
        `<line${attrs({ class: 'tick', x1: tx, x2: tx, y1: SHARDS.top + SHARDS.height, y2: SHARDS.top + SHARDS.height + 4 })}/>` +
        `<text class="axis"${attrs({ x: tx, y: AXIS_Y, 'text-anchor': t / scale.spanMs > 0.95 ? 'end' : 'middle' })}>${t === 0 ? '0' : `+${formatDuration(t)}`}</text>`
      );
    })
    .join('');

  const label = `Cluster health over the run: ${samples.length.toString()} samples`;
  return (
    `<svg class="health-chart" role="img"${attrs({ viewBox: `0 0 ${WIDTH.toString()} ${HEIGHT.toString()}`, 'aria-label': label })}>` +
    `<text class="axis"${attrs({ x: LEFT - 6, y: BAND.top + 11, 'text-anchor': 'end' })}>health</text>` +
    band +
    panelFrame(NODES, nodeCeiling, 'nodes') +
    panelFrame(SHARDS, shardCeiling, 'shards') +
    markers +
    lines +
    ticks +
    '</svg>' +
    `<ul class="legend">${HEALTH_SERIES.map((s) => `<li><span class="swatch line-${s.key}"></span>${escapeHtml(s.label)}</li>`).join('')}` +
    ['green', 'yellow', 'red'].map((st) => `<li><span class="swatch status-${st}"></span>${st}</li>`).join('') +
    '<li><span class="swatch marker"></span>a node started</li></ul>'
  );
}

/** A CSS class suffix for a status: one of ours, never the raw string. */
export function statusClass(status: string): 'green' | 'yellow' | 'red' | 'unknown' {
  return status === 'green' || status === 'yellow' || status === 'red' ? status : 'unknown';
}
