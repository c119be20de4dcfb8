// Where this upgrade's replacements stand, read from the world and the lease: which nodes are
// going, which replacements are still to join, and whether one came up wrong. Pure.

import type { Ec2Instance } from './model.ts';
import type { UpgradeOptions } from './plan-model.ts';
import type { LeaseRecord } from './ports.ts';
import { isComingUp, isGoingAway, type NodeView, type World } from './world.ts';

/** True for a launch time within this upgrade (resumed leases keep when it began). */
function launchedDuringUpgrade(lease: LeaseRecord): (instance: Ec2Instance) => boolean {
  // EC2 reports LaunchTime in whole seconds: a replacement launched in the second the run started
  // reads as launched before it, so compare from the start of that second.
  const since = Math.floor(Date.parse(lease.runStartedAt) / 1000) * 1000;
  return (instance) => instance.launchTime !== undefined && instance.launchTime.getTime() >= since;
}

/**
 * The instance is on its way out: the group is terminating it, or this upgrade already asked it to
 * (an accepted terminate is never sent again, whatever EC2 still says).
 */
export function isLeaving(instance: Ec2Instance, lease: LeaseRecord): boolean {
  return isGoingAway(instance) || terminatedIds(lease).has(instance.id);
}

const idSets = new WeakMap<readonly string[], { size: number; ids: ReadonlySet<string> }>();

/**
 * The lease's terminated instances as a set: asked of every instance, several times a tick, and late
 * in a large upgrade the list holds most of the fleet. Kept per list (a record's lists are replaced,
 * not changed, when it changes); rebuilt should one grow in place.
 */
function terminatedIds(lease: LeaseRecord): ReadonlySet<string> {
  const list = lease.terminatedInstanceIds;
  const known = idSets.get(list);
  if (known?.size === list.length) return known.ids;
  const ids = new Set(list);
  idSets.set(list, { size: list.length, ids });
  return ids;
}

/** Nodes still in the cluster whose instance is leaving (or was terminated by this upgrade, whatever EC2 reports now). */
export function leavingNodes(world: World, lease: LeaseRecord): NodeView[] {
  const terminated = new Set(lease.terminatedNodeIds ?? []);
  return world.nodes.filter((n) => terminated.has(n.node.id) || (n.instance !== undefined && isLeaving(n.instance, lease)));
}

/**
 * This upgrade's replacements that have not joined yet: terminations recorded in the lease, less
 * the nodes in the cluster on instances launched during the upgrade.
 */
export function replacementsPending(world: World, lease: LeaseRecord): number {
  const launched = launchedDuringUpgrade(lease);
  const terminated = new Set(lease.terminatedNodeIds ?? []);
  const joined = world.nodes.filter((n) => n.instance && !terminated.has(n.node.id) && !isLeaving(n.instance, lease) && launched(n.instance)).length;
  return Math.max(0, lease.terminatedInstanceIds.length - joined);
}

/** Instances of this upgrade (launched since it began, or still coming up): never ignorable orphans. */
export function isOwnReplacement(instance: Ec2Instance, lease: LeaseRecord): boolean {
  return isComingUp(instance) || launchedDuringUpgrade(lease)(instance);
}

export type ReplacementUnderWay =
  /** Nodes whose instance is going or gone but which are still in the cluster. */
  | { kind: 'leaving'; nodes: NodeView[]; detail: string }
  /** An instance launched that has no node yet, or a group still short of its desired capacity. */
  | { kind: 'joining'; detail: string };

/** A replacement under way anywhere in the cluster's groups, as the world shows it, or null. */
export function findReplacementUnderWay(
  world: World,
  lease: LeaseRecord,
  ignoredInstanceIds: ReadonlySet<string> = new Set(),
): ReplacementUnderWay | null {
  const departing = leavingNodes(world, lease);
  if (departing.length > 0) {
    return {
      kind: 'leaving',
      nodes: departing,
      detail: `node ${departing.map((n) => `${n.node.name} (instance ${n.instance?.id} ${describeInstance(n.instance)})`).join(', ')} still in the cluster`,
    };
  }
  const joining = world.orphans.instancesWithoutNode.filter((i) => !ignoredInstanceIds.has(i.instanceId));
  if (joining.length > 0) {
    return { kind: 'joining', detail: `instance ${joining.map((i) => `${i.instanceId} (${i.state})`).join(', ')} has not joined the cluster yet` };
  }
  for (const g of world.groups) {
    const members = world.fleet.instances.filter((i) => i.groupName === g.name && !isLeaving(i, lease)).length;
    if (members < g.desiredCapacity) return { kind: 'joining', detail: `group ${g.name} has ${members} of ${g.desiredCapacity} desired instances` };
  }
  return null;
}

/**
 * A node (or a joining instance) launched during this upgrade that is not at the target: the group
 * launches the wrong thing, and replacing it again would loop forever.
 */
export function findWrongReplacement(world: World, options: UpgradeOptions, lease: LeaseRecord): string | null {
  const launched = launchedDuringUpgrade(lease);
  const key = options.versionTagKey;
  for (const view of world.nodes) {
    if (!view.instance || isLeaving(view.instance, lease) || !launched(view.instance)) continue;
    if (view.versionTag !== options.targetVersion) {
      return `replacement ${view.node.name} (instance ${view.instance.id}) came up with ${key}=${view.versionTag ?? 'none'}, not ${options.targetVersion}`;
    }
    if (options.expectedEsVersion && view.node.version !== options.expectedEsVersion) {
      return `replacement ${view.node.name} (instance ${view.instance.id}) runs Elasticsearch ${view.node.version}, not ${options.expectedEsVersion}`;
    }
  }
  const groupNames = new Set(world.groups.map((g) => g.name));
  for (const i of world.fleet.instances) {
    const inGroup = i.groupName !== undefined && groupNames.has(i.groupName);
    if (inGroup && !isLeaving(i, lease) && launched(i) && i.tags[key] !== options.targetVersion) {
      return `replacement instance ${i.id} in ${i.groupName} launched with ${key}=${i.tags[key] ?? 'none'}, not ${options.targetVersion}`;
    }
  }
  return null;
}

function describeInstance(instance: Ec2Instance | undefined): string {
  if (!instance) return '?';
  return instance.lifecycleState ? `${instance.state}, ${instance.lifecycleState}` : instance.state;
}
