// Zone-at-a-time batches. With shard allocation awareness on the availability zone, a cluster keeps
// a copy of every shard outside each zone by design, so the stale data nodes of one zone can go
// together (up to --max-unavailable): as safe as one at a time when every shard has a started copy
// elsewhere, and up to as many times faster as there are nodes in a zone. Pure.

import type { NodeView, World } from './world.ts';
import type { UpgradeOptions } from './plan-model.ts';
import { copiesOf } from './shard-copies.ts';

/** The awareness attribute that names each data node's availability zone, if one does. */
export function zoneAttribute(world: World): string | undefined {
  const data = world.nodes.filter((n) => n.isData);
  if (data.length === 0) return undefined;
  return world.cluster.awareness.attributes.find((attr) =>
    data.every((n) => n.instance?.availabilityZone !== undefined && n.node.attributes[attr] === n.instance.availabilityZone),
  );
}

/** Why zone batches cannot be used in this world, or null when they can. */
export function zoneBatchesUnavailable(world: World): string | null {
  const attributes = world.cluster.awareness.attributes;
  if (attributes.length === 0) {
    return '--batch zone needs shard allocation awareness on the availability zone: cluster.routing.allocation.awareness.attributes is not set';
  }
  if (zoneAttribute(world) !== undefined) return null;
  const wrong = world.nodes
    .filter((n) => n.isData)
    .find((n) => attributes.every((attr) => n.node.attributes[attr] !== n.instance?.availabilityZone));
  const seen = wrong ? attributes.map((attr) => `${attr}=${wrong.node.attributes[attr] ?? '(none)'}`).join(', ') : '';
  return (
    `no awareness attribute (${attributes.join(', ')}) matches the instances' availability zones` +
    (wrong ? `: node ${wrong.node.name} has ${seen} but runs in ${wrong.instance?.availabilityZone ?? 'an unknown zone'}` : '')
  );
}

/** The most data nodes a batch may hold. */
function batchCap(world: World, options: Pick<UpgradeOptions, 'maxUnavailable'>): number {
  const cap = options.maxUnavailable;
  if (!cap) return Number.POSITIVE_INFINITY;
  if ('count' in cap) return cap.count;
  const data = world.nodes.filter((n) => n.isData).length;
  return Math.max(1, Math.floor((data * cap.percent) / 100));
}

/**
 * Stale data nodes in batches: each zone's, split by the cap. Zones come in the order of their first
 * node in the order given, as the run takes them (it starts with the first candidate's batch), and
 * the order within a batch is the order given.
 */
export function zoneBatches(world: World, dataCandidates: NodeView[], options: Pick<UpgradeOptions, 'maxUnavailable'>): NodeView[][] {
  const cap = batchCap(world, options);
  const byZone = new Map<string, NodeView[]>();
  for (const n of dataCandidates) {
    const zone = n.instance?.availabilityZone ?? '';
    const list = byZone.get(zone);
    if (list) list.push(n);
    else byZone.set(zone, [n]);
  }
  const batches: NodeView[][] = [];
  for (const zone of byZone.keys()) {
    const nodes = byZone.get(zone) ?? [];
    for (let i = 0; i < nodes.length; i += cap) batches.push(nodes.slice(i, i + cap));
  }
  return batches;
}

/** Shards with no started copy outside these nodes: they would be lost if the nodes all went. */
export function shardsOnlyOn(world: World, nodes: ReadonlySet<string>): string[] {
  const lost = new Set<string>();
  for (const copy of world.cluster.shards) {
    if (copy.node === undefined || !nodes.has(copy.node)) continue;
    const elsewhere = copiesOf(world.cluster.shards, copy).some((o) => o.node !== undefined && !nodes.has(o.node) && o.state === 'STARTED');
    if (!elsewhere) lost.add(`[${copy.index}][${copy.shard}]`);
  }
  return [...lost];
}
