// The proving ground itself: a terminated instance's process stops and its replacement joins with
// the version of the launch template's default version; with AWS's lifecycle lags the old node serves
// until its machine shuts down and the replacement starts only once InService; the controller reaches
// Elasticsearch through the TLS front with the harness's flags; the sandbox chores (index twice, the
// writer's own index, temp files in the node's directory, logs kept by down).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TerminateInstanceInAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexDocs } from '../../sandbox/commands/index-docs.ts';
import { roll } from '../../sandbox/commands/roll.ts';
import { verify } from '../../sandbox/commands/verify.ts';
import { startWriter, stopWriter, WRITER_INDEX } from '../../sandbox/commands/writer.ts';
import { isAlive, readPid } from '../../sandbox/es-node.ts';
import { observeFleet } from '../../sandbox/fleet-observer.ts';
import { paths, readState } from '../../sandbox/sandbox-state.ts';
import { waitFor } from '../../sandbox/wait-for.ts';
import { runCli } from './run-cli.ts';
import { startSandbox, versions, type Sandbox } from './sandbox-harness.ts';

interface NodesInfo {
  nodes: Record<string, { name: string; version: string; attributes: Record<string, string> }>;
}

describe('sandbox', () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    const started = Date.now();
    sandbox = await startSandbox({ masters: 1, data: 2, version: versions.old, tls: true });
    console.log(`sandbox up (1 master, 2 data, ${versions.old}, TLS front) in ${seconds(started)}`);
  });

  afterAll(async () => {
    await sandbox?.down();
  });

  async function nodeNames(): Promise<string[]> {
    return (await sandbox.es.json<{ name: string }[]>('GET', '/_cat/nodes?format=json&h=name')).map((n) => n.name);
  }

  it('replaces a terminated data instance with a node of the default template version', async () => {
    // Elasticsearch's default 1m delay would hold the replicas back for a minute after the join.
    await indexDocs({ indices: 2, replicas: 1, docs: 2000, nodeLeftDelay: '5s' });
    await roll(versions.new);
    const sampler = sandbox.sampleNodes();
    const before = await observeFleet(sandbox.aws, [sandbox.groups.data]);
    const victim = before.instances.find((i) => i.state === 'running');
    expect(victim?.tags.Version).toBe(versions.old);
    const victimRecord = sandbox.agentNodes().find((r) => r.instanceId === victim?.id);
    expect(victimRecord?.status).toBe('running');
    const serverPid = readPid(join(victimRecord?.dir ?? '', 'server.pid'));
    expect(isAlive(serverPid)).toBe(true);
    // Elasticsearch's temporary files are in the node's directory (ES_TMPDIR), not the system's.
    expect(readdirSync(join(victimRecord?.dir ?? '', 'tmp')).length).toBeGreaterThan(0);

    const terminated = Date.now();
    await sandbox.aws.autoScaling.send(new TerminateInstanceInAutoScalingGroupCommand({
      InstanceId: victim?.id, ShouldDecrementDesiredCapacity: false,
    }));

    const after = await observeFleet(sandbox.aws, [sandbox.groups.data]);
    const replacement = after.instances.find((i) => i.state === 'running' && !before.instances.some((b) => b.id === i.id));
    expect(replacement?.tags.Version).toBe(versions.new);

    await waitFor(() => (isAlive(serverPid) ? undefined : true), { timeoutMs: 60_000, what: 'the old process to stop' });
    // The agent records "stopped" once nothing of the node is left, a moment after the server JVM.
    await waitFor(() => (sandbox.agentNodes().find((r) => r.instanceId === victim?.id)?.status === 'stopped' ? true : undefined),
      { timeoutMs: 30_000, intervalMs: 100, what: 'the agent to record the old process as stopped' });
    console.log(`old process stopped ${seconds(terminated)} after the terminate`);

    const joined = await waitFor(async () => {
      const info = await sandbox.es.json<NodesInfo>('GET', '/_nodes?filter_path=nodes.*.name,nodes.*.version,nodes.*.attributes');
      return Object.values(info.nodes).find((n) => n.attributes.instance_id === replacement?.id);
    }, { timeoutMs: 180_000, intervalMs: 1000, what: 'the replacement to join' });
    console.log(`replacement joined ${seconds(terminated)} after the terminate`);
    expect(joined.version).toBe(versions.new);
    expect(joined.name).toBe(replacement?.id);

    await waitGreen();
    console.log(`green ${seconds(terminated)} after the terminate`);
    await sampler.stop();
    expect(sampler.minCount()).toBe(2);
    expect(sampler.maxCount()).toBe(3);
  });

  it('with lifecycle lags, the old node serves until its instance shuts down and the replacement starts once InService', async () => {
    const lag = { terminatingMs: 3000, waitMs: 5000, shuttingDownMs: 1000 };
    const launch = { pendingMs: 2000, waitMs: 3000 };
    sandbox.awsFaults.set({ terminateLag: lag, launchLag: launch });
    const before = await observeFleet(sandbox.aws, [sandbox.groups.data]);
    const victim = before.groups[0]?.members.find((m) => m.lifecycleState === 'InService')?.id ?? '';
    expect(await nodeNames()).toContain(victim);
    const terminated = Date.now();
    await sandbox.aws.autoScaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: victim, ShouldDecrementDesiredCapacity: false }));

    const samples: { at: number; victim: string; inCluster: boolean; replacement?: string; replacementState?: string }[] = [];
    let replacement: string | undefined;
    while (Date.now() - terminated < 60_000) {
      const view = await observeFleet(sandbox.aws, [sandbox.groups.data]);
      const members = new Map(view.groups[0]?.members.map((m) => [m.id, m.lifecycleState ?? '?']));
      replacement ??= [...members.keys()].find((id) => !before.groups[0]?.members.some((m) => m.id === id));
      const names = await nodeNames().catch(() => [] as string[]);
      samples.push({
        at: Date.now() - terminated,
        victim: members.get(victim) ?? 'gone',
        inCluster: names.includes(victim),
        ...(replacement ? { replacement, replacementState: members.get(replacement) ?? '?' } : {}),
      });
      if (replacement && names.includes(replacement) && !names.includes(victim)) break;
      await sleep(250);
    }
    const left = samples.find((s) => !s.inCluster)?.at ?? NaN;
    const record = sandbox.agentNodes().find((r) => r.instanceId === replacement);
    const startedAfter = Date.parse(record?.startedAt ?? '') - terminated;
    console.log(`[sandbox-lags] old node left the cluster ${left} ms after the terminate (lag ${lag.terminatingMs} + ${lag.waitMs} ms); `
      + `replacement's Elasticsearch started ${startedAfter} ms after it (launch lag ${launch.pendingMs} + ${launch.waitMs} ms), `
      + `joined ${samples.at(-1)?.at} ms after it`);

    // The old node served through Terminating and Terminating:Wait, and left only once its machine shut down.
    expect(samples.filter((s) => s.victim.startsWith('Terminating')).every((s) => s.inCluster)).toBe(true);
    expect(samples.some((s) => s.victim === 'Terminating:Wait')).toBe(true);
    expect(left).toBeGreaterThanOrEqual(lag.terminatingMs + lag.waitMs);
    // The replacement was launched with the terminate, and its Elasticsearch started only once InService.
    expect(samples.find((s) => s.replacementState === 'Pending')?.at).toBeLessThan(lag.terminatingMs);
    expect(startedAfter).toBeGreaterThanOrEqual(launch.pendingMs + launch.waitMs);
    expect(samples.at(-1)?.inCluster).toBe(false);
    sandbox.awsFaults.clear();
    await waitGreen();
  });

  it('the controller reaches Elasticsearch through the TLS front with the harness\'s flags and environment', async () => {
    const plan = await runCli(['plan', ...sandbox.cliFlags(versions.new), '--output', 'json'], { env: sandbox.env, timeoutMs: 120_000 });
    expect(plan.stderr).not.toContain('security_exception');
    expect(plan.code).toBe(0);
    expect(sandbox.cliFlags(versions.new)).toEqual(expect.arrayContaining(['--es-url', sandbox.tls?.url, '--es-ca-file', sandbox.tls?.caFile]));
    const wrong = await runCli(['plan', ...sandbox.cliFlags(versions.new), '--output', 'json'], {
      env: { ...sandbox.env, ESRU_ES_PASSWORD: 'not-the-password' }, timeoutMs: 120_000,
    });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('401');
  });

  it('index runs twice, the writer makes its own index, verify counts both', async () => {
    const second = await indexDocs({ indices: 1, replicas: 1, docs: 300, nodeLeftDelay: '5s' });
    expect(second).toContain('data-3');
    expect(readState().indexed?.counts).toEqual({ 'data-1': 1000, 'data-2': 1000, 'data-3': 300 });
    expect((await sandbox.es.request({ method: 'HEAD', path: `/${WRITER_INDEX}` })).status).toBe(404);
    startWriter({ nodeLeftDelay: '5s' });
    await waitFor(async () => ((await sandbox.es.json<{ count: number }>('GET', `/${WRITER_INDEX}/_count`)).count > 0 ? true : undefined),
      { timeoutMs: 60_000, what: 'the writer to write' });
    await stopWriter();
    const settings = await sandbox.es.json<Record<string, { settings: { index: { number_of_shards: string; unassigned?: { node_left?: { delayed_timeout?: string } } } } }>>(
      'GET', `/${WRITER_INDEX}/_settings`);
    expect(settings[WRITER_INDEX]?.settings.index.number_of_shards).toBe('2');
    expect(settings[WRITER_INDEX]?.settings.index.unassigned?.node_left?.delayed_timeout).toBe('5s');
    const result = await verify();
    expect(result.lines.filter((l) => l.startsWith('index '))).toHaveLength(3);
    expect(result.ok).toBe(true);
  });

  it('down keeps the logs of the run', async () => {
    const nodes = sandbox.agentNodes().map((r) => r.instanceId);
    await sandbox.down();
    expect(existsSync(paths.state)).toBe(false);
    expect(readFileSync(join(paths.lastRun, 'agent', 'agent.log'), 'utf8')).toContain('Elasticsearch process is down');
    for (const id of nodes) expect(existsSync(join(paths.lastRun, 'nodes', id, 'console.log'))).toBe(true);
    expect(existsSync(join(paths.lastRun, 'es-tls'))).toBe(false);
  });

  async function waitGreen(): Promise<void> {
    await waitFor(async () => {
      const health = await sandbox.es.json<{ status: string; number_of_nodes: number }>('GET', '/_cluster/health?wait_for_status=green&wait_for_nodes=3&timeout=5s');
      return health.status === 'green' && health.number_of_nodes === 3 ? true : undefined;
    }, { timeoutMs: 180_000, what: 'green with 3 nodes' });
  }
});

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}
