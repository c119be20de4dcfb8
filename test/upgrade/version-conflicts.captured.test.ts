// The version-conflict judgement on real responses captured from real Elasticsearch clusters, read
// through the adapter's own mapping: what a mixed-version cluster really says must pass, and every
// other real reason for an unassigned copy must not.

import { describe, expect, it } from 'vitest';
import {
  toAllocationExplanation,
  toClusterHealth,
  toShardCopies,
  type CatShardRow,
  type ExplainBody,
  type HealthBody,
} from '../../src/cluster/es-read-model.ts';
import { judgeCopy, judgeSettlement } from '../../src/upgrade/version-conflicts.ts';
import { loadFixture, versionsWith } from '../cluster/es-fixtures.ts';

const conflictFiles = ['health-yellow-version-conflict', 'cat-shards-version-conflict', 'allocation-explain-version-conflict'];
const mixed = versionsWith(...conflictFiles);

describe('judgeSettlement on captured mid-upgrade clusters', () => {
  it('has captures to judge', () => {
    expect(mixed.length).toBeGreaterThanOrEqual(2);
  });

  it.each(mixed)('%s: the held-back replica is a version conflict', (dir) => {
    const health = toClusterHealth(loadFixture<HealthBody>(dir, 'health-yellow-version-conflict'));
    const shards = toShardCopies(loadFixture<CatShardRow[]>(dir, 'cat-shards-version-conflict'));
    const explanation = toAllocationExplanation(loadFixture<ExplainBody>(dir, 'allocation-explain-version-conflict'));

    const result = judgeSettlement(health, shards, [explanation]);

    expect(result).toMatchObject({ kind: 'version-conflicts-only', conflicts: [{ index: 'on-newer', shard: 0 }] });
    if (result.kind === 'version-conflicts-only') {
      expect(result.conflicts[0]?.explanation).toMatch(/^cannot allocate replica shard to a node with version \[.+\] since this is older than the primary version/);
    }
  });

  it.each(mixed)('%s: with --version-conflicts reject semantics nothing else is hidden (explanation covers every unassigned copy)', (dir) => {
    const shards = toShardCopies(loadFixture<CatShardRow[]>(dir, 'cat-shards-version-conflict'));
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
