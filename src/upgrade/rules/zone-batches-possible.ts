import { shardsOnlyOn, zoneBatchesUnavailable } from '../batches.ts';
import { goingWith, list, type Rule } from './rule.ts';

/**
 * --batch zone replaces a zone's stale data nodes together: only when shard allocation awareness is
 * on an attribute that is each node's availability zone, and, the cluster settled, every shard on
 * the batch has a started copy outside it. (While copies are still being rebuilt, the recovery rules
 * wait for them; a settled cluster that keeps a shard's copies in one zone is a set-up problem.)
 */
export const zoneBatchesPossible: Rule = {
  name: 'zone_batches_possible',
  kind: 'structural',
  appliesTo: (c, ctx) => ctx.options.batch === 'zone' && c.isData,
  check: (c, ctx) => {
    const unavailable = zoneBatchesUnavailable(ctx.world);
    if (unavailable) return unavailable;
    const h = ctx.world.cluster.health;
    const settled = ctx.settlement.kind !== 'unsettled' && h.initializingShards === 0 && h.relocatingShards === 0;
    if (!settled) return null;
    const going = goingWith(c, ctx);
    const lost = shardsOnlyOn(ctx.world, going);
    if (lost.length === 0) return null;
    return (
      `${lost.length} shard${lost.length === 1 ? ' has' : 's have'} no started copy outside the batch of zone ` +
      `${c.instance?.availabilityZone ?? '?'} (${list([...going])}): ${list(lost)}; replace one at a time, or fix the awareness first`
    );
  },
};
