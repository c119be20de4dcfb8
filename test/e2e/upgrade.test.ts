// The controller judged on a real cluster: 3 masters + 3 data on the old version, rolled to the new
// one with the writer running. Before the upgrade: a red cluster is refused and `plan`/`--dry-run`
// change nothing. During it: a version conflict made the way production makes it (a new index whose
// primary lands on an upgraded node). Prints `[e2e-figures]` lines.

import { describe, expect, it } from 'vitest';
import { indexDocs } from '../../sandbox/commands/index-docs.ts';
import { roll } from '../../sandbox/commands/roll.ts';
import { createWriterIndex, startWriter, stopWriter } from '../../sandbox/commands/writer.ts';
import { verify } from '../../sandbox/commands/verify.ts';
import { waitFor } from '../../sandbox/wait-for.ts';
import type { UpgradeReport } from '../../src/upgrade/plan-model.ts';
import {
  catNodes, motoInstances, printFigures, suiteSandbox, summarize, terminatedIds, upgradeCli, waitGreen, Watcher, type UpgradeRun,
} from './e2e-support.ts';
import { versions } from './sandbox-harness.ts';

const MASTERS = 3;
const DATA = 3;
const TOTAL = MASTERS + DATA;
const CONFLICT_INDEX = 'hourly-2026.01.01-13';

describe(`rolling upgrade ${versions.old} -> ${versions.new} on ${MASTERS} masters + ${DATA} data`, () => {
  const { sb, runs, diag, initial, groupOf } = suiteSandbox('upgrade suite', { masters: MASTERS, data: DATA, version: versions.old }, async (box) => {
    await indexDocs({ indices: 4, replicas: 1, docs: 12_000, nodeLeftDelay: '5s' });
    await createWriterIndex({ nodeLeftDelay: '5s' });
    await roll(versions.new);
    await waitGreen(box.es, TOTAL, 'green before the tests');
  });
  const run = async (label: string, command: 'plan' | 'run', extra: string[] = []): Promise<UpgradeRun> => {
    const r = await upgradeCli(sb(), label, command, extra, versions.new);
    runs.push(r);
    return r;
  };

  it('refuses a red cluster before terminating anything (exit 3, cluster_not_red)', () => diag(async () => {
    const es = sb().es;
    await es.json('PUT', '/red-nowhere?wait_for_active_shards=0', {
      settings: { index: { number_of_shards: 1, number_of_replicas: 0, 'routing.allocation.require._name': 'nowhere' } },
    });
    await waitFor(async () => ((await es.json<{ status: string }>('GET', '/_cluster/health')).status === 'red' ? true : undefined),
      { timeoutMs: 30_000, what: 'the cluster to turn red' });

    const refused = await run('refuse-red', 'run', ['--expected-es-version', versions.new]);
    expect(refused.result.code).toBe(3);
    expect(refused.report?.outcome).toBe('refused');
    expect(refused.report?.refusals.map((r) => r.rule)).toContain('cluster_not_red');
    expect(refused.report?.terminatedInstanceIds).toEqual([]);
    expect(refused.report?.nodes).toEqual([]);
    expect(summarize(await motoInstances(sb().aws))).toEqual(summarize(initial()));

    await es.json('DELETE', '/red-nowhere');
    await waitGreen(es, TOTAL, 'green again without the red index');
  }));

  it('plan and run --dry-run terminate nothing and list exactly the stale nodes', () => diag(async () => {
    const names = (await catNodes(sb().es)).map((n) => n.name).sort();
    expect(names).toEqual(initial().map((i) => i.id).sort());
    const masterIds = new Set(initial().map((i) => i.id).filter((id) => groupOf(id) === sb().groups.master));
    expect(masterIds.size).toBe(MASTERS);

    for (const [label, command, extra] of [['plan', 'plan', []], ['dry-run', 'run', ['--dry-run']]] as const) {
      const planned = await run(label, command, [...extra]);
      expect(planned.result.code, `${label} exit code`).toBe(0);
      // --output json: stdout is exactly the report.
      const printed = JSON.parse(planned.result.stdout) as UpgradeReport;
      expect(printed.mode).toBe('plan');
      expect(printed.outcome).toBe('planned');
      expect(printed.plan.toReplace).toBe(TOTAL);
      const replaced = printed.plan.rows.filter((r) => r.action === 'replace');
      expect(replaced.map((r) => r.nodeName).sort()).toEqual(names);
      expect(replaced.every((r) => r.versionTag === versions.old && r.esVersion === versions.old)).toBe(true);
      // Masters first (the default): steps 1..3 are the masters.
      const bySteps = [...replaced].sort((a, b) => a.step - b.step);
      expect(bySteps.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(bySteps.slice(0, MASTERS).every((r) => masterIds.has(r.nodeName))).toBe(true);
      expect(printed.terminatedInstanceIds).toEqual([]);
      expect(planned.report?.plan.rows).toEqual(printed.plan.rows);
      expect(summarize(await motoInstances(sb().aws)), `${label} changed moto`).toEqual(summarize(initial()));
    }
  }));

  it('upgrades every node with the writer running, accepting a real version conflict, never two nodes missing', () => diag(async () => {
    const box = sb();
    const dataIds = new Set(initial().map((i) => i.id).filter((id) => groupOf(id) === box.groups.data));
    const masterIds = new Set(initial().map((i) => i.id).filter((id) => groupOf(id) === box.groups.master));
    startWriter();
    const sampler = box.sampleNodes(250);
    const watcher = new Watcher(box);

    // The version conflict, as hourly indices make it in production: once the first data node is
    // replaced, a new index whose primary is on the upgraded node cannot place its replica on the
    // older data nodes. Recoveries are throttled while we set it up, so the controller is still
    // waiting for the replacement's replicas when the index appears (reset right after).
    const conflict = (async () => {
      const es = box.es;
      const firstData = await waitFor(() => [...watcher.instanceTerminated.keys()].find((id) => dataIds.has(id)),
        { timeoutMs: 15 * 60_000, intervalMs: 100, what: 'the first data node to be terminated' });
      await es.json('PUT', '/_cluster/settings', { persistent: { 'indices.recovery.max_bytes_per_sec': '100kb' } });
      try {
        const upgraded = await waitFor(async () => {
          const nodes = await catNodes(es);
          return nodes.find((n) => n.roles.includes('d') && !dataIds.has(n.name) && n.version === versions.new)?.name;
        }, { timeoutMs: 5 * 60_000, intervalMs: 250, what: `the replacement of ${firstData} to join` });
        const joinedAt = Date.now();
        await es.json('PUT', `/${CONFLICT_INDEX}`, {
          // The same short node-left delay as the other indices: with the 1m default, each later
          // replacement of a node holding its replica waits the full minute (delayed, not yet green).
          settings: {
            index: { number_of_shards: 1, number_of_replicas: 1, 'routing.allocation.require._name': upgraded, 'unassigned.node_left.delayed_timeout': '5s' },
          },
        });
        await es.json('GET', `/_cluster/health/${CONFLICT_INDEX}?wait_for_status=yellow&timeout=60s`);
        await es.json('POST', `/${CONFLICT_INDEX}/_doc?refresh=true`, { at: new Date().toISOString(), note: 'written to the upgraded primary' });
        await es.json('PUT', `/${CONFLICT_INDEX}/_settings`, { 'index.routing.allocation.require._name': null });
        return { firstData, upgraded, joinedAt, readyAt: Date.now() };
      } finally {
        await es.json('PUT', '/_cluster/settings', { persistent: { 'indices.recovery.max_bytes_per_sec': null } });
      }
    })();
    conflict.catch(() => undefined);

    const upgrade = await run('upgrade', 'run', ['--expected-es-version', versions.new]);
    await stopWriter();
    await sampler.stop();
    await watcher.stop();
    printFigures('upgrade 3+3 masters-first', upgrade, watcher, TOTAL);
    const made = await conflict;
    console.log(`[e2e-figures] upgrade 3+3 masters-first: conflict index ${CONFLICT_INDEX} ready ${((made.readyAt - made.joinedAt) / 1000).toFixed(1)}s after ${made.upgraded} was seen in _cat/nodes`);

    const report = upgrade.report;
    expect(upgrade.result.code).toBe(0);
    expect(report?.outcome).toBe('completed');
    if (!report) return;

    // Every instance and every node on the new version, green, nothing lost.
    const after = await motoInstances(box.aws);
    const running = after.filter((i) => i.state === 'running');
    expect(running).toHaveLength(TOTAL);
    expect(running.every((i) => i.tags.Version === versions.new)).toBe(true);
    const nodes = await catNodes(box.es);
    expect(nodes.map((n) => n.name).sort()).toEqual(running.map((i) => i.id).sort());
    expect(nodes.every((n) => n.version === versions.new)).toBe(true);
    await waitGreen(box.es, TOTAL, 'green after the upgrade', 60_000);
    expect(report.finalHealth?.status).toBe('green');
    const verified = await verify();
    console.log(verified.lines.map((l) => `[e2e-figures] upgrade 3+3 verify: ${l}`).join('\n'));
    expect(verified.missing).toBe(0);
    expect(verified.ok).toBe(true);
    expect(verified.lines.some((l) => /^writer: [1-9]\d* of /.test(l))).toBe(true);

    // Masters before data, in the report and in the order moto saw the terminations.
    expect(report.nodes).toHaveLength(TOTAL);
    expect(report.nodes.every((n) => n.outcome === 'replaced')).toBe(true);
    expect(report.nodes.map((n) => n.phase)).toEqual(['master', 'master', 'master', 'data', 'data', 'data']);
    const byTermination = [...watcher.instanceTerminated.entries()].sort((a, b) => a[1] - b[1]).map(([id]) => id);
    expect(byTermination.slice(0, MASTERS).every((id) => masterIds.has(id))).toBe(true);
    expect(byTermination.slice(MASTERS).every((id) => dataIds.has(id))).toBe(true);

    // Never more than one node missing.
    expect(sampler.counts().length).toBeGreaterThan(100);
    expect(sampler.minCount()).toBeGreaterThanOrEqual(TOTAL - 1);
    expect(watcher.minCount()).toBeGreaterThanOrEqual(TOTAL - 1);

    // The report's terminations are exactly moto's.
    expect([...report.terminatedInstanceIds].sort()).toEqual(terminatedIds(after));
    expect([...report.terminatedInstanceIds].sort()).toEqual(initial().map((i) => i.id).sort());
    expect(report.terminatedInstanceIds).toEqual(byTermination);

    // The version conflict was judged as one and waited out without a green timeout.
    const second = report.nodes.filter((n) => n.phase === 'data')[1];
    expect(made.readyAt, 'conflict set up before the second data node was started').toBeLessThan(Date.parse(second?.startedAt ?? ''));
    const accepted = report.versionConflictsAccepted.filter((c) => c.index === CONFLICT_INDEX);
    expect(accepted.length, JSON.stringify(report.versionConflictsAccepted)).toBeGreaterThan(0);
    expect(accepted[0]?.explanation).toMatch(/version/i);
    const waits = report.nodes.flatMap((n) => n.waits);
    expect(waits.every((w) => w.outcome === 'met')).toBe(true);
    expect(Math.max(...waits.filter((w) => w.kind === 'green').map((w) => w.durationMs ?? 0))).toBeLessThan(3 * 60_000);
    expect(upgrade.result.durationMs).toBeLessThan(12 * 60_000);
    // Its replica found a home once a second data node was upgraded.
    const copies = await box.es.json<{ prirep: string; state: string }[]>('GET', `/_cat/shards/${CONFLICT_INDEX}?format=json&h=prirep,state`);
    expect(copies.map((c) => `${c.prirep}:${c.state}`).sort()).toEqual(['p:STARTED', 'r:STARTED']);
  }));
});
