// The controller against machines that misbehave, on one 3 masters + 3 data sandbox, each step
// leaving the cluster healthy for the next: a replacement that never joins, one at the wrong
// Elasticsearch version, the controller killed with SIGKILL after its first termination, an index
// without replicas (refused, then drained with --strategy drain, data first).

import { TerminateInstanceInAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { describe, expect, it } from 'vitest';
import { indexDocs } from '../../sandbox/commands/index-docs.ts';
import { roll } from '../../sandbox/commands/roll.ts';
import { verify } from '../../sandbox/commands/verify.ts';
import { writeFaults } from '../../sandbox/faults.ts';
import { waitFor } from '../../sandbox/wait-for.ts';
import {
  allocationEnable, catNodes, cliLogs, motoInstances, printFigures, reportPath, spawnCli, suiteSandbox, summarize,
  terminatedIds, upgradeCli, waitGreen, Watcher, type UpgradeRun,
} from './e2e-support.ts';
import { versions } from './sandbox-harness.ts';

const MASTERS = 3;
const DATA = 3;
const TOTAL = MASTERS + DATA;
const SOLO = 'solo';
const SOLO_DOCS = 1500;

describe(`faults during an upgrade ${versions.old} -> ${versions.new} on ${MASTERS} masters + ${DATA} data`, () => {
  const { sb, runs, diag, initial, groupOf } = suiteSandbox('faults suite', { masters: MASTERS, data: DATA, version: versions.old }, async (box) => {
    await indexDocs({ indices: 2, replicas: 1, docs: 4000, nodeLeftDelay: '5s' });
    await roll(versions.new);
    // Set explicitly, so "restored" means "put back to what it was", not "removed".
    await box.es.json('PUT', '/_cluster/settings', { persistent: { 'cluster.routing.allocation.enable': 'all' } });
    await waitGreen(box.es, TOTAL, 'green before the tests');
  });
  /** Instances the test itself terminated (faulty replacements). */
  const terminatedByTest: string[] = [];
  /** Instances terminated by each run, by its report (or by moto for the killed one). */
  const terminatedByRuns: string[] = [];
  const run = async (label: string, extra: string[]): Promise<UpgradeRun> => {
    const r = await upgradeCli(sb(), label, 'run', extra, versions.new);
    runs.push(r);
    terminatedByRuns.push(...(r.report?.terminatedInstanceIds ?? []));
    return r;
  };

  /** Terminates a faulty replacement through the AWS API (capacity kept) and waits for a healthy one. */
  async function replaceFaulty(instanceId: string): Promise<void> {
    const box = sb();
    const known = new Set((await motoInstances(box.aws)).map((i) => i.id));
    await box.aws.autoScaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: instanceId, ShouldDecrementDesiredCapacity: false }));
    terminatedByTest.push(instanceId);
    const replacement = await waitFor(async () => (await motoInstances(box.aws))
      .find((i) => i.state === 'running' && !known.has(i.id) && i.id !== instanceId)?.id,
    { timeoutMs: 30_000, what: `moto to launch a replacement for ${instanceId}` });
    await waitFor(async () => {
      const names = (await catNodes(box.es)).map((n) => n.name);
      return !names.includes(instanceId) && names.includes(replacement) ? true : undefined;
    }, { timeoutMs: 180_000, intervalMs: 500, what: `${instanceId} to leave and ${replacement} to join` });
    await waitGreen(box.es, TOTAL, `green with the healthy replacement ${replacement}`, 180_000);
    const node = (await catNodes(box.es)).find((n) => n.name === replacement);
    expect(node?.version).toBe(versions.new);
  }

  it('halts (exit 4) when a replacement never joins: one termination, allocation restored', () => diag(async () => {
    const box = sb();
    writeFaults([{ kind: 'never-join', group: box.groups.data, count: 1 }]);
    const watcher = new Watcher(box, { allocation: true });
    const halted = await run('never-join', ['--order', 'data-first', '--node-join-timeout', '40s']);
    const after = await motoInstances(box.aws);
    const allocationAfter = await allocationEnable(box.es);
    await watcher.stop();
    printFigures('never-join (data-first)', halted, watcher, TOTAL);

    expect(halted.result.code).toBe(4);
    const report = halted.report;
    expect(report?.outcome).toBe('halted');
    expect(report?.terminatedInstanceIds).toHaveLength(1);
    const victim = report?.terminatedInstanceIds[0] ?? '';
    expect(groupOf(victim)).toBe(box.groups.data);
    expect(terminatedIds(after)).toEqual([victim]);
    const joinWait = report?.nodes[0]?.waits.find((w) => w.kind === 'node-join');
    expect(joinWait?.outcome).toBe('timed-out');
    expect(report?.message).toMatch(/timed out/);
    // The controller had narrowed allocation to new primaries for the data node, and put it back.
    expect(watcher.allocation.some((a) => a.value === 'new_primaries')).toBe(true);
    expect(allocationAfter).toBe('all');
    // The faulty replacement runs (new tag) but is not in the cluster.
    const faulty = after.filter((i) => i.state === 'running' && !initial().some((o) => o.id === i.id));
    expect(faulty).toHaveLength(1);
    expect(faulty[0]?.tags.Version).toBe(versions.new);
    expect((await catNodes(box.es)).some((n) => n.name === faulty[0]?.id)).toBe(false);
    // Nothing else is terminated afterwards: the controller is gone, and moto agrees a moment later.
    expect(terminatedIds(await motoInstances(box.aws))).toEqual([victim]);

    await replaceFaulty(faulty[0]?.id ?? '');
  }));

  it('halts (exit 4) when a replacement runs the wrong Elasticsearch version', () => diag(async () => {
    const box = sb();
    const before = await motoInstances(box.aws);
    writeFaults([{ kind: 'wrong-version', version: versions.old, group: box.groups.master, count: 1 }]);
    const watcher = new Watcher(box);
    const halted = await run('wrong-version', ['--expected-es-version', versions.new, '--node-join-timeout', '60s']);
    const after = await motoInstances(box.aws);
    await watcher.stop();
    printFigures('wrong-version (masters-first)', halted, watcher, TOTAL);

    expect(halted.result.code).toBe(4);
    const report = halted.report;
    expect(report?.outcome).toBe('halted');
    expect(report?.refusals.map((r) => r.rule)).toContain('replacement_at_target');
    expect(report?.message).toContain(`runs Elasticsearch ${versions.old}, not ${versions.new}`);
    expect(report?.terminatedInstanceIds).toHaveLength(1);
    const victim = report?.terminatedInstanceIds[0] ?? '';
    expect(groupOf(victim)).toBe(box.groups.master);
    expect(terminatedIds(after)).toEqual([...terminatedIds(before), victim].sort());
    const wrong = (await catNodes(box.es)).filter((n) => !initial().some((i) => i.id === n.name) && n.version === versions.old);
    expect(wrong).toHaveLength(1);

    await replaceFaulty(wrong[0]?.name ?? '');
  }));

  it('after a SIGKILL mid-run a rerun takes the dead lease over within about one TTL, refuses a lone shard copy, then drains it data first, never two nodes missing', () => diag(async () => {
    const box = sb();
    const sampler = box.sampleNodes(250);
    const watcher = new Watcher(box);
    const before = await motoInstances(box.aws);
    const terminatedBefore = new Set(terminatedIds(before));

    // 1. Killed with SIGKILL right after its first termination.
    const killedLabel = 'killed';
    const spawned = spawnCli(['run', ...box.cliFlags(versions.new), '--yes', '--no-progress', '--output', 'json',
      '--report', reportPath(killedLabel), '--lock-ttl', '30s'], box.env);
    let exited = false;
    void spawned.done.then(() => (exited = true));
    // waitFor retries on errors, so the probe reports an early exit as a value.
    const seen = await waitFor(() => {
      const id = [...watcher.instanceTerminated.keys()].find((i) => !terminatedBefore.has(i));
      return id ?? (exited ? null : undefined);
    }, { timeoutMs: 5 * 60_000, intervalMs: 50, what: 'the first termination of the run to be killed' }).catch((error: unknown) => {
      spawned.child.kill('SIGKILL');
      throw error;
    });
    if (seen === null) throw new Error(`the run exited before terminating anything:\n${spawned.stderr().slice(-2000)}`);
    const firstTermination = seen;
    spawned.child.kill('SIGKILL');
    const killed = await spawned.done;
    runs.push({ label: killedLabel, result: killed });
    cliLogs.set(killedLabel, killed.stderr);
    expect(killed.code).toBe(137);
    terminatedByRuns.push(firstTermination);
    expect(groupOf(firstTermination)).toBe(box.groups.master);
    const afterKill = await motoInstances(box.aws);
    expect(terminatedIds(afterKill)).toEqual([...terminatedBefore, firstTermination].sort());

    // 2. The killed run's lease stays until someone sees it unchanged for its TTL (30 s).
    const lease = await box.es.json<{ _source: { holder: string | null; ttlMs: number; terminatedInstanceIds: string[] } }>(
      'GET', '/es-rolling-upgrade-lock/_doc/lease');
    expect(lease._source.holder).not.toBeNull();
    expect(lease._source.ttlMs).toBe(30_000);
    // The upgrade's record: this run's termination, after those of the halted runs before it (the
    // same upgrade, kept until it completes).
    expect(lease._source.terminatedInstanceIds).toContain(firstTermination);

    // 3. An index with no replicas, placed on the data nodes still to be upgraded.
    const staleData = (await catNodes(box.es)).filter((n) => n.roles.includes('d') && n.version === versions.old).map((n) => n.name);
    expect(staleData.length).toBeGreaterThan(0);
    await box.es.json('PUT', `/${SOLO}`, {
      settings: { index: { number_of_shards: 2, number_of_replicas: 0, 'routing.allocation.include._name': staleData.join(',') } },
    });
    const lines = Array.from({ length: SOLO_DOCS }, (_, n) => `{"index":{"_id":"${n}"}}\n{"n":${n}}\n`).join('');
    const bulk = await box.es.request({ method: 'POST', path: `/${SOLO}/_bulk?refresh=true`, ndjson: lines });
    expect(bulk.status).toBe(200);
    expect((JSON.parse(bulk.text) as { errors: boolean }).errors).toBe(false);
    await box.es.json('PUT', `/${SOLO}/_settings`, { 'index.routing.allocation.include._name': null });

    // 4. The rerun watches the lease, takes it over once it has stayed unchanged for the dead holder's
    // TTL, knows the killed run's termination, and refuses.
    const beforeRefusal = summarize(await motoInstances(box.aws));
    const killedAt = Date.now();
    const refused = await run('rerun-refused', []);
    const takeoverMs = Date.parse(refused.report?.finishedAt ?? '') - killedAt;
    console.log(`[e2e-figures] takeover after kill -9 (lease TTL 30s): the rerun ended ${(takeoverMs / 1000).toFixed(1)}s after it started watching`);
    expect(refused.result.durationMs).toBeGreaterThanOrEqual(25_000);
    expect(refused.result.durationMs).toBeLessThan(90_000);
    expect(refused.result.code).toBe(3);
    expect(refused.report?.refusals.map((r) => r.rule)).toContain('no_single_copy_shards');
    expect(refused.report?.previouslyTerminatedInstanceIds).toEqual(lease._source.terminatedInstanceIds);
    expect(refused.report?.terminatedInstanceIds).toEqual([]);
    expect(summarize(await motoInstances(box.aws))).toEqual(beforeRefusal);

    // 5. With --strategy drain (and data first) it completes and loses nothing.
    const drained = await run('rerun-drain', ['--strategy', 'drain', '--order', 'data-first', '--expected-es-version', versions.new]);
    await sampler.stop();
    await watcher.stop();
    printFigures('drain rerun (data-first)', drained, watcher, TOTAL);
    expect(drained.result.code).toBe(0);
    const report = drained.report;
    expect(report?.outcome).toBe('completed');
    const phases = report?.nodes.map((n) => n.phase) ?? [];
    expect(phases.length).toBeGreaterThan(0);
    expect(phases.indexOf('master') === -1 || phases.lastIndexOf('data') < phases.indexOf('master')).toBe(true);
    expect(phases.filter((p) => p === 'data')).toHaveLength(staleData.length);
    expect(report?.nodes.every((n) => n.outcome === 'replaced' && n.waits.some((w) => w.kind === 'drain' || n.phase === 'master'))).toBe(true);

    const count = await box.es.json<{ count: number }>('GET', `/${SOLO}/_count`);
    expect(count.count).toBe(SOLO_DOCS);
    const verified = await verify();
    expect(verified.missing).toBe(0);
    await waitGreen(box.es, TOTAL, 'green after the drain run', 60_000);
    const nodes = await catNodes(box.es);
    expect(nodes).toHaveLength(TOTAL);
    expect(nodes.every((n) => n.version === versions.new)).toBe(true);
    expect(await allocationEnable(box.es)).toBe('all');
    const exclusions = await box.es.json<{ persistent: Record<string, string> }>('GET', '/_cluster/settings?flat_settings=true');
    expect(exclusions.persistent['cluster.routing.allocation.exclude._name'] ?? '').toBe('');

    // Never two nodes missing, from the kill to the end.
    expect(sampler.minCount()).toBeGreaterThanOrEqual(TOTAL - 1);
    expect(watcher.minCount()).toBeGreaterThanOrEqual(TOTAL - 1);
    // Every termination moto saw is accounted for by a run's report (or the killed run) or the test.
    const after = await motoInstances(box.aws);
    expect(terminatedIds(after)).toEqual([...terminatedByRuns, ...terminatedByTest].sort());
    expect(after.filter((i) => i.state === 'running').every((i) => i.tags.Version === versions.new)).toBe(true);
  }));
});
