import { copiesOf, copiesOn } from '../shard-copies.ts';
import { goingWith, list, type Rule } from './rule.ts';

/** A shard with no copy outside the nodes going (no replicas configured): waiting will not create one. */
export const noSingleCopyShards: Rule = {
  name: 'no_single_copy_shards',
  kind: 'structural',
  appliesTo: (c, ctx) => c.isData && ctx.options.strategy === 'replace',
  check: (c, ctx) => {
    const going = goingWith(c, ctx);
    const shards = ctx.world.cluster.shards;
    const lonely = copiesOn(shards, [c.node.name]).filter(
      (s) => !copiesOf(shards, s).some((o) => o.node === undefined || !going.has(o.node)),
    );
    if (lonely.length === 0) return null;
    return (
      `${lonely.length} shard cop${lonely.length === 1 ? 'y has' : 'ies have'} no other copy` +
      `${going.size > 1 ? ` outside the batch (${list([...going])})` : ''} ` +
      `(${list(lonely.map((s) => `[${s.index}][${s.shard}]`))}): terminating the node would lose data; ` +
      'add replicas, or use --strategy drain to move the shards off first'
    );
  },
};
