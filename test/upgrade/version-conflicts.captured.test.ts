// The version-conflict judgement on real responses captured from real Elasticsearch clusters, read
// through the adapter's own mapping: what a mixed-version cluster really says must pass, and every
// other real reason for an unassigned copy must not.

import { describe, expect, it } from 'vitest';
import {
  CAT_SHARDS_COLUMNS,
  toAllocationExplanation,
  toClusterHealth,
  toShardCopies,
  type ExplainBody,
  type HealthBody,
} from '../../src/cluster/es-read-model.ts';
import { judgeCopy, judgeSettlement, toleratedFor } from '../../src/upgrade/version-conflicts.ts';
import { catShardsAsAsked, loadFixture, versionsWith } from '../cluster/es-fixtures.ts';

/** Captured rows as the adapter asks for them. */
const shardsOf = (dir: string, name: string): ReturnType<typeof toShardCopies> =>
  toShardCopies(catShardsAsAsked(loadFixture<Record<string, unknown>[]>(dir, name), CAT_SHARDS_COLUMNS.join(',')));

const conflictFiles = ['health-yellow-version-conflict', 'cat-shards-version-conflict', 'allocation-explain-version-conflict'];
const mixed = versionsWith(...conflictFiles);

describe('judgeSettlement on captured mid-upgrade clusters', () => {
  it('has captures to judge', () => {
    expect(mixed.length).toBeGreaterThanOrEqual(2);
  });

  it.each(mixed)('%s: the held-back replica is a version conflict', (dir) => {
    const health = toClusterHealth(loadFixture<HealthBody>(dir, 'health-yellow-version-conflict'));
    const shards = shardsOf(dir, 'cat-shards-version-conflict');
    const explanation = toAllocationExplanation(loadFixture<ExplainBody>(dir, 'allocation-explain-version-conflict'));

    const result = judgeSettlement(health, shards, [explanation]);

    expect(result).toMatchObject({ kind: 'version-conflicts-only', conflicts: [{ index: 'on-newer', shard: 0 }] });
    if (result.kind === 'version-conflicts-only') {
      expect(result.conflicts[0]?.explanation).toMatch(/^cannot allocate replica shard to a node with version \[.+\] since this is older than the primary version/);
    }
  });

  it.each(mixed)('%s: with --version-conflicts reject semantics nothing else is hidden (explanation covers every unassigned copy)', (dir) => {
    const shards = shardsOf(dir, 'cat-shards-version-conflict');
    expect(shards.filter((s) => s.state === 'UNASSIGNED').map((s) => s.index)).toEqual(['on-newer']);
  });
});

const otherReasons = ['allocation-explain-allocation-disabled', 'allocation-explain-same-shard', 'allocation-explain-filter-require', 'allocation-explain-delayed'];

describe.each(otherReasons)('judgeCopy on a captured %s', (name) => {
  const versions = versionsWith(name);
  it.each(versions)('%s: is not a version conflict', (version) => {
    const body = loadFixture<ExplainBody>(version, name);
    const explanation = toAllocationExplanation(body);
    const everyNode = new Set(explanation.nodeDecisions.map((d) => d.nodeName));
    // Even granting that every node holds a copy (same_shard excused everywhere), it must not pass.
    expect(judgeCopy(explanation, everyNode).conflict).toBe(false);
    expect(judgeCopy(explanation, new Set()).conflict).toBe(false);
  });
});

// Caught live on the e2e suite's cluster: the controller had accepted a replica held back by the
// 9.5.4 balancer (its primary wanted on the upgraded node, see desired-balance.json), then narrowed
// allocation to primaries for the next node. Explain then says "no" for that replica, only for the
// narrowing, and the run used to wait for a green that could not come.
describe('judgeSettlement on a held-back replica after narrowing allocation (live capture)', () => {
  const dir = 'mixed-9.4.5-9.5.4-narrowed-held-back';
  const health = toClusterHealth(loadFixture<HealthBody>(dir, 'health-yellow'));
  const shards = shardsOf(dir, 'cat-shards');
  const heldBack = toAllocationExplanation(loadFixture<ExplainBody>(dir, 'allocation-explain-held-back-narrowed'));
  const conflict = toAllocationExplanation(loadFixture<ExplainBody>(dir, 'allocation-explain-version-conflict-narrowed'));
  const narrowed = { tolerated: toleratedFor(true, []), mixedVersions: true };

  it('captured the state it is about: two replicas unassigned, allocation narrowed to primaries', () => {
    expect(shards.filter((s) => s.state === 'UNASSIGNED').map((s) => `${s.index}/${s.shard}`).sort()).toEqual(['data-3/1', 'hourly-2026.01.01-13/0']);
    expect(loadFixture<{ persistent: Record<string, string> }>(dir, 'settings').persistent['cluster.routing.allocation.enable']).toBe('primaries');
    expect(heldBack.canAllocate).toBe('no');
    expect(heldBack.lastAllocationStatus).toBe('no_attempt');
  });

  it('passes beside the real version conflict at once: only our narrowing holds it', () => {
    const result = judgeSettlement(health, shards, [heldBack, conflict], narrowed);
    expect(result).toMatchObject({ kind: 'version-conflicts-only', heldByNarrowing: 1 });
    if (result.kind !== 'version-conflicts-only') return;
    expect(result.conflicts.map((c) => `${c.index}/${c.shard}`)).toEqual(['hourly-2026.01.01-13/0']);
  });

  it('is a blocker when the narrowing is not ours (enable not tolerated)', () => {
    const result = judgeSettlement(health, shards, [heldBack, conflict], { mixedVersions: true, pastGrace: () => true });
    expect(result.kind).toBe('unsettled');
    if (result.kind === 'unsettled') expect(result.reason).toMatch(/not version conflicts/);
  });

  it('passes alone too while narrowed: lifting the narrowing frees it', () => {
    const alone = shards.filter((s) => s.index !== 'hourly-2026.01.01-13');
    const result = judgeSettlement({ ...health, unassignedShards: 1 }, alone, [heldBack], narrowed);
    expect(result).toEqual({ kind: 'version-conflicts-only', conflicts: [], heldByNarrowing: 1 });
  });
});
