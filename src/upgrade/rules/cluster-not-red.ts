import { always, type Rule } from './rule.ts';

/** Red before anything changed: refuse; red mid-run (an index being created, say): wait for yellow. */
export const clusterNotRed: Rule = {
  name: 'cluster_not_red',
  kind: 'recovery',
  wait: 'yellow',
  refuseAtStart: true,
  appliesTo: always,
  check: (_c, { world }) => (world.cluster.health.status === 'red' ? 'cluster health is red' : null),
};
