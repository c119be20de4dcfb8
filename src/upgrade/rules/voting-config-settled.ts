import { masterCandidate, onceForAllCandidates, type Rule } from './rule.ts';

/** The voting configuration has let go of departed masters before another master goes. */
export const votingConfigSettled: Rule = {
  name: 'voting_config_settled',
  kind: 'precondition',
  appliesTo: masterCandidate,
  check: onceForAllCandidates(({ world }) => {
    const present = new Set(world.cluster.nodes.map((n) => n.id));
    const departed = world.cluster.votingConfigNodeIds.filter((id) => !present.has(id));
    return departed.length === 0
      ? null
      : `voting configuration still names departed node${departed.length > 1 ? 's' : ''} ${departed.join(', ')}`;
  }),
};
