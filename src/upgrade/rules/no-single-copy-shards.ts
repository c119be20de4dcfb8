import { copiesOf } from '../shard-copies.ts';
import { list, type Rule } from './rule.ts';

/** A shard with no other copy at all (no replicas configured): waiting will not create one. */
export const noSingleCopyShards: Rule = {
  name: 'no_single_copy_shards',
  kind: 'structural',
  appliesTo: (c, ctx) => c.isData && ctx.options.strategy === 'replace',
  check: (c, { world }) => {
    const lonely = world.cluster.shards.filter((s) => s.node === c.node.name && copiesOf(world.cluster.shards, s).length < 2);
    if (lonely.length === 0) return null;
    return (
      `${lonely.length} shard cop${lonely.length === 1 ? 'y has' : 'ies have'} no other copy ` +
      `(${list(lonely.map((s) => `[${s.index}][${s.shard}]`))}): terminating the node would lose data; ` +
      'add replicas, or use --strategy drain to move the shards off first'
    );
  },
};
