import { findWrongReplacement } from '../replacements.ts';
import { always, onceForAllCandidates, type Rule } from './rule.ts';

/** A replacement that came up with another version: replacing it again would loop forever. */
export const replacementAtTarget: Rule = {
  name: 'replacement_at_target',
  kind: 'structural',
  appliesTo: always,
  check: onceForAllCandidates(({ world, options, lease }) => findWrongReplacement(world, options, lease)),
};
