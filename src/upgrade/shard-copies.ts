// Every copy of each shard, indexed once per snapshot: the rules, the version-conflict judgement and
// the decision all ask "where are the other copies of this shard?", per copy, every tick.

import type { ShardCopy } from './model.ts';

export const shardKey = (s: { index: string; shard: number }): string => `${s.index}/${s.shard}`;

const cache = new WeakMap<ShardCopy[], Map<string, ShardCopy[]>>();

/** Copies by "index/shard": one pass per snapshot (the shards array), shared by every caller. */
function copiesByShard(shards: ShardCopy[]): Map<string, ShardCopy[]> {
  const cached = cache.get(shards);
  if (cached) return cached;
  const byShard = new Map<string, ShardCopy[]>();
  cache.set(shards, byShard);
  for (const s of shards) {
    const list = byShard.get(shardKey(s));
    if (list) list.push(s);
    else byShard.set(shardKey(s), [s]);
  }
  return byShard;
}

/** The copies of one shard in this snapshot (none: an empty list). */
export function copiesOf(shards: ShardCopy[], shard: { index: string; shard: number }): ShardCopy[] {
  return copiesByShard(shards).get(shardKey(shard)) ?? [];
}
