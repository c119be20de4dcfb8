import { masterCandidate, onceForAllCandidates, type Rule } from './rule.ts';

/** Every master-eligible node the groups want is present before another one goes. */
export const oneMasterAtATime: Rule = {
  name: 'one_master_at_a_time',
  kind: 'precondition',
  appliesTo: masterCandidate,
  check: onceForAllCandidates(({ world }) => {
    const masterGroups = new Set(world.nodes.filter((n) => n.isMasterEligible && n.group).map((n) => n.group?.name));
    const expected = world.groups.filter((g) => masterGroups.has(g.name)).reduce((s, g) => s + g.desiredCapacity, 0);
    const present = world.nodes.filter((n) => n.isMasterEligible && n.group).length;
    return present >= expected ? null : `${present} of ${expected} master-eligible nodes present`;
  }),
};
