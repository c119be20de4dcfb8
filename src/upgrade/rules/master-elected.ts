import { always, type Rule } from './rule.ts';

export const masterElected: Rule = {
  name: 'master_elected',
  kind: 'precondition',
  appliesTo: always,
  check: (_c, { world }) => (world.cluster.masterNodeId ? null : 'no elected master'),
};
