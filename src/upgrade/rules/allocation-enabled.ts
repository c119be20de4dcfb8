import { ALLOCATION_ENABLE, type ClusterSnapshot } from '../model.ts';
import type { Rule } from './rule.ts';

/** Allocation restricted in the cluster's settings, naming the value and the layer; null when `all`. */
export function allocationRestriction(cluster: Pick<ClusterSnapshot, 'settings'>): string | null {
  const { persistent, transient } = cluster.settings[ALLOCATION_ENABLE];
  const layer = transient !== null ? 'transient' : 'persistent';
  const value = transient ?? persistent;
  if (value === null || value === 'all') return null;
  return `${ALLOCATION_ENABLE} is "${value}" (${layer}): a replaced node's replicas could not be rebuilt; set it back to "all" first`;
}

/**
 * Allocation restricted before the run (`none`, `primaries`, `new_primaries`) means a replaced
 * node's replicas could never be rebuilt: the cluster would sit yellow on single copies. The
 * restriction is the operator's; this upgrade's own narrowing is recorded in its lease.
 */
export const allocationEnabled: Rule = {
  name: 'allocation_enabled',
  kind: 'structural',
  appliesTo: (_c, ctx) => ctx.lease.allocationOverride === undefined,
  check: (_c, { world }) => allocationRestriction(world.cluster),
};
