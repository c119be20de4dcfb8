import { copiesOf } from '../shard-copies.ts';
import { list, type Rule } from './rule.ts';

/** Every copy on the node has a started copy elsewhere; replicas being rebuilt will do once started. */
export const requireOtherStartedCopy: Rule = {
  name: 'require_other_started_copy',
  kind: 'recovery',
  appliesTo: (c, ctx) => c.isData && ctx.options.strategy === 'replace',
  check: (c, { world }) => {
    const onNode = world.cluster.shards.filter((s) => s.node === c.node.name);
    const unprotected = onNode.filter(
      (s) => !copiesOf(world.cluster.shards, s).some((o) => o.node !== c.node.name && o.node !== undefined && o.state === 'STARTED'),
    );
    if (unprotected.length === 0) return null;
    return `${unprotected.length} shard cop${unprotected.length === 1 ? 'y has' : 'ies have'} no other started copy yet (${list(unprotected.map((s) => `[${s.index}][${s.shard}]`))})`;
  },
};
