import { describe, expect, it } from 'vitest';
import type { ClusterSnapshot, Ec2Instance, InstanceMatch } from '../../src/upgrade/model.ts';
import { isGoingAway, joinWorld, matchKey } from '../../src/upgrade/world.ts';
import { aNode, aWorld } from './builders.ts';

/** The instance a node is matched to, searched for node by node: what joinWorld must agree with. */
function searched(key: string | undefined, instances: Ec2Instance[], match: InstanceMatch): Ec2Instance | undefined {
  if (!key) return undefined;
  const rank = (i: Ec2Instance): number => (isGoingAway(i) ? 0 : 1e15) + (i.launchTime?.getTime() ?? 0) / 1e3;
  return instances.filter((i) => (match.kind === 'private-ip' ? i.privateIp === key : i.id === key)).sort((a, b) => rank(b) - rank(a))[0];
}

/** Nodes on 30 IPs, and 90 instances reusing those IPs in every state, some launched in the same second. */
function aReusedFleet(seed: number): { cluster: ClusterSnapshot; instances: Ec2Instance[] } {
  let state = seed;
  const next = (n: number): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
  const states: Ec2Instance['state'][] = ['pending', 'running', 'shutting-down', 'terminated', 'stopped'];
  const lifecycles = [undefined, 'InService', 'Terminating:Wait', 'Pending', 'Detaching'];
  const instances = Array.from({ length: 90 }, (_, n): Ec2Instance => {
    const lifecycle = lifecycles[next(lifecycles.length)];
    return {
      id: `i-${n}`,
      privateIp: next(10) === 0 ? undefined : `10.0.0.${next(30)}`,
      state: states[next(states.length)] ?? 'running',
      groupName: 'es-data',
      tags: {},
      launchTime: new Date(Date.UTC(2026, 10, 28, 0, 0, next(4))),
      ...(lifecycle ? { lifecycleState: lifecycle } : {}),
    };
  });
  const cluster = aWorld({ nodes: Array.from({ length: 35 }, (_, n) => aNode(`es-data-${n}`).data().withoutInstance()) }).cluster;
  cluster.nodes.forEach((node, n) => {
    node.ip = n < 30 ? `10.0.0.${n}` : '';
  });
  return { cluster, instances };
}

describe('joinWorld', () => {
  it.each([1, 7, 42, 2026])('matches each node to the instance a node-by-node search finds: live first, then newest, then first listed (seed %i)', (seed) => {
    const { cluster, instances } = aReusedFleet(seed);
    const match: InstanceMatch = { kind: 'private-ip' };

    const world = joinWorld(cluster, { instances, groups: [] }, { match, versionTagKey: 'Version', groupNames: [] });

    expect(world.nodes.length).toBe(35);
    for (const view of world.nodes) expect(view.instance).toBe(searched(matchKey(view.node, match), instances, match));
    expect(world.nodes.filter((n) => n.instance !== undefined).length).toBeGreaterThan(10);
  });

  it('matches by instance id with the node-name match', () => {
    const { cluster, instances } = aReusedFleet(3);
    cluster.nodes.forEach((node, n) => {
      node.name = `i-${n * 2}`;
    });
    const match: InstanceMatch = { kind: 'node-name' };

    const world = joinWorld(cluster, { instances, groups: [] }, { match, versionTagKey: 'Version', groupNames: [] });

    for (const view of world.nodes) expect(view.instance).toBe(searched(view.node.name, instances, match));
    expect(world.nodes[1]?.instance?.id).toBe('i-2');
  });
});
