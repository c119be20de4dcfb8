import { always, type Rule } from './rule.ts';

/** Only a group replaces what it terminates. */
export const nodeInGroup: Rule = {
  name: 'node_in_group',
  kind: 'structural',
  appliesTo: always,
  check: (c) => (c.group ? null : `instance ${c.instance?.id ?? '?'} is not in an Auto Scaling Group we can see`),
};
