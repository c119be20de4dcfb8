// The controller where production differs from a kind sandbox: Elasticsearch behind HTTPS with basic
// auth, AWS that answers a terminate at once but takes its time (Terminating, a lifecycle hook in
// Terminating:Wait, a replacement held in Pending:Wait), throttles and reports a scaling activity in
// progress; a cluster with four data nodes and no lease index yet; hourly indices created while a
// terminated node is still in the cluster; and allocation restricted before the run.
//
// The masters carry the target version tag already (upgraded earlier): this run replaces the four
// data nodes, data first under the older masters, as Elastic's rolling-upgrade order has it.

import { CreateTagsCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { indexDocs } from '../../sandbox/commands/index-docs.ts';
import { roll } from '../../sandbox/commands/roll.ts';
import { verify } from '../../sandbox/commands/verify.ts';
import { createWriterIndex, startWriter, stopWriter } from '../../sandbox/commands/writer.ts';
import { waitFor } from '../../sandbox/wait-for.ts';
import {
  allocationEnable, catNodes, motoInstances, printFigures, spawnCli, suiteSandbox, summarize, upgradeCli, waitGreen, Watcher, type UpgradeRun,
} from './e2e-support.ts';
import { versions } from './sandbox-harness.ts';

const MASTERS = 3;
const DATA = 4;
const TOTAL = MASTERS + DATA;
const LOCK_INDEX = 'es-rolling-upgrade-lock';
const HOURLY = 'hourly-2026.01.01-14';
const HOURLY_DOCS = 400;

describe(`production conditions: ${MASTERS} masters + ${DATA} data over HTTPS, AWS lag and throttling`, () => {
  const { sb, runs, diag, initial, groupOf } = suiteSandbox('production suite', { masters: MASTERS, data: DATA, version: versions.old, tls: true }, async (box) => {
    await indexDocs({ indices: 3, replicas: 1, docs: 6000, nodeLeftDelay: '5s' });
    await createWriterIndex({ nodeLeftDelay: '5s' });
    await roll(versions.new);
    const masters = (await motoInstances(box.aws)).filter((i) => i.state === 'running' && i.tags['aws:autoscaling:groupName'] === box.groups.master);
    await box.moto.ec2.send(new CreateTagsCommand({ Resources: masters.map((m) => m.id), Tags: [{ Key: 'Version', Value: versions.new }] }));
    await waitGreen(box.es, TOTAL, 'green before the tests');
  });
  const run = async (label: string, command: 'plan' | 'run', extra: string[] = []): Promise<UpgradeRun> => {
    const r = await upgradeCli(sb(), label, command, extra, versions.new);
    runs.push(r);
    return r;
  };

  it('a wrong CA and a wrong password are clear errors (exit 1), the password never shown, nothing touched', () => diag(async () => {
    const box = sb();
    const tls = box.tls;
    expect(tls).toBeDefined();
    if (!tls) return;
    const withFlag = (flags: string[], name: string, value: string): string[] => flags.map((f, i) => (flags[i - 1] === name ? value : f));

    const wrongCa = spawnCli(['plan', ...withFlag(box.cliFlags(versions.new), '--es-ca-file', tls.wrongCaFile), '--output', 'json'], box.env);
    const ca = await wrongCa.done;
    expect(ca.code).toBe(1);
    expect(ca.stderr).toMatch(/unable to verify the first certificate|certificate/i);
    expect(ca.durationMs).toBeLessThan(20_000);

    const badPassword = 'not-the-password-4711';
    const wrongPw = spawnCli(['plan', ...box.cliFlags(versions.new), '--output', 'json'], { ...box.env, ESRU_ES_PASSWORD: badPassword });
    const pw = await wrongPw.done;
    expect(pw.code).toBe(1);
    expect(pw.stderr).toMatch(/HTTP 401.*security_exception/);
    for (const secret of [badPassword, tls.password, Buffer.from(`${tls.username}:${badPassword}`).toString('base64')]) {
      expect(pw.stderr + pw.stdout).not.toContain(secret);
    }
    expect(summarize(await motoInstances(box.aws))).toEqual(summarize(initial()));
  }));

  it('refuses allocation preset to none (transient), naming the value and the layer; nothing terminated', () => diag(async () => {
    const box = sb();
    await box.es.json('PUT', '/_cluster/settings', { transient: { 'cluster.routing.allocation.enable': 'none' } });
    try {
      const refused = await run('preset-none', 'run', ['--order', 'data-first']);
      expect(refused.result.code).toBe(3);
      expect(refused.report?.refusals.find((r) => r.rule === 'allocation_enabled')?.reason).toMatch(/"none" \(transient\)/);
      expect(refused.report?.terminatedInstanceIds).toEqual([]);
      expect(summarize(await motoInstances(box.aws))).toEqual(summarize(initial()));
      const settings = await box.es.json<{ transient: Record<string, unknown> }>('GET', '/_cluster/settings?flat_settings=true');
      expect(settings.transient['cluster.routing.allocation.enable']).toBe('none');
    } finally {
      await box.es.json('PUT', '/_cluster/settings', { transient: { 'cluster.routing.allocation.enable': null } });
    }
  }));

  it('a first run on 4 data nodes, against termination and launch hooks and throttling: every acknowledged document survives an index created while a node leaves', () => diag(async () => {
    const box = sb();
    const dataIds = new Set(initial().filter((i) => groupOf(i.id) === box.groups.data).map((i) => i.id));
    expect(dataIds.size).toBe(DATA);
    // No lease index yet: the run creates it, with its own copies to allocate before anything else.
    expect((await box.es.request({ method: 'GET', path: `/${LOCK_INDEX}` })).status).toBe(404);
    box.awsFaults.set({
      terminateLag: { terminatingMs: 2_000, waitMs: 20_000 },
      launchLag: { pendingMs: 3_000, waitMs: 5_000 },
      repeatTerminate: 'accept',
      errors: [
        { operation: 'TerminateInstanceInAutoScalingGroup', error: 'scaling-activity-in-progress', count: 1 },
        { operation: 'DescribeInstances', error: 'throttling', count: 2 },
        { operation: 'DescribeAutoScalingGroups', error: 'unavailable', count: 1 },
      ],
    });
    startWriter();
    const watcher = new Watcher(box);

    // An hourly index, created while the first terminated data node is still in the cluster (held in
    // Terminating:Wait with EC2 running): its copies must land elsewhere, and what it acknowledges survive.
    const hourly = (async () => {
      const terminated = await waitFor(() => box.awsFaults.calls({ operation: 'TerminateInstanceInAutoScalingGroup' })
        .find((c) => c.status === 200 && c.instanceIds.some((id) => dataIds.has(id)))?.instanceIds[0],
      { timeoutMs: 10 * 60_000, intervalMs: 200, what: 'the first data node to be terminated' });
      const present = (await catNodes(box.es)).some((n) => n.name === terminated);
      await box.es.json('PUT', `/${HOURLY}`, { settings: { index: { number_of_shards: 3, number_of_replicas: 1, 'unassigned.node_left.delayed_timeout': '5s' } } });
      let acknowledged = 0;
      for (let i = 0; i < HOURLY_DOCS; i += 50) {
        const ndjson = Array.from({ length: 50 }, (_, k) => `{"index":{"_id":"${i + k}"}}\n{"n":${i + k}}\n`).join('');
        const response = await box.es.request({ method: 'POST', path: `/${HOURLY}/_bulk?refresh=wait_for`, ndjson });
        const items = response.status === 200 ? (JSON.parse(response.text) as { items: { index?: { status?: number } }[] }).items : [];
        acknowledged += items.filter((item) => (item.index?.status ?? 500) < 300).length;
      }
      const shards = await box.es.json<{ node: string | null; prirep: string }[]>('GET', `/_cat/shards/${HOURLY}?format=json&h=node,prirep`);
      return { terminated, presentWhenCreated: present, acknowledged, onLeavingNode: shards.filter((s) => s.node === terminated).length };
    })();

    const upgraded = await run('first-run', 'run', ['--order', 'data-first', '--expected-es-version', versions.new, '--node-leave-timeout', '5m']);
    const created = await hourly;
    await stopWriter();
    await watcher.stop();
    printFigures('first run, 4 data, AWS lag', upgraded, watcher, TOTAL);
    const calls = box.awsFaults.calls({ operation: 'TerminateInstanceInAutoScalingGroup' });
    box.awsFaults.clear();

    expect(upgraded.result.code, upgraded.report?.message).toBe(0);
    const report = upgraded.report;
    expect(report?.outcome).toBe('completed');
    expect(new Set(report?.terminatedInstanceIds)).toEqual(dataIds);
    // Each instance asked once: the scaling-activity refusal did not land and was asked again later;
    // none was sent again while the group held it in Terminating:Wait.
    for (const id of dataIds) {
      const landed = calls.filter((c) => c.instanceIds.includes(id) && c.status === 200);
      expect(landed, `terminate calls that landed for ${id}`).toHaveLength(1);
      expect(calls.filter((c) => c.instanceIds.includes(id) && c.repeat === true)).toEqual([]);
    }
    expect(calls.some((c) => c.injected?.kind === 'scaling-activity-in-progress')).toBe(true);
    const describes = box.awsFaults.calls({ operation: 'DescribeAutoScalingGroups' });
    expect(describes.some((c) => Object.values(c.lifecycleStates ?? {}).includes('Terminating:Wait'))).toBe(true);
    // One retry layer: the SDK makes one attempt per call.
    expect(box.awsFaults.calls().every((c) => (c.maxAttempts ?? 1) === 1)).toBe(true);

    expect(created.presentWhenCreated).toBe(true);
    expect(created.onLeavingNode).toBe(0);
    expect(created.acknowledged).toBe(HOURLY_DOCS);
    const count = await box.es.json<{ count: number }>('GET', `/${HOURLY}/_count`);
    expect(count.count).toBe(HOURLY_DOCS);
    const verified = await verify();
    expect(verified.missing).toBe(0);

    expect(watcher.minCount()).toBeGreaterThanOrEqual(TOTAL - 1);
    const nodes = await catNodes(box.es);
    expect(nodes.filter((n) => n.roles.includes('d')).every((n) => n.version === versions.new)).toBe(true);
    expect(await allocationEnable(box.es)).toBeNull();
    const lockSettings = await box.es.json<Record<string, { settings: { index: Record<string, unknown> } }>>(
      'GET', `/${LOCK_INDEX}/_settings`);
    expect(lockSettings[LOCK_INDEX]?.settings.index).toMatchObject({
      number_of_replicas: '1', auto_expand_replicas: 'false', unassigned: { node_left: { delayed_timeout: '0' } },
    });
    await waitGreen(box.es, TOTAL, 'green after the upgrade', 300_000);
  }));
});
