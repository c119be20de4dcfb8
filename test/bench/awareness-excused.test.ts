import { describe, expect, it } from 'vitest';
import type { AllocationExplanation } from '../../src/upgrade/model.ts';
import { judgeSettlement } from '../../src/upgrade/version-conflicts.ts';
import { excuseAwareness } from '../../bench/awareness-excused.ts';
import { isVersionConflict } from '../../bench/seed-upgrade.ts';
import { decider, explanation, health, shard, versionNo } from '../upgrade/builders.ts';

const awarenessNo = decider('awareness', 'NO', 'there may be at most [1] copies of this shard allocated to nodes with each value');
const indexVersionNo = decider('index_version', 'NO', 'older than the primary index version');

// es-data-1: upgraded, holds the primary, zone a; es-data-4: old, zone a; es-data-2: old, zone b;
// es-data-7: upgraded, zone a.
const zoned = (overrides: Partial<AllocationExplanation> = {}, extra: Record<string, ReturnType<typeof decider>[]> = {}): AllocationExplanation =>
  explanation(
    'logs-05',
    0,
    {
      'es-data-1': [decider('same_shard', 'NO'), awarenessNo],
      'es-data-4': [indexVersionNo, versionNo(), awarenessNo],
      'es-data-2': [indexVersionNo, versionNo()],
      'es-data-7': [awarenessNo],
      ...extra,
    },
    { unassignedReason: 'INDEX_CREATED', ...overrides },
  );

const names = (e: AllocationExplanation): string[] => e.nodeDecisions.map((d) => d.nodeName);

describe('excuseAwareness (the benchmark what-if)', () => {
  const cases: { name: string; given: AllocationExplanation; kept: string[] }[] = [
    {
      name: 'leaves out the nodes of the primary\'s zone when an older node elsewhere refuses only for versions',
      given: zoned(),
      kept: ['es-data-2'],
    },
    {
      name: 'excuses awareness under this controller\'s own narrowing too',
      given: zoned({}, { 'es-data-2': [decider('enable', 'NO'), indexVersionNo, versionNo()], 'es-data-4': [decider('enable', 'NO'), versionNo(), awarenessNo] }),
      kept: ['es-data-2'],
    },
    {
      name: 'changes nothing when no node refuses only for versions (awareness alone keeps it unassigned)',
      given: zoned({}, { 'es-data-2': [indexVersionNo, versionNo(), awarenessNo] }),
      kept: ['es-data-1', 'es-data-4', 'es-data-2', 'es-data-7'],
    },
    {
      name: 'keeps a node that refuses for something else as well (a disk watermark)',
      given: zoned({}, { 'es-data-4': [versionNo(), awarenessNo, decider('disk_threshold', 'NO')] }),
      kept: ['es-data-4', 'es-data-2'],
    },
    {
      name: 'changes nothing for a primary',
      given: zoned({ primary: true }),
      kept: ['es-data-1', 'es-data-4', 'es-data-2', 'es-data-7'],
    },
    {
      name: 'changes nothing while allocation is only throttled',
      given: zoned({ canAllocate: 'throttled' }),
      kept: ['es-data-1', 'es-data-4', 'es-data-2', 'es-data-7'],
    },
  ];

  it.each(cases)('$name', ({ given, kept }) => {
    expect(names(excuseAwareness(given))).toEqual(kept);
  });

  it('turns what the controller judges a blocker into a version conflict, on the same explanation', () => {
    const shards = [shard('logs-05', 0, true, 'STARTED', 'es-data-1'), shard('logs-05', 0, false, 'UNASSIGNED')];
    const yellow = health({ status: 'yellow', unassignedShards: 1 });
    expect(judgeSettlement(yellow, shards, [zoned()]).kind).toBe('unsettled');
    expect(judgeSettlement(yellow, shards, [excuseAwareness(zoned())]).kind).toBe('version-conflicts-only');
  });
});

describe('the seed\'s reading of a version conflict', () => {
  it.each([
    { name: 'a replica some older node refuses only for versions', given: zoned(), conflict: true },
    { name: 'a replica no node refuses for versions alone', given: zoned({}, { 'es-data-2': [versionNo(), awarenessNo] }), conflict: false },
    { name: 'a replica a node would take', given: zoned({ canAllocate: 'yes' }), conflict: false },
    { name: 'a primary', given: zoned({ primary: true }), conflict: false },
    {
      name: 'a replica whose primary is not active yet',
      given: explanation('logs-06', 0, { 'es-data-2': [decider('replica_after_primary_active', 'NO')] }),
      conflict: false,
    },
  ])('$name: $conflict', ({ given, conflict }) => {
    expect(isVersionConflict(given)).toBe(conflict);
  });
});
