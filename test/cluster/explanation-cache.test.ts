import { describe, expect, it } from 'vitest';
import { ExplanationCache } from '../../src/cluster/explanation-cache.ts';
import type { AllocationExplanation, ClusterSnapshot, ShardCopy } from '../../src/upgrade/model.ts';
import { aNode, aWorld, decider, explanation, shard, versionNo, type NodeBuilder } from '../upgrade/builders.ts';

const nodes = (): NodeBuilder[] => [aNode('es-master-1').master(), aNode('es-data-1').data().atTarget(), aNode('es-data-2').data()];
const twoConflicts: ShardCopy[] = [
  shard('logs-1', 0, true, 'STARTED', 'es-data-1'),
  shard('logs-1', 0, false, 'UNASSIGNED'),
  shard('logs-2', 0, true, 'STARTED', 'es-data-1'),
  shard('logs-2', 0, false, 'UNASSIGNED'),
];
const answer = (index: string): AllocationExplanation => explanation(index, 0, { 'es-data-1': [decider('same_shard', 'NO')], 'es-data-2': [versionNo()] });

function snapshot(spec: { shards?: ShardCopy[]; nodes?: NodeBuilder[]; excludeNames?: string[] } = {}): ClusterSnapshot {
  return aWorld({ nodes: spec.nodes ?? nodes(), shards: (spec.shards ?? twoConflicts).map((s) => ({ ...s })), excludeNames: spec.excludeNames ?? [] }).cluster;
}

/** One tick of EsCluster.explainAll: what is stale is explained (a new answer) and stored. */
function tick(cache: ExplanationCache, snap: ClusterSnapshot): { reused: number; explained: string[] } {
  const { fresh, stale } = cache.plan(snap);
  for (const copy of stale) cache.store(copy, answer(copy.index));
  return { reused: fresh.length, explained: stale.map((c) => c.index) };
}

describe('ExplanationCache', () => {
  it('explains each unassigned copy once while nothing it depends on changes', () => {
    const cache = new ExplanationCache();
    expect(tick(cache, snapshot())).toEqual({ reused: 0, explained: ['logs-1', 'logs-2'] });
    expect(tick(cache, snapshot())).toEqual({ reused: 2, explained: [] });
  });

  it.each([
    ['a node joins', { nodes: [...nodes(), aNode('es-data-3').data()] }],
    ['a node is excluded from allocation', { excludeNames: ['es-data-2'] }],
  ])('explains every copy again when the cluster changes shape (%s), then keeps the new answers', (_name, change) => {
    const cache = new ExplanationCache();
    tick(cache, snapshot());

    expect(tick(cache, snapshot(change))).toEqual({ reused: 0, explained: ['logs-1', 'logs-2'] });
    expect(tick(cache, snapshot(change))).toEqual({ reused: 2, explained: [] });
  });

  it("explains a copy again when its shard's other copies move, and only that one", () => {
    const cache = new ExplanationCache();
    tick(cache, snapshot());
    const moved = twoConflicts.map((s) => (s.index === 'logs-2' && s.primary ? { ...s, node: 'es-data-2' } : s));

    expect(tick(cache, snapshot({ shards: moved }))).toEqual({ reused: 1, explained: ['logs-2'] });
  });

  it('forgets everything once cleared', () => {
    const cache = new ExplanationCache();
    tick(cache, snapshot());
    cache.clear();

    expect(cache.size).toBe(0);
    expect(tick(cache, snapshot())).toEqual({ reused: 0, explained: ['logs-1', 'logs-2'] });
  });
});
