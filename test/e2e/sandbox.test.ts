// The proving ground itself: a terminated instance's process stops and its replacement joins with
// the version of the launch template's default version.

import { TerminateInstanceInAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexDocs } from '../../sandbox/commands/index-docs.ts';
import { roll } from '../../sandbox/commands/roll.ts';
import { isAlive, readPid } from '../../sandbox/es-node.ts';
import { observeFleet } from '../../sandbox/fleet-observer.ts';
import { waitFor } from '../../sandbox/wait-for.ts';
import { join } from 'node:path';
import { startSandbox, versions, type Sandbox } from './sandbox-harness.ts';

interface NodesInfo {
  nodes: Record<string, { name: string; version: string; attributes: Record<string, string> }>;
}

describe('sandbox', () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    const started = Date.now();
    sandbox = await startSandbox({ masters: 1, data: 2, version: versions.old });
    console.log(`sandbox up (1 master, 2 data, ${versions.old}) in ${seconds(started)}`);
  });

  afterAll(async () => {
    await sandbox?.down();
  });

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

    await waitFor(async () => {
      const health = await sandbox.es.json<{ status: string }>('GET', '/_cluster/health?wait_for_status=green&timeout=5s');
      return health.status === 'green' ? true : undefined;
    }, { timeoutMs: 180_000, what: 'green after the replacement' });
    console.log(`green ${seconds(terminated)} after the terminate`);
    await sampler.stop();
    expect(sampler.minCount()).toBe(2);
    expect(sampler.maxCount()).toBe(3);
  });
});

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}
