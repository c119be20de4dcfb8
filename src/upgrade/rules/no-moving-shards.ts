import { dataCandidate, type Rule } from './rule.ts';

/**
 * Recoveries under way mean some copy is not yet where it belongs. Relocations in a green cluster
 * are the balancer spreading copies onto a joined node: every shard has all its copies started, so
 * taking a node loses no more than it would on a still cluster, and with large shards they run for
 * hours. They are waited for only when the cluster is not green (a drain, a watermark moving copies).
 */
export const noMovingShards: Rule = {
  name: 'no_moving_shards',
  kind: 'recovery',
  appliesTo: dataCandidate,
  check: (_c, { world }) => {
    const h = world.cluster.health;
    if (h.initializingShards === 0 && (h.relocatingShards === 0 || h.status === 'green')) return null;
    return `${h.initializingShards} initializing and ${h.relocatingShards} relocating shards${h.status === 'green' ? '' : ` (cluster ${h.status})`}`;
  },
};
