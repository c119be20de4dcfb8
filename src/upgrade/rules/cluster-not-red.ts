import { always, type Rule } from './rule.ts';

/**
 * Red: wait for yellow (an index being created is red for a moment). Before anything changed, the
 * run refuses once red has lasted a short grace; mid-run it halts after the yellow timeout.
 */
export const clusterNotRed: Rule = {
  name: 'cluster_not_red',
  kind: 'recovery',
  wait: 'yellow',
  appliesTo: always,
  check: (_c, { world }) => (world.cluster.health.status === 'red' ? 'cluster health is red' : null),
};
