// One look at both sides: the cluster first, then the instances behind its nodes.

import type { UpgradeOptions } from './plan-model.ts';
import type { Cluster, Fleet } from './ports.ts';
import { fleetQueryFor, joinWorld, type World } from './world.ts';

export async function observeWorld(cluster: Cluster, fleet: Fleet, options: UpgradeOptions, signal?: AbortSignal): Promise<World> {
  const snapshot = await cluster.observe(signal);
  const fleetSnapshot = await fleet.observe(fleetQueryFor(snapshot.nodes, options.match, options.groupNames), signal);
  return joinWorld(snapshot, fleetSnapshot, options);
}
