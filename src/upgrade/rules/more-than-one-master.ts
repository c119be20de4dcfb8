import { masterCandidate, type Rule } from './rule.ts';

/**
 * With a single master-eligible node, replacing it takes the cluster's only master away: nothing
 * can be indexed or allocated until the replacement is up, and unless its data path survives, the
 * replacement starts a new cluster state the data nodes cannot join. Add master-eligible nodes
 * first, or disable this rule by name if the outage and the data path are taken care of.
 */
export const moreThanOneMaster: Rule = {
  name: 'more_than_one_master',
  kind: 'structural',
  appliesTo: masterCandidate,
  check: (c, { world }) => {
    // The groups' desired capacity counts a master being replaced, whose replacement is on its way.
    const masterGroups = new Set(world.nodes.filter((n) => n.isMasterEligible && n.group).map((n) => n.group?.name));
    const desired = world.groups.filter((g) => masterGroups.has(g.name)).reduce((sum, g) => sum + g.desiredCapacity, 0);
    const masters = Math.max(world.nodes.filter((n) => n.isMasterEligible).length, desired);
    return masters > 1
      ? null
      : `${c.node.name} is the only master-eligible node: replacing it leaves the cluster without a master (an outage, and its cluster state is lost unless the data path survives)`;
  },
};
