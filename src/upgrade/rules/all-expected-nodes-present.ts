import { findReplacementUnderWay } from '../replacements.ts';
import { always, onceForAllCandidates, type Rule } from './rule.ts';

/** A group short of its capacity, or an instance whose node has not joined: the cluster is not whole. */
export const allExpectedNodesPresent: Rule = {
  name: 'all_expected_nodes_present',
  kind: 'precondition',
  appliesTo: always,
  check: onceForAllCandidates((ctx) => findReplacementUnderWay(ctx.world, ctx.lease, ctx.ignoredInstanceIds)?.detail ?? null),
};
