// The report so far, folded from a real run's events, agrees with the report the run ends with.

import { beforeAll, describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../src/report/html-report.ts';
import { liveReport } from '../../src/report/live-report.ts';
import type { UpgradeEvent } from '../../src/upgrade/plan-model.ts';
import { demoRun, haltedRun, type SimulatedRun } from './simulated-runs.ts';

const unfinished = (events: UpgradeEvent[]): UpgradeEvent[] => events.filter((e) => e.type !== 'finished');
const atOf = (e: UpgradeEvent | undefined): Date => new Date(e?.at ?? 0);

let demo: SimulatedRun;
beforeAll(async () => {
  demo = await demoRun();
});

describe('liveReport', () => {
  it('is the run report itself once the run has finished', () => {
    const view = liveReport('run', demo.events, new Date());
    expect(view).toBe(demo.report);
  });

  it('before the finished event, agrees with the final report on every node, wait, instance and sample', () => {
    const events = unfinished(demo.events);
    const view = liveReport('run', events, atOf(events.at(-1)));
    const { report } = demo;

    expect(view.outcome).toBe('running');
    expect(view.nodes).toEqual(report.nodes);
    expect(view.terminatedInstanceIds).toEqual(report.terminatedInstanceIds);
    expect(view.healthSamples).toEqual(report.healthSamples);
    expect(view.refusals).toEqual(report.refusals);
    expect(view.versionConflictsAccepted).toEqual(report.versionConflictsAccepted);
    expect(view.plan).toEqual(report.plan);
    expect(view.startedAt).toBe(report.startedAt);
    expect(view.message).toBe('under way: 6 of 6 nodes replaced');
  });

  it('mid-run: the node under way is in progress, its open wait lasting until now', () => {
    // Stop in the middle of the fourth node's join.
    const cut = demo.events.findIndex((e) => e.type === 'node-start' && e.index === 4);
    const join = demo.events.findIndex((e, i) => i > cut && e.type === 'wait' && e.kind === 'node-join');
    expect(cut).toBeGreaterThan(0);
    expect(join).toBeGreaterThan(cut);
    const events = demo.events.slice(0, join + 1);
    const now = new Date(Date.parse(events[join]?.at ?? '') + 30_000);

    const view = liveReport('run', events, now);

    expect(view.nodes.map((n) => n.outcome)).toEqual(['replaced', 'replaced', 'replaced', 'in-progress']);
    const node = view.nodes[3];
    expect(node?.nodeName).toBe(demo.report.nodes[3]?.nodeName);
    expect(node?.durationMs).toBe(now.getTime() - Date.parse(node?.startedAt ?? ''));
    expect(node?.waits.map((w) => [w.kind, w.outcome])).toEqual([
      ['node-leave', 'met'],
      ['node-join', 'waiting'],
    ]);
    expect(view.terminatedInstanceIds).toEqual(demo.report.terminatedInstanceIds.slice(0, 4));
    expect(view.message).toMatch(/^under way: 3 of 6 nodes replaced; waiting for /);
    expect(view.finishedAt).toBe(now.toISOString());

    const html = renderHtmlReport(view, { refreshSeconds: 5 });
    expect(html).toContain('<span id="outcome" class="badge badge-running">running</span>');
    expect(html).toContain('seg-waiting');
    expect(html).toContain('<dd data-fact="Exit code">-</dd>');
  });

  it('says the run failed when it ended without a report', () => {
    const halted = demo.events.slice(0, 10);
    const view = liveReport('run', halted, atOf(halted.at(-1)), 'cannot reach the cluster');
    expect(view).toMatchObject({ outcome: 'failed', message: 'failed: cannot reach the cluster' });
  });

  it('keeps the node a halted run was waiting for in progress until the report comes', async () => {
    const { events, report } = await haltedRun();
    const view = liveReport('run', unfinished(events), atOf(events.at(-1)));
    expect(view.nodes.map((n) => n.nodeName)).toEqual(report.nodes.map((n) => n.nodeName));
    expect(view.nodes.at(-1)?.outcome).toBe('in-progress');
    expect(report.nodes.at(-1)?.outcome).toBe('halted');
  });
});
