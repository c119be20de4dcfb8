import { describe, expect, it } from 'vitest';
import type { ShardCopy } from '../../src/upgrade/model.ts';
import { copiesOf, copiesOn } from '../../src/upgrade/shard-copies.ts';

/** A seeded snapshot: copies of 40 shards over 6 nodes, some unassigned, listed in no particular order. */
function aSnapshot(seed: number): ShardCopy[] {
  let state = seed;
  const next = (n: number): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
  const states: ShardCopy['state'][] = ['STARTED', 'STARTED', 'INITIALIZING', 'RELOCATING', 'UNASSIGNED'];
  return Array.from({ length: 120 }, () => {
    const s = states[next(states.length)] ?? 'STARTED';
    const copy: ShardCopy = { index: `idx-${next(8)}`, shard: next(5), primary: next(3) === 0, state: s };
    if (s !== 'UNASSIGNED') copy.node = `node-${next(6)}`;
    return copy;
  });
}

describe('shard copies indexed once per snapshot', () => {
  const seeds = [1, 2, 3, 42, 1234];

  it.each(seeds)('copiesOf lists every copy of the shard, in the snapshot order (seed %i)', (seed) => {
    const shards = aSnapshot(seed);
    for (const s of shards) expect(copiesOf(shards, s)).toEqual(shards.filter((o) => o.index === s.index && o.shard === s.shard));
    expect(copiesOf(shards, { index: 'absent', shard: 0 })).toEqual([]);
  });

  it.each(seeds)('copiesOn lists what the named nodes hold, in the snapshot order (seed %i)', (seed) => {
    const shards = aSnapshot(seed);
    const cases: string[][] = [['node-0'], ['node-3', 'node-1'], ['node-5', 'node-5', 'node-2'], ['nowhere'], []];
    for (const names of cases) {
      expect(copiesOn(shards, names)).toEqual(shards.filter((s) => s.node !== undefined && names.includes(s.node)));
    }
  });
});
