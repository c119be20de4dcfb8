import { describe, expect, it } from 'vitest';
import { createProgressView, formatDuration, renderProgressFrame } from '../../src/cli/progress-view.ts';
import { applyEvent, newRunProgress } from '../../src/shared/run-progress.ts';
import type { UpgradeEvent } from '../../src/upgrade/plan-model.ts';
import { aReport } from '../support/report-builder.ts';

const at = (s: number): string => new Date(Date.UTC(2026, 0, 1, 10, 0, s)).toISOString();
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

function progressOf(events: UpgradeEvent[]) {
  const p = newRunProgress();
  for (const e of events) applyEvent(p, e);
  return p;
}

describe('renderProgressFrame', () => {
  it('shows the phase, node k of n, what is awaited for how long, shards recovering and counts', () => {
    expect(renderProgressFrame(progressOf(midRun), new Date(at(140)))).toEqual([
      'es-rolling-upgrade → 9.5.4 · phase data · node 2 of 3: es-data-2 (i-0bbb)',
      '  waiting for node-join (es-data-2): replacement to join · 1m15s of 20m00s',
      '  shards: yellow, 2 initializing, 0 relocating, 3 unassigned',
      '  last: terminate es-data-2 (i-0bbb): through its Auto Scaling Group',
      '  replaced: 1 of 3 · Elasticsearch calls 0, AWS calls 1, errors 0',
    ]);
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
  function capture(live: boolean) {
    let text = '';
    const view = createProgressView({ output: { write: (t: string) => (text += t), columns: 60 }, live, now: () => new Date(at(140)), refreshMs: 60_000 });
    return { view, text: () => text };
  }

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
      '10:00:02 node 1 of 3: es-data-1 (i-0aaa)',
      '10:00:50 es-data-1 replaced by es-data-1b in 48s (1 of 3)',
      '10:01:00 node 2 of 3: es-data-2 (i-0bbb)',
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
    // The second frame (2 lines) first moves up over the first and clears it.
    expect(afterTwo).toContain('\x1b[2F\x1b[J');
    expect(text()).toContain('\x1b[2F\x1b[J\x1b[?25hcompleted in 10m00s');
    expect(text().endsWith('  all done\n')).toBe(true);
  });

  it('live: lines longer than the terminal are cut so the redraw stays aligned', () => {
    const { view, text } = capture(true);
    view.onEvent({ ...midRun[2]!, node: 'a-node-with-a-very-long-name-that-does-not-fit-in-sixty-columns' } as UpgradeEvent);
    view.stop();
    for (const line of text().replace(new RegExp(String.raw`\u001b\[[0-9;?]*[A-Za-z]`, 'g'), '').split('\n')) expect([...line].length).toBeLessThanOrEqual(59);
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
