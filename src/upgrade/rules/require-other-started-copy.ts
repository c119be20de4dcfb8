import { copiesOf, copiesOn } from '../shard-copies.ts';
import { goingWith, list, type Rule } from './rule.ts';

/** Every copy on the node has a started copy on a node that stays; replicas being rebuilt will do once started. */
export const requireOtherStartedCopy: Rule = {
  name: 'require_other_started_copy',
  kind: 'recovery',
  appliesTo: (c, ctx) => c.isData && ctx.options.strategy === 'replace',
  check: (c, ctx) => {
    const going = goingWith(c, ctx);
    const shards = ctx.world.cluster.shards;
    const unprotected = copiesOn(shards, [c.node.name]).filter(
      (s) => !copiesOf(shards, s).some((o) => o.node !== undefined && !going.has(o.node) && o.state === 'STARTED'),
    );
    if (unprotected.length === 0) return null;
    return `${unprotected.length} shard cop${unprotected.length === 1 ? 'y has' : 'ies have'} no other started copy yet (${list(unprotected.map((s) => `[${s.index}][${s.shard}]`))})`;
  },
};
