// Joins the cluster's nodes to the fleet's instances: the one view every rule and the plan judge.

import type {
  AutoScalingGroup,
  ClusterSnapshot,
  Ec2Instance,
  EsNode,
  FleetSnapshot,
  InstanceMatch,
  Phase,
} from './model.ts';
import type { Orphans } from './plan-model.ts';
import type { FleetQuery } from './ports.ts';

export interface NodeView {
  node: EsNode;
  instance?: Ec2Instance;
  group?: AutoScalingGroup;
  versionTag?: string;
  phase: Phase;
  isMasterEligible: boolean;
  isData: boolean;
  isElectedMaster: boolean;
}

export interface World {
  cluster: ClusterSnapshot;
  fleet: FleetSnapshot;
  nodes: NodeView[];
  /** Groups that hold at least one node of the cluster, or were named in the options. */
  groups: AutoScalingGroup[];
  orphans: Orphans;
}

const ALIVE: ReadonlySet<string> = new Set(['pending', 'running']);

export function isMasterEligible(node: EsNode): boolean {
  return node.roles.includes('master');
}

export function isDataNode(node: EsNode): boolean {
  return node.roles.some((r) => r === 'data' || r.startsWith('data_'));
}

export function isAlive(instance: Ec2Instance): boolean {
  return ALIVE.has(instance.state);
}

/**
 * The group is taking the instance away: EC2 may say `running` for a long while yet (load-balancer
 * deregistration, a termination lifecycle hook), but it is going.
 */
export function isGoingAway(instance: Ec2Instance): boolean {
  const l = instance.lifecycleState ?? '';
  return !isAlive(instance) || /^(Warmed:)?(Terminat|Detach)/.test(l);
}

/** Launched and on its way in: lifecycle `Pending*`, or EC2 `pending`. */
export function isComingUp(instance: Ec2Instance): boolean {
  return instance.state === 'pending' || /^(Warmed:)?Pending/.test(instance.lifecycleState ?? '');
}

/** The key a node is matched by; undefined when the node lacks it (e.g. a missing attribute). */
export function matchKey(node: EsNode, match: InstanceMatch): string | undefined {
  switch (match.kind) {
    case 'private-ip':
      return node.ip;
    case 'node-name':
      return node.name;
    case 'node-attribute':
      return node.attributes[match.attribute];
  }
}

/** What to ask the fleet for, given the nodes: batched keys, never one call per node. */
export function fleetQueryFor(nodes: EsNode[], match: InstanceMatch, groupNames: string[]): FleetQuery {
  const keys = nodes.map((n) => matchKey(n, match)).filter((k): k is string => k !== undefined && k !== '');
  return match.kind === 'private-ip'
    ? { privateIps: keys, instanceIds: [], groupNames }
    : { privateIps: [], instanceIds: keys, groupNames };
}

/**
 * Each match key's instance, found in one pass over the instances (not one per node). A private IP
 * can be reused by a later instance: the live one wins, then the newest, then the first listed.
 */
function instancesByKey(instances: Ec2Instance[], match: InstanceMatch): Map<string, Ec2Instance> {
  const best = new Map<string, Ec2Instance>();
  for (const instance of instances) {
    const key = match.kind === 'private-ip' ? instance.privateIp : instance.id;
    if (key === undefined) continue;
    const current = best.get(key);
    if (!current || rank(instance) > rank(current)) best.set(key, instance);
  }
  return best;
}

function rank(i: Ec2Instance): number {
  return (isGoingAway(i) ? 0 : 1e15) + (i.launchTime?.getTime() ?? 0) / 1e3;
}

export function joinWorld(
  cluster: ClusterSnapshot,
  fleet: FleetSnapshot,
  options: { match: InstanceMatch; versionTagKey: string; groupNames: string[] },
): World {
  const groupsByName = new Map(fleet.groups.map((g) => [g.name, g]));
  const byKey = instancesByKey(fleet.instances, options.match);
  const nodes: NodeView[] = cluster.nodes.map((node) => {
    const key = matchKey(node, options.match);
    const instance = key ? byKey.get(key) : undefined;
    const group = instance?.groupName ? groupsByName.get(instance.groupName) : undefined;
    const master = isMasterEligible(node);
    return {
      node,
      instance,
      group,
      versionTag: instance?.tags[options.versionTagKey],
      phase: master ? 'master' : 'data',
      isMasterEligible: master,
      isData: isDataNode(node),
      isElectedMaster: cluster.masterNodeId === node.id,
    };
  });

  const groupNames = new Set<string>(options.groupNames);
  for (const n of nodes) if (n.group) groupNames.add(n.group.name);
  const groups = fleet.groups.filter((g) => groupNames.has(g.name));

  const matchedInstanceIds = new Set(nodes.flatMap((n) => (n.instance ? [n.instance.id] : [])));
  const orphans: Orphans = {
    nodesWithoutInstance: nodes
      .filter((n) => !n.instance)
      .map((n) => ({ nodeName: n.node.name, nodeId: n.node.id, ip: n.node.ip })),
    instancesWithoutNode: fleet.instances
      .filter((i) => i.groupName && groupNames.has(i.groupName) && !isGoingAway(i) && !matchedInstanceIds.has(i.id))
      .map((i) => ({ instanceId: i.id, groupName: i.groupName, privateIp: i.privateIp, state: i.lifecycleState ? `${i.state}, ${i.lifecycleState}` : i.state })),
  };
  return { cluster, fleet, nodes, groups, orphans };
}
