import { groupsOfStaleNodes } from './groups.ts';
import { always, type Rule } from './rule.ts';

/**
 * A replacement taken from a warm pool was launched when the pool was filled, perhaps from the old
 * template, and long before this upgrade began: it cannot be told from a node to replace.
 */
export const noWarmPool: Rule = {
  name: 'no_warm_pool',
  kind: 'structural',
  appliesTo: always,
  check: (_c, ctx) => {
    const pooled = groupsOfStaleNodes(ctx).filter((g) => g.hasWarmPool === true);
    if (pooled.length === 0) return null;
    return (
      `group${pooled.length > 1 ? 's' : ''} ${pooled.map((g) => g.name).join(', ')} ha${pooled.length > 1 ? 've' : 's'} a warm pool: ` +
      'replacements would come from instances launched before the upgrade; delete the warm pool for the upgrade'
    );
  },
};
