import { describe, expect, it } from 'vitest';
import { formatReport } from '../../src/cli/format-report.ts';
import type { UpgradeReport } from '../../src/upgrade/plan-model.ts';
import { aReport } from '../support/report-builder.ts';

describe('formatReport', () => {
  it('summarises a completed run: outcome, timeline with waits, conflicts, health, instances', () => {
    const base = aReport('completed')
      .withMessage('replaced 2 nodes; every node is at 9.5.4')
      .withReplacedNode('es-data-1', 'i-0aaa', 'es-data-4')
      .withReplacedNode('es-data-2', 'i-0bbb', 'es-data-5')
      .withPreviouslyTerminated('i-0old')
      .build();
    const report: UpgradeReport = {
      ...base,
      nodes: base.nodes.map((n, i) =>
        i === 0
          ? {
              ...n,
              replacementInstanceId: 'i-0ddd',
              waits: [
                { kind: 'node-leave', startedAt: n.startedAt, durationMs: 12_000, outcome: 'met' },
                { kind: 'node-join', startedAt: n.startedAt, durationMs: 63_000, outcome: 'met' },
                { kind: 'green', startedAt: n.startedAt, durationMs: 2_400, outcome: 'met' },
              ],
            }
          : n,
      ),
      versionConflictsAccepted: [
        { index: 'logs-1', shard: 0, explanation: 'replica needs a node of version 9.5.4', at: '2026-01-01T00:03:00.000Z' },
      ],
      finalHealth: { status: 'yellow', numberOfNodes: 6, unassignedShards: 1 },
    };
    expect(formatReport(report)).toBe(
      [
        'Outcome: completed (exit 0)',
        '  replaced 2 nodes; every node is at 9.5.4',
        '  target 9.5.4, data-first, strategy replace; took 10m (2026-01-01T00:00:00.000Z to 2026-01-01T00:10:00.000Z)',
        '  es-rolling-upgrade 0.1.0, report schema 1',
        '',
        'Nodes:',
        '  1. [data] es-data-1 (i-0aaa) -> es-data-4 (i-0ddd): replaced, 3m',
        '       waits: node-leave 12s, node-join 1m 3s, green 2.4s',
        '  2. [data] es-data-2 (i-0bbb) -> es-data-5: replaced, 3m',
        '       waits: node-join 1m',
        '',
        'Version conflicts accepted (replicas waiting for a node of the newer version): 1',
        '  INDEX   SHARD  AT                        EXPLANATION',
        '  logs-1  0      2026-01-01T00:03:00.000Z  replica needs a node of version 9.5.4',
        '',
        'Final health: yellow, 6 nodes, 1 unassigned shards',
        '',
        'Terminated instances: i-0aaa, i-0bbb',
        '',
        'Terminated by earlier runs for this target: i-0old',
        '',
      ].join('\n'),
    );
  });

  it('shows refusals by rule, node and reason, and waits that did not end well', () => {
    const base = aReport('halted').withHaltedNode('es-data-3', 'i-0ccc').withRefusal('cluster_not_red', 'cluster is red', 'es-data-3').build();
    const report: UpgradeReport = {
      ...base,
      nodes: base.nodes.map((n) => ({ ...n, waits: [{ kind: 'green', startedAt: n.startedAt, durationMs: 7_200_000, outcome: 'timed-out' }] })),
    };
    const text = formatReport(report);
    expect(text).toContain('Outcome: halted (exit 4)');
    expect(text).toContain('  1. [data] es-data-3 (i-0ccc): halted, 3m\n       waits: green 2h (timed-out)');
    expect(text).toContain('Refusals:\n  RULE             NODE       REASON\n  cluster_not_red  es-data-3  cluster is red');
    expect(text).toContain('Final health: unknown');
  });

  it('lists the replicas the run placed itself, only when there are some', () => {
    const report: UpgradeReport = {
      ...aReport('completed').build(),
      replicasPlaced: [{ index: 'orders', shard: 1, node: 'es-data-4', at: '2026-01-01T00:04:00.000Z' }],
    };
    expect(formatReport(report)).toContain(
      'Replicas placed (held back by the balancer): 1\n  INDEX   SHARD  NODE       AT\n  orders  1      es-data-4  2026-01-01T00:04:00.000Z\n',
    );
    expect(formatReport(aReport('completed').build())).not.toContain('Replicas placed');
  });

  it('says when no node was touched', () => {
    const text = formatReport(aReport('refused').build());
    expect(text).toContain('Nodes: none touched');
    expect(text).toContain('Version conflicts accepted: none');
    expect(text).toContain('Terminated instances: none');
    expect(text).not.toContain('earlier runs');
  });
});
