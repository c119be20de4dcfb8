// One look at both sides: the cluster, and the instances behind its nodes. The fleet starts on what
// it knows (its groups' member lists) while the cluster is read, then matches the nodes.

import type { UpgradeOptions } from './plan-model.ts';
import type { Cluster, Fleet } from './ports.ts';
import { fleetQueryFor, joinWorld, type World } from './world.ts';

export async function observeWorld(cluster: Cluster, fleet: Fleet, options: UpgradeOptions, signal?: AbortSignal): Promise<World> {
  const observing = cluster.observe(signal);
  const query = observing.then((snapshot) => fleetQueryFor(snapshot.nodes, options.match, options.groupNames));
  // A failed cluster read fails this observation through `observing`; a fleet need not await the query.
  query.catch(() => undefined);
  const [snapshot, fleetSnapshot] = await Promise.all([observing, fleet.observe(query, signal)]);
  return joinWorld(snapshot, fleetSnapshot, options);
}
