import { describe, expect, it } from 'vitest';
import type { AllocationExplanation, ClusterHealth, ShardCopy } from '../../src/upgrade/model.ts';
import { judgeSettlement, toleratedFor } from '../../src/upgrade/version-conflicts.ts';
import { decider, explanation, health, shard, versionNo } from './builders.ts';

// Two data nodes: es-data-1 upgraded (holds the primary), es-data-2 old.
const primaryOnNew = [shard('logs-05', 0, true, 'STARTED', 'es-data-1'), shard('logs-05', 0, false, 'UNASSIGNED')];
const awarenessNo = () => decider('awareness', 'NO', 'there are [2] copies of this shard and [3] values for attribute [zone]; this zone already holds its share');
const yellow = (o: Partial<ClusterHealth> = {}): ClusterHealth => health({ status: 'yellow', unassignedShards: 1, ...o });

interface Case {
  name: string;
  health: ClusterHealth;
  shards: ShardCopy[];
  explanations?: AllocationExplanation[];
  tolerated?: string[];
  expected: 'green' | 'version-conflicts-only' | 'unsettled';
  reason?: RegExp;
}

const cases: Case[] = [
  { name: 'green needs no judgement', health: health(), shards: [], expected: 'green' },
  {
    name: 'replica refused by node_version on the old node and same_shard on the primary holder is a conflict',
    health: yellow(),
    shards: primaryOnNew,
    explanations: [explanation('logs-05', 0, { 'es-data-1': [decider('same_shard', 'NO')], 'es-data-2': [versionNo()] })],
    expected: 'version-conflicts-only',
  },
  {
    name: 'red is never settled',
    health: yellow({ status: 'red' }),
    shards: primaryOnNew,
    expected: 'unsettled',
    reason: /red/,
  },
  {
    name: 'initializing shards mean recovery is still under way',
    health: yellow({ initializingShards: 2 }),
    shards: primaryOnNew,
    expected: 'unsettled',
    reason: /moving/,
  },
  {
    name: 'delayed unassigned shards are not judged yet',
    health: yellow({ delayedUnassignedShards: 1 }),
    shards: primaryOnNew,
    expected: 'unsettled',
    reason: /delayed/,
  },
  {
    name: 'without explanations nothing is accepted',
    health: yellow(),
    shards: primaryOnNew,
    expected: 'unsettled',
    reason: /not explained/,
  },
  {
    name: 'a disk watermark refusal is not a version conflict',
    health: yellow(),
    shards: primaryOnNew,
    explanations: [explanation('logs-05', 0, { 'es-data-1': [decider('same_shard', 'NO')], 'es-data-2': [decider('disk_threshold', 'NO', 'the node is above the high watermark')] })],
    expected: 'unsettled',
    reason: /not version conflicts/,
  },
  {
    name: 'node_version plus another NO on the same node is not a pure conflict',
    health: yellow(),
    shards: primaryOnNew,
    explanations: [explanation('logs-05', 0, { 'es-data-1': [decider('same_shard', 'NO')], 'es-data-2': [versionNo(), decider('awareness', 'NO')] })],
    expected: 'unsettled',
  },
  {
    // Zones a, b, c: es-data-1 (a, upgraded) holds the primary; es-data-4 (a, old) and es-data-5
    // (a, upgraded) may not take the replica for awareness; es-data-2 (b) and es-data-3 (c) are old.
    name: 'awareness in the primary\'s zone beside nodes elsewhere refusing only for versions is a conflict',
    health: yellow(),
    shards: primaryOnNew,
    explanations: [explanation('logs-05', 0, {
      'es-data-1': [decider('same_shard', 'NO'), awarenessNo()],
      'es-data-4': [versionNo(), awarenessNo()],
      'es-data-5': [awarenessNo()],
      'es-data-2': [versionNo()],
      'es-data-3': [versionNo()],
    })],
    expected: 'version-conflicts-only',
  },
  {
    name: 'awareness refusing everywhere (a zone missing under forced awareness) is not a version conflict',
    health: yellow(),
    shards: primaryOnNew,
    explanations: [explanation('logs-05', 0, { 'es-data-1': [decider('same_shard', 'NO'), awarenessNo()], 'es-data-2': [awarenessNo(), versionNo()] })],
    expected: 'unsettled',
  },
  {
    name: 'awareness is not excused when the node refusing only for versions is missing: a disk refusal elsewhere',
    health: yellow(),
    shards: primaryOnNew,
    explanations: [explanation('logs-05', 0, {
      'es-data-1': [decider('same_shard', 'NO')],
      'es-data-4': [awarenessNo()],
      'es-data-2': [versionNo(), decider('disk_threshold', 'NO', 'the node is above the high watermark')],
    })],
    expected: 'unsettled',
  },
  {
    name: 'awareness in the primary\'s zone while narrowed: freed by lifting on a new node elsewhere',
    health: yellow(),
    shards: primaryOnNew,
    tolerated: ['enable'],
    explanations: [explanation('logs-05', 0, {
      'es-data-1': [decider('same_shard', 'NO'), awarenessNo(), decider('enable', 'NO')],
      'es-data-4': [awarenessNo(), decider('enable', 'NO')],
      'es-data-2': [decider('enable', 'NO')],
      'es-data-3': [versionNo(), decider('enable', 'NO')],
    })],
    expected: 'version-conflicts-only',
  },
  {
    name: 'same_shard alone (a lone data node) is not a version conflict',
    health: yellow(),
    shards: primaryOnNew,
    explanations: [explanation('logs-05', 0, { 'es-data-1': [decider('same_shard', 'NO')] })],
    expected: 'unsettled',
  },
  {
    name: 'same_shard on a node without a copy is suspicious, not a conflict',
    health: yellow(),
    shards: primaryOnNew,
    explanations: [explanation('logs-05', 0, { 'es-data-3': [decider('same_shard', 'NO')], 'es-data-2': [versionNo()] })],
    expected: 'unsettled',
  },
  {
    name: 'a node that would accept means allocation is pending, not settled',
    health: yellow(),
    shards: primaryOnNew,
    explanations: [explanation('logs-05', 0, { 'es-data-1': [decider('same_shard', 'NO')], 'es-data-2': [versionNo()], 'es-data-3': [] })],
    expected: 'unsettled',
  },
  {
    name: 'throttled allocation is not settled',
    health: yellow(),
    shards: primaryOnNew,
    explanations: [explanation('logs-05', 0, { 'es-data-2': [versionNo()] }, { canAllocate: 'throttled' })],
    expected: 'unsettled',
  },
  {
    name: 'an unassigned primary is never a conflict',
    health: yellow(),
    shards: [shard('logs-05', 0, true, 'UNASSIGNED')],
    explanations: [explanation('logs-05', 0, { 'es-data-2': [versionNo()] }, { primary: true })],
    expected: 'unsettled',
  },
  {
    name: 'the allocation setting (enable=primaries) holding a replica back is not a conflict',
    health: yellow(),
    shards: primaryOnNew,
    explanations: [explanation('logs-05', 0, { 'es-data-1': [decider('same_shard', 'NO')], 'es-data-2': [versionNo(), decider('enable', 'NO', 'replica allocations are forbidden due to cluster setting [cluster.routing.allocation.enable=primaries]')] })],
    expected: 'unsettled',
  },
  {
    name: 'enable=primaries set by this controller for the next node is tolerated alongside node_version',
    health: yellow(),
    shards: primaryOnNew,
    explanations: [explanation('logs-05', 0, { 'es-data-1': [decider('same_shard', 'NO'), decider('enable', 'NO')], 'es-data-2': [versionNo(), decider('enable', 'NO')] })],
    tolerated: ['enable'],
    expected: 'version-conflicts-only',
  },
  {
    name: 'a copy refused only by this controller\'s narrowing is no conflict, and no reason to wait while narrowed',
    health: yellow(),
    shards: primaryOnNew,
    explanations: [explanation('logs-05', 0, { 'es-data-1': [decider('same_shard', 'NO')], 'es-data-2': [decider('enable', 'NO')] })],
    tolerated: ['enable'],
    expected: 'version-conflicts-only',
  },
  {
    name: 'a copy refused by a filter on a node this controller did not exclude is a blocker',
    health: yellow(),
    shards: primaryOnNew,
    explanations: [explanation('logs-05', 0, { 'es-data-1': [decider('same_shard', 'NO'), decider('enable', 'NO')], 'es-data-2': [decider('enable', 'NO'), decider('filter', 'NO')] })],
    tolerated: ['enable'],
    expected: 'unsettled',
  },
  {
    name: 'a filter on the node this controller excluded is tolerated',
    health: yellow(),
    shards: primaryOnNew,
    explanations: [explanation('logs-05', 0, { 'es-data-1': [decider('same_shard', 'NO'), decider('enable', 'NO')], 'es-data-2': [versionNo(), decider('enable', 'NO'), decider('filter', 'NO')] })],
    tolerated: ['enable', 'filter:es-data-2'],
    expected: 'version-conflicts-only',
  },
  {
    name: 'every unassigned copy must be a conflict: one other reason spoils it',
    health: yellow({ unassignedShards: 2 }),
    shards: [...primaryOnNew, shard('audit', 0, true, 'STARTED', 'es-data-2'), shard('audit', 0, false, 'UNASSIGNED')],
    explanations: [
      explanation('logs-05', 0, { 'es-data-1': [decider('same_shard', 'NO')], 'es-data-2': [versionNo()] }),
      explanation('audit', 0, { 'es-data-2': [decider('same_shard', 'NO')], 'es-data-1': [decider('filter', 'NO', 'node matches cluster setting [cluster.routing.allocation.exclude] filters [_name:"es-data-1"]')] }),
    ],
    expected: 'unsettled',
    reason: /1 unassigned shard copy is not/,
  },
];

describe('replicas held back by the balancer in a mixed-version cluster', () => {
  // As captured on a real 9.5.4 master: explain says "yes", yet no attempt is made, while a real
  // version conflict keeps the cluster from rebalancing.
  const shards = [
    ...primaryOnNew,
    shard('writes', 1, true, 'STARTED', 'es-data-2'),
    shard('writes', 1, false, 'UNASSIGNED'),
  ];
  const conflict = explanation('logs-05', 0, { 'es-data-1': [decider('same_shard', 'NO')], 'es-data-2': [decider('index_version', 'NO'), versionNo()] });
  const heldBack = explanation('writes', 1, { 'es-data-1': [] }, { canAllocate: 'yes', lastAllocationStatus: 'no_attempt' });

  it('are not accepted before the grace period', () => {
    const result = judgeSettlement(yellow({ unassignedShards: 2 }), shards, [conflict, heldBack], { mixedVersions: true, pastGrace: () => false });
    expect(result.kind).toBe('unsettled');
    if (result.kind === 'unsettled') expect(result.reason).toMatch(/could be allocated but no attempt is made/);
  });

  it('are accepted, and named, once the state has lasted', () => {
    const result = judgeSettlement(yellow({ unassignedShards: 2 }), shards, [conflict, heldBack], { mixedVersions: true, pastGrace: () => true });
    expect(result.kind).toBe('version-conflicts-only');
    if (result.kind === 'version-conflicts-only') {
      expect(result.conflicts.map((c) => c.index)).toEqual(['logs-05', 'writes']);
      expect(result.conflicts[1]?.explanation).toMatch(/held back by the balancer/);
    }
  });

  it('are never accepted without a real version conflict beside them', () => {
    const result = judgeSettlement(yellow(), [shard('writes', 1, true, 'STARTED', 'es-data-2'), shard('writes', 1, false, 'UNASSIGNED')], [heldBack], { mixedVersions: true, pastGrace: () => true });
    expect(result.kind).toBe('unsettled');
  });

  it('are never held back in a cluster whose data nodes run one version: "no attempt yet" is just not yet', () => {
    const result = judgeSettlement(yellow({ unassignedShards: 2 }), shards, [conflict, heldBack], { mixedVersions: false, pastGrace: () => true });
    expect(result).toMatchObject({ kind: 'unsettled', blockers: [{ index: 'writes', shard: 1 }] });
  });

  it('count their grace per replica: one seen long enough passes while another just seen holds the cluster', () => {
    const other = explanation('writes', 2, { 'es-data-1': [] }, { canAllocate: 'yes', lastAllocationStatus: 'no_attempt' });
    const all = [...shards, shard('writes', 2, true, 'STARTED', 'es-data-2'), shard('writes', 2, false, 'UNASSIGNED')];
    const result = judgeSettlement(yellow({ unassignedShards: 3 }), all, [conflict, heldBack, other], { mixedVersions: true, pastGrace: (c) => c.shard === 1 });
    expect(result).toMatchObject({ kind: 'unsettled', blockers: [{ index: 'writes', shard: 2 }] });
  });

  it('a replica allocation actually failed for is not held back', () => {
    const failed = explanation('writes', 1, { 'es-data-1': [] }, { canAllocate: 'yes', lastAllocationStatus: 'no' });
    expect(judgeSettlement(yellow({ unassignedShards: 2 }), shards, [conflict, failed], { mixedVersions: true, pastGrace: () => true }).kind).toBe('unsettled');
  });
});

describe('judgeSettlement', () => {
  it.each(cases)('$name', (c) => {
    const tolerated = c.tolerated ?? [];
    const excluded = tolerated.filter((t) => t.startsWith('filter:')).map((t) => t.slice('filter:'.length));
    const result = judgeSettlement(c.health, c.shards, c.explanations, { tolerated: toleratedFor(tolerated.includes('enable'), excluded) });
    expect(result.kind).toBe(c.expected);
    if (c.reason && result.kind === 'unsettled') expect(result.reason).toMatch(c.reason);
  });

  it('names each accepted conflict with the decider explanation', () => {
    const result = judgeSettlement(yellow(), primaryOnNew, [
      explanation('logs-05', 0, { 'es-data-1': [decider('same_shard', 'NO')], 'es-data-2': [versionNo()] }),
    ]);
    expect(result).toEqual({
      kind: 'version-conflicts-only',
      conflicts: [{ index: 'logs-05', shard: 0, explanation: expect.stringContaining('older than the primary version [9.5.4]') as string }],
      heldByNarrowing: 0,
    });
  });
});

describe('judgeSettlement over many ticks', () => {
  /** The explanation, counting how often its node decisions are read. */
  function counted(e: AllocationExplanation): { explanation: AllocationExplanation; reads: () => number } {
    let reads = 0;
    const explanation = new Proxy(e, {
      get(target, key, receiver) {
        if (key === 'nodeDecisions') reads += 1;
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    return { explanation, reads: () => reads };
  }
  const conflict = (): AllocationExplanation =>
    explanation('logs-05', 0, { 'es-data-1': [decider('same_shard', 'NO')], 'es-data-2': [versionNo()], 'es-data-3': [versionNo()] });

  it('judges an explanation once while the copies and what is tolerated stay as they were', () => {
    // Prepare
    const { explanation: e, reads } = counted(conflict());
    const first = judgeSettlement(yellow(), primaryOnNew, [e]);
    const afterFirst = reads();

    // Act: the next tick reads the shards anew; the explanation is the one kept (explanation-cache).
    const again = judgeSettlement(yellow(), primaryOnNew.map((s) => ({ ...s })), [e], { tolerated: toleratedFor(false, []) });

    // Assess
    expect(afterFirst).toBeGreaterThan(0);
    expect(reads()).toBe(afterFirst);
    expect(again).toEqual(first);
    expect(again.kind).toBe('version-conflicts-only');
  });

  it('judges it again once another node holds a copy: same_shard there is explained only by that copy', () => {
    const { explanation: e, reads } = counted(conflict());
    expect(judgeSettlement(yellow(), primaryOnNew, [e]).kind).toBe('version-conflicts-only');
    const afterFirst = reads();

    // es-data-1 no longer holds the primary: its same_shard refusal is no longer explained.
    const moved = [shard('logs-05', 0, true, 'STARTED', 'es-data-4'), shard('logs-05', 0, false, 'UNASSIGNED')];
    const result = judgeSettlement(yellow(), moved, [e]);

    expect(reads()).toBeGreaterThan(afterFirst);
    expect(result).toMatchObject({ kind: 'unsettled', blockers: [{ index: 'logs-05', shard: 0, reason: expect.stringContaining('es-data-1: same_shard') as string }] });
  });

  it('judges it again when what is tolerated changes', () => {
    // es-data-3 refuses only for the exclusion this controller set: held by its narrowing while tolerated.
    const e = explanation('logs-05', 0, { 'es-data-1': [decider('same_shard', 'NO')], 'es-data-2': [versionNo()], 'es-data-3': [decider('filter', 'NO')] });
    const tolerating = judgeSettlement(yellow(), primaryOnNew, [e], { tolerated: toleratedFor(false, ['es-data-3']) });
    const not = judgeSettlement(yellow(), primaryOnNew, [e], { tolerated: toleratedFor(false, []) });
    const again = judgeSettlement(yellow(), primaryOnNew, [e], { tolerated: toleratedFor(false, ['es-data-3']) });

    expect(tolerating).toEqual({ kind: 'version-conflicts-only', conflicts: [], heldByNarrowing: 1 });
    expect(not.kind).toBe('unsettled');
    expect(again).toEqual(tolerating);
  });

  it('toleratedFor gives the same function for the same changes, so verdicts can be kept', () => {
    expect(toleratedFor(true, ['es-data-3'])).toBe(toleratedFor(true, ['es-data-3']));
    expect(toleratedFor(true, ['es-data-3'])).not.toBe(toleratedFor(false, ['es-data-3']));
    expect(toleratedFor(false, [])('es-data-3', 'filter')).toBe(false);
  });
});
