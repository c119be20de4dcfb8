import { dataCandidate, type Rule } from './rule.ts';

export const noMovingShards: Rule = {
  name: 'no_moving_shards',
  kind: 'recovery',
  appliesTo: dataCandidate,
  check: (_c, { world }) => {
    const h = world.cluster.health;
    return h.initializingShards + h.relocatingShards === 0 ? null : `${h.initializingShards} initializing and ${h.relocatingShards} relocating shards`;
  },
};
