// The HTML report as text: self-contained, every report string escaped, each section present. The
// browser test (html-report.browser.test.ts) checks what a real browser makes of it.

import { beforeAll, describe, expect, it } from 'vitest';
import { formatDuration } from '../../src/app/duration.ts';
import { renderHtmlReport } from '../../src/report/html-report.ts';
import type { ReportView } from '../../src/report/report-view.ts';
import type { UpgradeReport } from '../../src/upgrade/plan-model.ts';
import { aReport } from '../support/report-builder.ts';
import { demoPlan, demoRun, haltedRun } from './simulated-runs.ts';

const HOSTILE = `<script>document.title='owned'</script><img src=x onerror="alert(1)">"'&`;

/** The text of each element of `tag` with `class`, in order (no nesting of the same tag inside). */
function cells(html: string, className: string): string[] {
  const re = new RegExp(`<td class="${className}"[^>]*>(.*?)</td>`, 'g');
  return [...html.matchAll(re)].map((m) => (m[1] ?? '').replace(/<[^>]+>/g, ''));
}

let demo: UpgradeReport;
let halted: UpgradeReport;
beforeAll(async () => {
  demo = (await demoRun()).report;
  halted = (await haltedRun()).report;
});

describe('renderHtmlReport', () => {
  it('is one self-contained page: no script, nothing fetched, a policy that forbids both', () => {
    const html = renderHtmlReport(demo);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\ssrc=/i);
    expect([...html.matchAll(/\shref="([^"]*)"/g)].map((m) => m[1])).toEqual(['data:,']);
    expect(html).not.toMatch(/url\(|@import|https?:\/\//i);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;unsafe-inline&#39;; img-src data:">`);
  });

  it('shows every string from the report as text, never as markup', () => {
    const report = aReport('halted')
      .withMessage(`halted: ${HOSTILE}`)
      .withReplacedNode(HOSTILE, `i-${HOSTILE}`, `new-${HOSTILE}`)
      .withRefusal(`rule-${HOSTILE}`, `reason ${HOSTILE}`, `node-${HOSTILE}`)
      .build();
    report.targetVersion = `9.5.4${HOSTILE}`;
    report.versionConflictsAccepted.push({ index: `idx-${HOSTILE}`, shard: 0, explanation: `expl ${HOSTILE}`, at: report.startedAt });
    report.replicasPlaced.push({ index: `idx-${HOSTILE}`, shard: 1, node: `n-${HOSTILE}`, at: report.startedAt });
    report.plan.orderReason = `because ${HOSTILE}`;
    report.healthSamples = [{ at: report.startedAt, status: HOSTILE, nodes: 1, dataNodes: 1, unassigned: 0, initializing: 0, relocating: 0 }];

    const html = renderHtmlReport(report);

    expect(html).not.toMatch(/<script|<img|onerror="/i);
    const escaped = '&lt;script&gt;document.title=&#39;owned&#39;&lt;/script&gt;&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&quot;&#39;&amp;';
    // Message, node, instance, replacement, refusal (3), conflict (2), replica (2), order reason,
    // status, target version (title and heading)...
    expect(html.split(escaped).length - 1).toBeGreaterThanOrEqual(14);
    expect(cells(html, 'node-name')).toEqual([escaped]);
  });

  it('has one row per node, in order, with its instance, replacement, outcome and duration', () => {
    const html = renderHtmlReport(demo);
    expect(demo.nodes).toHaveLength(6);
    expect(cells(html, 'node-name')).toEqual(demo.nodes.map((n) => n.nodeName));
    expect(cells(html, 'instance-id id')).toEqual(demo.nodes.map((n) => n.instanceId));
    expect(cells(html, 'outcome')).toEqual(demo.nodes.map((n) => n.outcome));
    expect(cells(html, 'duration')).toEqual(demo.nodes.map((n) => formatDuration(n.durationMs ?? NaN)));
    expect(cells(html, 'replacement')).toEqual(demo.nodes.map((n) => `${n.replacementNodeName ?? ''}${n.replacementInstanceId ?? ''}`));
    expect(demo.nodes.every((n) => n.replacementInstanceId?.startsWith('i-'))).toBe(true);
    for (const n of demo.nodes) for (const w of n.waits) expect(html).toContain(`data-kind="${w.kind}"`);
    expect([...html.matchAll(/<li class="id">([^<]*)<\/li>/g)].map((m) => m[1])).toEqual(demo.terminatedInstanceIds);
  });

  it('draws the health series: a status band piece and a table row per sample', () => {
    const html = renderHtmlReport(demo);
    const samples = demo.healthSamples ?? [];
    expect(samples.length).toBeGreaterThan(5);
    expect(html.match(/<rect class="status status-/g)).toHaveLength(samples.length);
    expect(html.match(/<tr class="sample-row">/g)).toHaveLength(samples.length);
    for (const series of ['nodes', 'dataNodes', 'unassigned', 'initializing', 'relocating']) {
      expect(html).toMatch(new RegExp(`<path class="line line-${series}" d="M[\\d. LHM]+"`));
    }
  });

  it('says so when a report has no health samples', () => {
    expect(renderHtmlReport(aReport('completed').build())).toContain('No health samples in this report');
  });

  it('shows a halt: the message as an alert, the node halted, the wait that timed out', () => {
    const html = renderHtmlReport(halted);
    expect(halted.outcome).toBe('halted');
    expect(html).toContain('<span id="outcome" class="badge badge-halted">halted</span>');
    expect(html).toMatch(/<p id="message" class="message alert">halted: timed out after 15m waiting for /);
    expect(html).toMatch(/<p id="halt" class="alert"><strong>Halted:<\/strong> timed out after 15m waiting for /);
    expect(html).toMatch(/<tr class="node-row outcome-halted" data-node="es-data-\d">/);
    expect(html).toMatch(/<tr class="timeout-row"><td>es-data-\d<\/td><td>node-join<\/td>/);
    expect(html).toContain('seg-timed-out');
    expect(html).toContain('<dd data-fact="Exit code">4</dd>');
  });

  it('adds a batch column only when the run replaced nodes in batches', () => {
    expect(renderHtmlReport(demo)).not.toContain('<th>Batch</th>');
    const batched: ReportView = { ...demo, nodes: demo.nodes.map((n, i) => ({ ...n, batch: Math.floor(i / 3) + 1 })) };
    const html = renderHtmlReport(batched);
    expect(html).toContain('<th>Batch</th>');
    expect(cells(html, 'batch')).toEqual(['1', '1', '1', '2', '2', '2']);
  });

  it('lists refusals, accepted version conflicts and replicas placed', () => {
    const report = aReport('refused').withRefusal('cluster_not_red', 'index logs is red', 'es-data-1').build();
    report.versionConflictsAccepted.push({ index: 'orders', shard: 2, explanation: 'primary on a newer node', at: report.startedAt });
    report.replicasPlaced.push({ index: 'logs', shard: 0, node: 'es-data-4', at: report.finishedAt });
    const html = renderHtmlReport(report);
    expect(html).toContain('<tr class="refusal-row"><td>cluster_not_red</td><td>es-data-1</td><td>index logs is red</td></tr>');
    expect(html).toContain('<tr class="conflict-row"><td>orders</td><td>2</td>');
    expect(html).toContain('<tr class="replica-row"><td>logs</td><td>0</td><td>es-data-4</td>');
    expect(renderHtmlReport(demo)).toContain('None: no safety rule refused and the run did not halt.');
  });

  it('of a plan: the plan first, with a row per node, and no run sections', async () => {
    const report = await demoPlan();
    const html = renderHtmlReport(report);
    expect(report.plan.rows).toHaveLength(6);
    const sections = [...html.matchAll(/<section id="([a-z]+)">/g)].map((m) => m[1]);
    expect(sections).toEqual(['plan', 'refusals']);
    const planNodes = [...html.matchAll(/<tr class="plan-row"><td>[^<]*<\/td><td>[^<]*<\/td><td>([^<]*)<\/td>/g)].map((m) => m[1]);
    expect(planNodes).toEqual(report.plan.rows.map((r) => r.nodeName + (r.isElectedMaster ? ' (elected master)' : '')));
    expect(html).toContain('None: no safety rule would refuse to start.');
  });

  it('reloads itself only when asked (the live page of a run under way)', () => {
    expect(renderHtmlReport(demo)).not.toContain('http-equiv="refresh"');
    expect(renderHtmlReport(demo, { refreshSeconds: 5 })).toContain('<meta http-equiv="refresh" content="5">');
  });

  it('is the same page for the same report', () => {
    expect(renderHtmlReport(demo)).toBe(renderHtmlReport(structuredClone(demo)));
  });
});
