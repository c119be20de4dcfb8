import { describe, expect, it } from 'vitest';
import { stripColour } from '../../src/cli/colour.ts';
import { createProgressView, formatDuration, renderProgressFrame } from '../../src/cli/progress-view.ts';
import { plannedNodes } from '../../src/cli/run-estimate.ts';
import { applyEvent, newRunProgress } from '../../src/shared/run-progress.ts';
import type { UpgradeEvent } from '../../src/upgrade/plan-model.ts';
import { aReport } from '../support/report-builder.ts';

const at = (s: number): string => new Date(Date.UTC(2026, 0, 1, 10, 0, s)).toISOString();
/** Local HH:MM of the run's second `s`, as the ETA shows when it may end. */
const clock = (s: number): string => {
  const d = new Date(at(s));
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
};
const plan = aReport('planned').build().plan;

const midRun: UpgradeEvent[] = [
  { type: 'plan', at: at(0), plan: { ...plan, toReplace: 3 } },
  { type: 'phase', at: at(1), phase: 'data', nodes: 3 },
  { type: 'node-start', at: at(2), node: 'es-data-1', instanceId: 'i-0aaa', index: 1, total: 3 },
  { type: 'node-done', at: at(50), node: 'es-data-1', replacement: 'es-data-1b', durationMs: 48_000 },
  { type: 'node-start', at: at(60), node: 'es-data-2', instanceId: 'i-0bbb', index: 2, total: 3 },
  { type: 'action', at: at(61), action: 'terminate', node: 'es-data-2', instanceId: 'i-0bbb', detail: 'through its Auto Scaling Group' },
  { type: 'call', at: at(61), service: 'aws', operation: 'TerminateInstanceInAutoScalingGroup', ok: true },
  { type: 'recovery', at: at(70), status: 'yellow', initializing: 2, relocating: 0, unassigned: 3 },
  { type: 'wait', at: at(75), kind: 'node-join', node: 'es-data-2', detail: 'replacement to join', sinceMs: 10_000, timeoutMs: 1_200_000 },
];

function capture(live: boolean, colour = false) {
  let text = '';
  const view = createProgressView({ output: { write: (t: string) => (text += t), columns: 60 }, live, colour, now: () => new Date(at(140)), refreshMs: 60_000 });
  return { view, text: () => text };
}

function progressOf(events: UpgradeEvent[]) {
  const p = newRunProgress();
  for (const e of events) applyEvent(p, e);
  return p;
}

describe('renderProgressFrame', () => {
  const planned = plannedNodes({ rows: [], toReplace: 3 });

  it('shows the phase, node k of n, share done and time left, what is awaited for how long, shards recovering and counts', () => {
    // One node done in 48s; the one under way for 80s, past that median: 2 × 48s - 48s left.
    expect(renderProgressFrame(progressOf(midRun), new Date(at(140)), { planned })).toEqual([
      'es-rolling-upgrade → 9.5.4 · phase data · node 2 of 3: es-data-2 (i-0bbb)',
      `  ███████░░░░░░░░░░░░░ 33% · 1 of 3 replaced · ETA 48s (about ${clock(188)})`,
      '  waiting for node-join (es-data-2): replacement to join · 1m15s of 20m00s',
      '  shards: yellow, 2 initializing, 0 relocating, 3 unassigned',
      '  last: terminate es-data-2 (i-0bbb): through its Auto Scaling Group',
      '  Elasticsearch calls 0, AWS calls 1, errors 0',
    ]);
  });

  it('says there is no time left to show before the first node is done', () => {
    const frame = renderProgressFrame(progressOf(midRun.slice(0, 3)), new Date(at(30)), { planned });
    expect(frame[1]).toBe('  ░░░░░░░░░░░░░░░░░░░░ 0% · 0 of 3 replaced · ETA once the first node is done');
  });

  it('estimates each phase from its own nodes: quick masters, slow data nodes', () => {
    const row = (nodeName: string, phase: 'master' | 'data', step: number) => ({
      step, phase, nodeName, nodeId: nodeName, roles: [phase], esVersion: '9.4.5', isElectedMaster: false, action: 'replace' as const, reason: 'stale',
    });
    const twoPhases = { ...plan, toReplace: 4, rows: [row('m-1', 'master', 1), row('m-2', 'master', 2), row('d-1', 'data', 3), row('d-2', 'data', 4)] };
    const events: UpgradeEvent[] = [
      { type: 'plan', at: at(0), plan: twoPhases },
      { type: 'phase', at: at(0), phase: 'master', nodes: 2 },
      { type: 'node-start', at: at(0), node: 'm-1', index: 1, total: 4 },
      { type: 'node-start', at: at(60), node: 'm-2', index: 2, total: 4 },
      { type: 'node-done', at: at(60), node: 'm-1', durationMs: 60_000 },
      { type: 'phase', at: at(120), phase: 'data', nodes: 2 },
      { type: 'node-start', at: at(120), node: 'd-1', index: 3, total: 4 },
      { type: 'node-done', at: at(120), node: 'm-2', durationMs: 60_000 },
      { type: 'node-start', at: at(1320), node: 'd-2', index: 4, total: 4 },
      { type: 'node-done', at: at(1320), node: 'd-1', durationMs: 1_200_000 },
    ];
    const frame = renderProgressFrame(progressOf(events), new Date(at(1500)), { planned: plannedNodes(twoPhases) });
    // d-2 is estimated at d-1's 20 minutes, not at the 1 minute median of all three: 20m - 3m under way.
    expect(frame[1]).toBe(`  ███████████████░░░░░ 75% · 3 of 4 replaced · ETA 17m00s (about ${clock(2520)})`);
  });

  it('lists refusals with their rule, node and reason', () => {
    const p = progressOf([
      ...midRun.slice(0, 2),
      { type: 'refused', at: at(3), refusals: [{ rule: 'require_started_replica', node: 'es-data-1', reason: 'logs-1[0] has no started replica' }] },
    ]);
    expect(renderProgressFrame(p, new Date(at(4)))).toContain(
      '  refused by require_started_replica (es-data-1): logs-1[0] has no started replica',
    );
  });
});

describe('createProgressView', () => {

  it('plain lines: one per step, no escape codes, waits not repeated within a minute, a summary at the end', () => {
    const { view, text } = capture(false);
    const events: UpgradeEvent[] = [
      ...midRun,
      { type: 'wait', at: at(80), kind: 'node-join', node: 'es-data-2', detail: 'replacement to join', sinceMs: 15_000, timeoutMs: 1_200_000 },
      { type: 'wait-done', at: at(90), kind: 'node-join', node: 'es-data-2', durationMs: 25_000 },
      { type: 'finished', at: at(200), report: aReport('halted').withReplacedNode('es-data-1', 'i-0aaa').withHaltedNode('es-data-2', 'i-0bbb').withMessage('halted: cluster did not get green within 2h').build() },
    ];
    for (const e of events) view.onEvent(e);

    expect(text()).not.toContain('\x1b');
    expect(text().split('\n')).toEqual([
      '10:00:00 plan: 3 node(s) to replace → 9.5.4 (data-first, replace)',
      '10:00:01 phase data: 3 node(s)',
      '10:00:02 node 1 of 3: es-data-1 (i-0aaa) · 0% · ETA once the first node is done',
      // The time it may end in UTC, as the lines' stamps are.
      '10:00:50 es-data-1 replaced by es-data-1b in 48s (1 of 3) · 33% · ETA 1m36s (about 10:02)',
      '10:01:00 node 2 of 3: es-data-2 (i-0bbb) · 33% · ETA 1m36s (about 10:02)',
      '10:01:01 terminate es-data-2 (i-0bbb): through its Auto Scaling Group',
      '10:01:10 shards: yellow, 2 initializing, 0 relocating, 3 unassigned',
      '10:01:15 waiting for node-join (es-data-2): replacement to join · 10s of 20m00s',
      '10:01:30 node-join (es-data-2) met after 25s',
      'halted in 10m00s: 1 of 2 node(s) replaced → 9.5.4',
      '  es-data-1 (i-0aaa) → es-data-1-new: replaced in 3m00s',
      '  es-data-2 (i-0bbb): halted in 3m00s',
      '  terminated: i-0aaa, i-0bbb',
      '  halted: cluster did not get green within 2h',
      '',
    ]);
  });

  it('live: redraws the frame in place, hides the cursor, and leaves only the summary', () => {
    const { view, text } = capture(true);
    view.onEvent(midRun[0]!);
    view.onEvent(midRun[1]!);
    const afterTwo = text();
    view.onEvent({ type: 'finished', at: at(200), report: aReport('completed').withMessage('all done').build() });

    expect(afterTwo.startsWith('\x1b[?25l')).toBe(true);
    // The second frame (3 lines) first moves up over the first and clears it.
    expect(afterTwo).toContain('\x1b[3F\x1b[J');
    expect(text()).toContain('\x1b[3F\x1b[J\x1b[?25hcompleted in 10m00s');
    // No colour unless asked: only the cursor moves.
    expect(text().replace(new RegExp(String.raw`\u001b\[(\?25[lh]|\d+F|J)`, 'g'), '')).not.toContain('\x1b');
    expect(text().endsWith('  all done\n')).toBe(true);
  });

  it('live: lines longer than the terminal are cut so the redraw stays aligned', () => {
    const { view, text } = capture(true);
    view.onEvent({ ...midRun[2]!, node: 'a-node-with-a-very-long-name-that-does-not-fit-in-sixty-columns' } as UpgradeEvent);
    view.stop();
    for (const line of text().replace(new RegExp(String.raw`\u001b\[[0-9;?]*[A-Za-z]`, 'g'), '').split('\n')) expect([...line].length).toBeLessThanOrEqual(59);
  });
});

describe('colour', () => {
  const finished: UpgradeEvent = {
    type: 'finished',
    at: at(200),
    report: aReport('halted').withHaltedNode('es-data-2', 'i-0bbb').withMessage('halted').build(),
  };

  it('live, when asked: the bar green, a wait yellow, the outcome red; the text the same without the codes', () => {
    const coloured = capture(true, true);
    const bare = capture(true, false);
    for (const view of [coloured.view, bare.view]) for (const e of [...midRun, finished]) view.onEvent(e);

    expect(coloured.text()).toContain('\x1b[32m███████\x1b[39m');
    expect(coloured.text()).toContain('\x1b[33mwaiting for\x1b[39m');
    expect(coloured.text()).toContain('\x1b[31mhalted\x1b[39m in 10m00s');
    expect(stripColour(coloured.text())).toBe(bare.text());
  });

  it('plain lines, when asked: a replaced node green, a refusal red', () => {
    const { view, text } = capture(false, true);
    for (const e of midRun.slice(0, 4)) view.onEvent(e);
    view.onEvent({ type: 'refused', at: at(51), refusals: [{ rule: 'cluster_not_red', reason: 'red' }] });

    expect(text()).toContain('es-data-1 \x1b[32mreplaced\x1b[39m by es-data-1b');
    expect(text()).toContain('\x1b[31mrefused by\x1b[39m cluster_not_red: red');
  });
});

describe('formatDuration', () => {
  it.each([
    [999, '0s'],
    [45_000, '45s'],
    [65_000, '1m05s'],
    [7_380_000, '2h03m'],
  ])('%d ms is %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});
