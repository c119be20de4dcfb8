// Availability zones as Auto Scaling spreads instances. moto launches every instance of a group in the
// first subnet's zone although the group spans three (VPCZoneIdentifier: moto's run_instances takes
// the first subnet, and nothing configures it), so the fault layer places each member itself and
// reports that zone wherever moto reports one. Pure.

/** A group as placement needs it: its zones in order, and its members as the group lists them. */
export interface GroupPlacement {
  groupName: string;
  zones: string[];
  /** Instance ids, oldest first (moto lists members in launch order). */
  members: string[];
}

/**
 * Zones for the members not yet placed, each in turn to the group's zone with the fewest placed
 * members that are not terminating (ties: the group's zone order), as Auto Scaling balances a
 * group. A replacement therefore lands in its predecessor's zone when the group was balanced.
 * Returns the new placements only.
 */
export function placeMembers(
  placed: Readonly<Record<string, string>>,
  groups: readonly GroupPlacement[],
  terminating: ReadonlySet<string>,
): Record<string, string> {
  const added: Record<string, string> = {};
  for (const group of groups) {
    if (group.zones.length === 0) continue;
    const count = new Map(group.zones.map((z) => [z, 0]));
    for (const id of group.members) {
      const zone = placed[id];
      if (zone !== undefined && !terminating.has(id) && count.has(zone)) count.set(zone, (count.get(zone) ?? 0) + 1);
    }
    for (const id of group.members) {
      if (placed[id] !== undefined || added[id] !== undefined) continue;
      const zone = group.zones.reduce((best, z) => ((count.get(z) ?? 0) < (count.get(best) ?? 0) ? z : best));
      added[id] = zone;
      if (!terminating.has(id)) count.set(zone, (count.get(zone) ?? 0) + 1);
    }
  }
  return added;
}
