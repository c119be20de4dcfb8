// Two master-eligible nodes, the smallest master set that can be upgraded: the voting configuration
// has one voter, whose vote must move before it goes. The run is interrupted (SIGTERM) right after a
// data node's termination, while AWS holds its replacement in Pending:Wait, and the rerun (with
// --orphans ignore, which must not make it skip its own replacement) waits for it before going on.

import { describe, expect, it } from 'vitest';
import { indexDocs } from '../../sandbox/commands/index-docs.ts';
import { roll } from '../../sandbox/commands/roll.ts';
import { verify } from '../../sandbox/commands/verify.ts';
import { createWriterIndex, startWriter, stopWriter } from '../../sandbox/commands/writer.ts';
import { waitFor } from '../../sandbox/wait-for.ts';
import {
  allocationEnable, catNodes, cliLogs, printFigures, reportPath, spawnCli, suiteSandbox, upgradeCli, waitGreen, Watcher, type UpgradeRun,
} from './e2e-support.ts';
import { versions } from './sandbox-harness.ts';
import { existsSync, readFileSync } from 'node:fs';
import type { UpgradeReport } from '../../src/upgrade/plan-model.ts';

const MASTERS = 2;
const DATA = 2;
const TOTAL = MASTERS + DATA;

describe(`${MASTERS} masters + ${DATA} data, ${versions.old} -> ${versions.new}: voting exclusions, SIGTERM mid-replacement, a rerun`, () => {
  const { sb, runs, diag, initial, groupOf } = suiteSandbox('two-masters suite', { masters: MASTERS, data: DATA, version: versions.old }, async (box) => {
    await indexDocs({ indices: 2, replicas: 1, docs: 4000, nodeLeftDelay: '5s' });
    await createWriterIndex({ nodeLeftDelay: '5s' });
    await roll(versions.new);
    await waitGreen(box.es, TOTAL, 'green before the tests');
  });

  it('moves the sole voter\'s vote first, stops within the grace on SIGTERM, and the rerun waits for the replacement of the interrupted run', () => diag(async () => {
    const box = sb();
    const dataIds = new Set(initial().filter((i) => groupOf(i.id) === box.groups.data).map((i) => i.id));
    box.awsFaults.set({ launchLag: { pendingMs: 3_000, waitMs: 25_000 } });
    startWriter();
    const watcher = new Watcher(box);

    // The first run: masters first; SIGTERM the moment a data node's terminate has landed.
    const file = reportPath('interrupted');
    const first = spawnCli(['run', ...box.cliFlags(versions.new), '--output', 'json', '--report', file, '--no-progress', '--yes', '--orphans', 'ignore',
      '--node-join-timeout', '5m', '--green-timeout', '6m', '--safe-to-proceed-timeout', '5m'], box.env);
    const victim = await waitFor(() => box.awsFaults.calls({ operation: 'TerminateInstanceInAutoScalingGroup' })
      .find((c) => c.status === 200 && c.instanceIds.some((id) => dataIds.has(id)))?.instanceIds[0],
    { timeoutMs: 15 * 60_000, intervalMs: 100, what: 'the first data node to be terminated' });
    const signalledAt = Date.now();
    first.child.kill('SIGTERM');
    const interrupted = await first.done;
    const stopMs = Date.now() - signalledAt;
    cliLogs.set('interrupted', interrupted.stderr);
    const firstReport = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as UpgradeReport) : undefined;
    runs.push({ label: 'interrupted', result: interrupted, report: firstReport });
    console.log(`[e2e-figures] SIGTERM after ${victim}'s termination: exit ${String(interrupted.code)} ${(stopMs / 1000).toFixed(1)}s after the signal`);

    expect(interrupted.code).toBe(143);
    expect(stopMs).toBeLessThan(10_000);
    expect(firstReport?.outcome).toBe('interrupted');
    expect(firstReport?.terminatedInstanceIds).toContain(victim);
    // The old node leaves within seconds (its instance shuts down at once); the replacement, held
    // 28 s in Pending, is not in yet: the rerun finds it booting, an instance with no node.
    await waitFor(async () => ((await catNodes(box.es)).some((n) => n.name === victim) ? undefined : true),
      { timeoutMs: 60_000, intervalMs: 200, what: `${victim}'s node to leave` });
    expect((await catNodes(box.es)).length).toBeLessThan(TOTAL);

    const rerun: UpgradeRun = await upgradeCli(box, 'rerun', 'run', ['--orphans', 'ignore'], versions.new);
    runs.push(rerun);
    await stopWriter();
    await watcher.stop();
    printFigures('two masters, rerun', rerun, watcher, TOTAL);

    expect(rerun.result.code, rerun.report?.message).toBe(0);
    expect(rerun.report?.outcome).toBe('completed');
    expect(rerun.report?.previouslyTerminatedInstanceIds).toEqual(firstReport?.terminatedInstanceIds);
    const all = [...(rerun.report?.previouslyTerminatedInstanceIds ?? []), ...(rerun.report?.terminatedInstanceIds ?? [])];
    expect(new Set(all).size).toBe(TOTAL);
    // Never two nodes missing: the rerun waited for the interrupted run's replacement.
    expect(watcher.minCount()).toBeGreaterThanOrEqual(TOTAL - 1);
    // The vote moved before each voter went: the cluster always had a master within an election.
    expect(watcher.longestUnanswered()).toBeLessThan(30_000);
    const actions = [firstReport, rerun.report].flatMap((r) => r?.nodes.map((n) => n.nodeName) ?? []);
    expect(actions.length).toBeGreaterThanOrEqual(TOTAL);

    const state = await box.es.json<{ metadata: { cluster_coordination: { voting_config_exclusions: unknown[] } } }>(
      'GET', '/_cluster/state/metadata?filter_path=metadata.cluster_coordination.voting_config_exclusions');
    expect(state.metadata?.cluster_coordination?.voting_config_exclusions ?? []).toEqual([]);
    expect(await allocationEnable(box.es)).toBeNull();
    expect((await catNodes(box.es)).every((n) => n.version === versions.new)).toBe(true);
    expect((await box.es.request({ method: 'GET', path: '/es-rolling-upgrade-lock/_doc/lease' })).status).toBe(404);
    const verified = await verify();
    expect(verified.missing).toBe(0);
    box.awsFaults.clear();
  }));
});
