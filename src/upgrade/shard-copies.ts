// Every copy of each shard, and every copy on each node, indexed once per snapshot: the rules, the
// version-conflict judgement and the decision all ask "where are the other copies of this shard?"
// and "what does this node hold?", per copy and per candidate, every tick. A snapshot's shards
// array is never changed once observed, so it keys the indexes.

import type { ShardCopy } from './model.ts';

export const shardKey = (s: { index: string; shard: number }): string => `${s.index}/${s.shard}`;

interface Indexes {
  /** Index name, then shard number: no key string built per copy (a third of a tick's cost at 100,000 copies). */
  byShard: Map<string, ShardCopy[][]>;
  /** Positions in the shards array of each node's copies, in array order. */
  byNode: Map<string, number[]>;
}

const cache = new WeakMap<ShardCopy[], Indexes>();

/** One pass per snapshot (the shards array), shared by every caller. */
function indexes(shards: ShardCopy[]): Indexes {
  const cached = cache.get(shards);
  if (cached) return cached;
  const byShard = new Map<string, ShardCopy[][]>();
  const byNode = new Map<string, number[]>();
  shards.forEach((s, at) => {
    let ofIndex = byShard.get(s.index);
    if (!ofIndex) byShard.set(s.index, (ofIndex = []));
    const list = ofIndex[s.shard];
    if (list) list.push(s);
    else ofIndex[s.shard] = [s];
    if (s.node === undefined) return;
    const positions = byNode.get(s.node);
    if (positions) positions.push(at);
    else byNode.set(s.node, [at]);
  });
  const built = { byShard, byNode };
  cache.set(shards, built);
  return built;
}

/** The copies of one shard in this snapshot (none: an empty list). */
export function copiesOf(shards: ShardCopy[], shard: { index: string; shard: number }): ShardCopy[] {
  return indexes(shards).byShard.get(shard.index)?.[shard.shard] ?? [];
}

/** The copies the named nodes hold, in the snapshot's order: `shards.filter((s) => nodes.has(s.node))`. */
export function copiesOn(shards: ShardCopy[], nodeNames: Iterable<string>): ShardCopy[] {
  const { byNode } = indexes(shards);
  const lists = [...new Set(nodeNames)].map((name) => byNode.get(name) ?? []);
  // One node's positions are in order already; several are merged back into the snapshot's order.
  const positions = lists.length === 1 ? (lists[0] ?? []) : lists.flat().sort((a, b) => a - b);
  return positions.map((at) => shards[at] as ShardCopy);
}
