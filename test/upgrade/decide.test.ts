import { describe, expect, it } from 'vitest';
import { decide, type Decision } from '../../src/upgrade/decide.ts';
import type { UpgradeOptions } from '../../src/upgrade/plan-model.ts';
import type { LeaseRecord } from '../../src/upgrade/ports.ts';
import {
  aLease,
  aNode,
  aWorld,
  decider,
  defaultOptions,
  explanation,
  OLD,
  shard,
  T0,
  TARGET,
  versionNo,
  type WorldSpec,
} from './builders.ts';

interface Case {
  name: string;
  world: () => WorldSpec;
  options?: Partial<UpgradeOptions>;
  lease?: Partial<LeaseRecord>;
  atStart?: boolean;
  recoveryWaitedMs?: number;
  expect: (d: Decision) => void;
}

const threeMasters = (): ReturnType<typeof aNode>[] => [aNode('m-1').master(), aNode('m-2').master(), aNode('m-3').master()];
const replicated = (a: string, b: string): WorldSpec['shards'] => [shard('logs', 0, true, 'STARTED', a), shard('logs', 0, false, 'STARTED', b)];

const terminates = (node: string) => (d: Decision): void => {
  expect(d.kind).toBe('terminate');
  if (d.kind === 'terminate') expect(d.node.node.name).toBe(node);
};
const refuses = (rule: string) => (d: Decision): void => {
  expect(d.kind).toBe('refuse');
  if (d.kind === 'refuse') expect(d.refusals.map((r) => r.rule)).toContain(rule);
};
const waitsFor = (kind: string, detail?: RegExp) => (d: Decision): void => {
  expect(d.kind).toBe('wait');
  if (d.kind === 'wait') {
    expect(d.wait).toBe(kind);
    if (detail) expect(d.detail).toMatch(detail);
  }
};

/**
 * Mid-upgrade on a real 9.5.4 master: d-1 upgraded holds a new index's primary (its replica a
 * version conflict); d-2 holds the only started copy of writes[1], whose replica the balancer
 * holds back (explain: yes, no attempt) while the conflict blocks rebalancing.
 */
function deadlockedWorld(): WorldSpec {
  return {
    nodes: [...threeMasters().map((b) => b.atTarget()), aNode('d-1').data().atTarget(), aNode('d-2').data(), aNode('d-3').data()],
    health: { status: 'yellow', unassignedShards: 2 },
    shards: [
      shard('logs', 0, true, 'STARTED', 'd-2'), shard('logs', 0, false, 'STARTED', 'd-3'),
      shard('writes', 1, true, 'STARTED', 'd-2'), shard('writes', 1, false, 'UNASSIGNED'),
      shard('logs-05', 0, true, 'STARTED', 'd-1'), shard('logs-05', 0, false, 'UNASSIGNED'),
    ],
    explanations: [
      explanation('logs-05', 0, { 'd-1': [decider('same_shard', 'NO')], 'd-2': [versionNo()], 'd-3': [versionNo()] }),
      explanation('writes', 1, { 'd-1': [] }, { canAllocate: 'yes', lastAllocationStatus: 'no_attempt' }),
    ],
  };
}

/**
 * The tick after: allocation narrowed to primaries for d-3. Explain now refuses the held-back
 * replica on every node, but only for the narrowing (and same_shard where its primary is), as a
 * real 9.5.4 master did in the e2e suite (fixtures: mixed-9.4.5-9.5.4-narrowed-held-back).
 */
function deadlockedWorldNarrowed(): WorldSpec {
  const narrowing = decider('enable', 'NO', 'replica allocations are forbidden due to cluster setting [cluster.routing.allocation.enable=primaries]');
  return {
    ...deadlockedWorld(),
    allocationEnable: 'primaries',
    explanations: [
      explanation('logs-05', 0, { 'd-1': [narrowing, decider('same_shard', 'NO')], 'd-2': [narrowing, versionNo()], 'd-3': [narrowing, versionNo()] }),
      explanation('writes', 1, { 'd-1': [narrowing], 'd-2': [narrowing, decider('same_shard', 'NO')], 'd-3': [narrowing] }, { lastAllocationStatus: 'no_attempt' }),
    ],
  };
}
const narrowedForD3 = { allocationOverride: { previous: null, setAt: T0.toISOString(), nodeName: 'd-3' } };

const cases: Case[] = [
  {
    name: 'Nothing to do when every instance carries the target version',
    world: () => ({ nodes: [aNode('m-1').master().atTarget(), aNode('d-1').data().atTarget()] }),
    expect: (d) => expect(d).toEqual({ kind: 'done', conflicts: [] }),
  },
  {
    name: 'Masters first: a master that is not elected goes before any data node',
    world: () => ({ nodes: [...threeMasters(), aNode('d-1').data(), aNode('d-2').data()], masterName: 'm-1', shards: replicated('d-1', 'd-2') }),
    expect: terminates('m-2'),
  },
  {
    name: 'The elected master goes last among masters',
    world: () => ({ nodes: [aNode('m-1').master(), aNode('m-2').master().atTarget(), aNode('m-3').master().atTarget()], masterName: 'm-1' }),
    expect: terminates('m-1'),
  },
  {
    name: 'Data first: a data node is first, and allocation is narrowed to primaries before it goes',
    world: () => ({ nodes: [...threeMasters(), aNode('d-1').data(), aNode('d-2').data()], shards: replicated('d-1', 'd-2') }),
    options: { order: 'data-first' },
    expect: (d) => {
      expect(d.kind).toBe('set-allocation-primaries');
      if (d.kind === 'set-allocation-primaries') expect(d.node.node.name).toBe('d-1');
    },
  },
  {
    name: 'Data node is terminated once allocation is primaries',
    world: () => ({ nodes: [...threeMasters(), aNode('d-1').data(), aNode('d-2').data()], shards: replicated('d-1', 'd-2'), allocationEnable: 'primaries' }),
    options: { order: 'data-first' },
    expect: terminates('d-1'),
  },
  {
    name: 'Launch template not at the target refuses the whole run before any termination',
    world: () => ({ nodes: [...threeMasters(), aNode('d-1').data()], groups: [{ name: 'es-data', launchVersion: OLD }] }),
    expect: refuses('launch_template_at_target'),
  },
  {
    name: 'A suspended Terminate process refuses the run',
    world: () => ({ nodes: threeMasters(), groups: [{ name: 'es-masters', suspendedProcesses: ['Terminate'] }] }),
    expect: refuses('group_processes_active'),
  },
  {
    name: 'A shard with no other copy refuses: terminating would lose data',
    world: () => ({ nodes: [...threeMasters().map((b) => b.atTarget()), aNode('d-1').data(), aNode('d-2').data()], shards: [shard('solo', 0, true, 'STARTED', 'd-1')] }),
    expect: refuses('no_single_copy_shards'),
  },
  {
    name: 'A shard whose replica is still being rebuilt waits for it rather than refusing',
    world: () => ({ nodes: [...threeMasters().map((b) => b.atTarget()), aNode('d-1').data(), aNode('d-2').data()], shards: [shard('logs', 0, true, 'STARTED', 'd-1'), shard('logs', 0, false, 'UNASSIGNED')], health: { status: 'yellow', unassignedShards: 1 } }),
    atStart: false,
    expect: waitsFor('green'),
  },
  {
    name: 'With --strategy drain a single-copy node is excluded from allocation first',
    world: () => ({ nodes: [...threeMasters().map((b) => b.atTarget()), aNode('d-1').data(), aNode('d-2').data()], shards: [shard('solo', 0, true, 'STARTED', 'd-1')] }),
    options: { strategy: 'drain' },
    expect: (d) => expect(d.kind).toBe('exclude-node'),
  },
  {
    name: 'Drain waits until the excluded node holds no shard',
    world: () => ({ nodes: [...threeMasters().map((b) => b.atTarget()), aNode('d-1').data(), aNode('d-2').data()], shards: [shard('solo', 0, true, 'RELOCATING', 'd-1')], excludeNames: ['d-1'], health: { relocatingShards: 1 } }),
    options: { strategy: 'drain' },
    atStart: false,
    expect: waitsFor('drain'),
  },
  {
    name: 'A drained, empty node is terminated',
    world: () => ({ nodes: [...threeMasters().map((b) => b.atTarget()), aNode('d-1').data(), aNode('d-2').data()], shards: [shard('solo', 0, true, 'STARTED', 'd-2')], excludeNames: ['d-1'] }),
    options: { strategy: 'drain' },
    atStart: false,
    expect: terminates('d-1'),
  },
  {
    name: 'Drain does not wait for a replica that only a newer node could take (its primary is on an upgraded node)',
    world: () => ({
      nodes: [...threeMasters().map((b) => b.atTarget()), aNode('d-1').data(), aNode('d-2').data(), aNode('d-new').data().atTarget()],
      shards: [shard('logs', 0, true, 'STARTED', 'd-new'), shard('logs', 0, false, 'STARTED', 'd-1')],
      excludeNames: ['d-1'],
    }),
    options: { strategy: 'drain' },
    atStart: false,
    expect: terminates('d-1'),
  },
  {
    name: 'Drain waits for such a replica while another upgraded node could take it',
    world: () => ({
      nodes: [...threeMasters().map((b) => b.atTarget()), aNode('d-1').data(), aNode('d-2').data().atTarget(), aNode('d-new').data().atTarget()],
      shards: [shard('logs', 0, true, 'STARTED', 'd-new'), shard('logs', 0, false, 'STARTED', 'd-1')],
      excludeNames: ['d-1'],
    }),
    options: { strategy: 'drain' },
    atStart: false,
    expect: waitsFor('drain'),
  },
  {
    name: 'Red at the start refuses before any termination',
    world: () => ({ nodes: threeMasters(), health: { status: 'red' } }),
    expect: refuses('cluster_not_red'),
  },
  {
    name: 'Red mid-run waits for yellow',
    world: () => ({ nodes: threeMasters(), health: { status: 'red' } }),
    atStart: false,
    expect: waitsFor('yellow'),
  },
  {
    name: 'A node whose instance is shutting down must leave before anything else',
    world: () => ({ nodes: [aNode('m-1').master().instanceState('shutting-down'), aNode('m-2').master(), aNode('m-3').master()] }),
    atStart: false,
    expect: waitsFor('node-leave', /m-1/),
  },
  {
    name: 'Our replacement launched but with no node yet is still joining',
    world: () => ({
      nodes: [aNode('m-2').master(), aNode('m-3').master()],
      extraInstances: [{ id: 'i-new', privateIp: '10.9.9.9', state: 'running', groupName: 'es-masters', tags: { Version: TARGET }, launchTime: new Date(T0.getTime() + 60_000) }],
    }),
    lease: { terminatedInstanceIds: ['i-m-1'] },
    atStart: false,
    expect: waitsFor('node-join', /i-new/),
  },
  {
    name: 'Our group below its desired capacity after our termination is still launching',
    world: () => ({ nodes: [aNode('m-2').master(), aNode('m-3').master()], groups: [{ name: 'es-masters', desiredCapacity: 3 }] }),
    lease: { terminatedInstanceIds: ['i-m-1'] },
    atStart: false,
    expect: waitsFor('node-join', /2 of 3/),
  },
  {
    name: 'Once our replacement is a member, a shortfall that is not ours is the rule\'s to judge',
    world: () => ({
      nodes: [aNode('m-1').master().atTarget().launchedAt(new Date(T0.getTime() + 60_000)), aNode('m-2').master(), aNode('m-3').master()],
      groups: [{ name: 'es-masters', desiredCapacity: 4 }],
    }),
    lease: { terminatedInstanceIds: ['i-old-m-1'] },
    atStart: false,
    expect: waitsFor('safe-to-proceed', /all_expected_nodes_present: group es-masters has 3 of 4/),
  },
  {
    name: 'An instance with no node that this run did not launch is refused by all_expected_nodes_present, not awaited as a join',
    world: () => ({
      nodes: [aNode('m-2').master(), aNode('m-3').master()],
      extraInstances: [{ id: 'i-stray', privateIp: '10.9.9.9', state: 'running', groupName: 'es-masters', tags: { Version: OLD } }],
    }),
    options: { orphans: 'ignore' },
    atStart: false,
    expect: waitsFor('safe-to-proceed', /all_expected_nodes_present: .*i-stray/),
  },
  {
    name: 'A group short of capacity before the run started is refused by all_expected_nodes_present',
    world: () => ({ nodes: threeMasters(), groups: [{ name: 'es-masters', desiredCapacity: 4 }] }),
    expect: waitsFor('safe-to-proceed', /all_expected_nodes_present: group es-masters has 3 of 4/),
  },
  {
    name: 'A data group short of capacity before the run started holds the run as a rule refusal',
    world: () => ({
      nodes: [...threeMasters().map((b) => b.atTarget()), aNode('d-1').data(), aNode('d-2').data()],
      groups: [{ name: 'es-data', desiredCapacity: 3 }],
    }),
    expect: waitsFor('safe-to-proceed', /all_expected_nodes_present: group es-data has 2 of 3/),
  },
  {
    name: 'With all_expected_nodes_present disabled, a group short of capacity that is not ours does not hold the run',
    world: () => ({
      nodes: [...threeMasters().map((b) => b.atTarget()), aNode('d-1').data(), aNode('d-2').data()],
      groups: [{ name: 'es-data', desiredCapacity: 3 }],
    }),
    options: { disabledRules: ['all_expected_nodes_present'] },
    expect: (d) => expect(d.kind).toBe('set-allocation-primaries'),
  },
  {
    name: 'Disabling all_expected_nodes_present never skips the wait for our own replacement',
    world: () => ({ nodes: [aNode('m-2').master(), aNode('m-3').master()], groups: [{ name: 'es-masters', desiredCapacity: 3 }] }),
    options: { disabledRules: ['all_expected_nodes_present'] },
    lease: { terminatedInstanceIds: ['i-m-1'] },
    atStart: false,
    expect: waitsFor('node-join', /2 of 3/),
  },
  {
    name: 'Allocation this controller narrowed is restored once the replacement is in',
    world: () => ({ nodes: [...threeMasters().map((b) => b.atTarget()), aNode('d-1').data().atTarget(), aNode('d-2').data()], allocationEnable: 'primaries' }),
    lease: { allocationOverride: { previous: null, setAt: T0.toISOString() } },
    atStart: false,
    expect: (d) => expect(d).toEqual({ kind: 'restore-allocation', value: null }),
  },
  {
    name: 'Only version conflicts unassigned: move on at once, naming them',
    world: () => ({
      nodes: [...threeMasters().map((b) => b.atTarget()), aNode('d-1').data().atTarget(), aNode('d-2').data(), aNode('d-3').data()],
      allocationEnable: 'primaries',
      health: { status: 'yellow', unassignedShards: 1 },
      shards: [...(replicated('d-2', 'd-3') ?? []), shard('logs-05', 0, true, 'STARTED', 'd-1'), shard('logs-05', 0, false, 'UNASSIGNED')],
      explanations: [explanation('logs-05', 0, { 'd-1': [decider('same_shard', 'NO')], 'd-2': [versionNo()], 'd-3': [versionNo()] })],
    }),
    atStart: false,
    expect: (d) => {
      terminates('d-2')(d);
      if (d.kind === 'terminate') expect(d.conflicts).toHaveLength(1);
    },
  },
  {
    name: 'Mixed-version deadlock: after the grace period the held-back replica is placed where explain accepts it',
    world: deadlockedWorld,
    recoveryWaitedMs: 61_000,
    atStart: false,
    expect: (d) => expect(d).toEqual({ kind: 'place-held-back', replicas: [{ index: 'writes', shard: 1, node: 'd-1' }] }),
  },
  {
    name: 'Mixed-version deadlock: of the nodes explain accepts, the newest takes the replica',
    world: () => ({
      ...deadlockedWorld(),
      explanations: [
        ...(deadlockedWorld().explanations ?? []).filter((e) => e.index !== 'writes'),
        explanation('writes', 1, { 'd-3': [], 'd-1': [] }, { canAllocate: 'yes', lastAllocationStatus: 'no_attempt' }),
      ],
    }),
    recoveryWaitedMs: 61_000,
    atStart: false,
    expect: (d) => expect(d).toEqual({ kind: 'place-held-back', replicas: [{ index: 'writes', shard: 1, node: 'd-1' }] }),
  },
  {
    name: 'Mixed-version deadlock: a held-back replica nobody can place is accepted after the grace period, and the node without a lone copy goes first',
    world: () => ({
      ...deadlockedWorld(),
      explanations: [
        ...(deadlockedWorld().explanations ?? []).filter((e) => e.index !== 'writes'),
        explanation('writes', 1, { 'd-gone': [] }, { canAllocate: 'yes', lastAllocationStatus: 'no_attempt' }),
      ],
    }),
    recoveryWaitedMs: 61_000,
    atStart: false,
    expect: (d) => {
      expect(d.kind).toBe('set-allocation-primaries');
      if (d.kind === 'set-allocation-primaries') expect(d.node.node.name).toBe('d-3');
    },
  },
  {
    name: 'Mixed-version deadlock, narrowed for d-3: the replica refused only by our narrowing still passes as held back, and d-3 goes',
    world: deadlockedWorldNarrowed,
    lease: narrowedForD3,
    recoveryWaitedMs: 61_000,
    atStart: false,
    expect: (d) => {
      terminates('d-3')(d);
      if (d.kind === 'terminate') expect(d.conflicts.map((c) => c.index).sort()).toEqual(['logs-05', 'writes']);
    },
  },
  {
    name: 'Mixed-version deadlock, narrowed for d-3: the grace period applies again before it goes',
    world: deadlockedWorldNarrowed,
    lease: narrowedForD3,
    recoveryWaitedMs: 5_000,
    atStart: false,
    expect: waitsFor('green', /no attempt is made/),
  },
  {
    name: 'Mixed-version deadlock: before the grace period it keeps waiting for recovery',
    world: deadlockedWorld,
    recoveryWaitedMs: 10_000,
    atStart: false,
    expect: waitsFor('green', /no attempt is made/),
  },
  {
    name: 'Version conflicts with --version-conflicts reject wait for green instead',
    world: () => ({
      nodes: [...threeMasters().map((b) => b.atTarget()), aNode('d-1').data().atTarget(), aNode('d-2').data(), aNode('d-3').data()],
      health: { status: 'yellow', unassignedShards: 1 },
      shards: [...(replicated('d-2', 'd-3') ?? []), shard('logs-05', 0, true, 'STARTED', 'd-1'), shard('logs-05', 0, false, 'UNASSIGNED')],
      explanations: [explanation('logs-05', 0, { 'd-1': [decider('same_shard', 'NO')], 'd-2': [versionNo()], 'd-3': [versionNo()] })],
    }),
    options: { versionConflicts: 'reject' },
    atStart: false,
    expect: waitsFor('green'),
  },
  {
    name: 'Recovery in progress: wait (long-polling for moving shards to stop)',
    world: () => ({ nodes: [...threeMasters(), aNode('d-1').data(), aNode('d-2').data()], health: { status: 'yellow', initializingShards: 1, unassignedShards: 0 }, shards: [shard('logs', 0, true, 'STARTED', 'd-1'), shard('logs', 0, false, 'INITIALIZING', 'd-2')] }),
    options: { order: 'data-first' },
    atStart: false,
    expect: (d) => {
      waitsFor('green')(d);
      if (d.kind === 'wait') expect(d.health).toEqual({ noInitializingShards: true, noRelocatingShards: true });
    },
  },
  {
    name: 'A replacement that came up with the wrong version tag halts the run',
    world: () => ({ nodes: [aNode('m-1').master().launchedAt(new Date(T0.getTime() + 1000)), aNode('m-2').master(), aNode('m-3').master()] }),
    atStart: false,
    expect: (d) => {
      expect(d.kind).toBe('halt');
      if (d.kind === 'halt') expect(d.reason).toMatch(/m-1.*Version=9\.4\.5, not 9\.5\.4/);
    },
  },
  {
    name: 'A replacement running another Elasticsearch version than expected halts the run',
    world: () => ({ nodes: [aNode('m-1').master().atTarget().withEsVersion(OLD).launchedAt(new Date(T0.getTime() + 1000)), aNode('m-2').master(), aNode('m-3').master()] }),
    options: { expectedEsVersion: TARGET },
    atStart: false,
    expect: (d) => {
      expect(d.kind).toBe('halt');
      if (d.kind === 'halt') expect(d.reason).toMatch(/runs Elasticsearch 9\.4\.5, not 9\.5\.4/);
    },
  },
  {
    name: 'A wrong replacement launched in the very second the run started halts too (EC2 launch times are whole seconds)',
    world: () => ({ nodes: [aNode('m-1').master().atTarget().withEsVersion(OLD).launchedAt(new Date('2026-11-28T00:00:00.000Z')), aNode('m-2').master(), aNode('m-3').master()] }),
    options: { expectedEsVersion: TARGET },
    lease: { acquiredAt: '2026-11-28T00:00:00.250Z', runStartedAt: '2026-11-28T00:00:00.250Z' },
    atStart: false,
    expect: (d) => {
      expect(d.kind).toBe('halt');
      if (d.kind === 'halt') expect(d.reason).toMatch(/m-1.*runs Elasticsearch 9\.4\.5, not 9\.5\.4/);
    },
  },
  {
    name: 'The voting configuration must forget a departed master before the next one goes',
    world: () => ({ nodes: threeMasters(), masterName: 'm-1', votingConfig: ['id-m-1', 'id-m-3', 'id-gone'] }),
    atStart: false,
    expect: waitsFor('safe-to-proceed', /voting_config_settled/),
  },
  {
    name: 'A rule disabled by name is not applied',
    world: () => ({ nodes: threeMasters(), masterName: 'm-1', votingConfig: ['id-m-1', 'id-m-3', 'id-gone'] }),
    options: { disabledRules: ['voting_config_settled'] },
    atStart: false,
    expect: terminates('m-2'),
  },
  {
    name: 'A node with no instance refuses the run unless orphans are ignored',
    world: () => ({ nodes: [...threeMasters(), aNode('d-x').data().withoutInstance()] }),
    expect: refuses('no_orphans'),
  },
  {
    name: 'Ignored orphans do not block the run',
    world: () => ({ nodes: [...threeMasters(), aNode('d-x').data().withoutInstance()] }),
    options: { orphans: 'ignore' },
    expect: terminates('m-2'),
  },
];

describe('decide', () => {
  it.each(cases)('$name', (c) => {
    const options = defaultOptions(c.options);
    const world = aWorld(c.world(), options);
    const d = decide({ world, options, lease: aLease(c.lease), atStart: c.atStart ?? true, ignoredInstanceIds: new Set(), recoveryWaitedMs: c.recoveryWaitedMs ?? 0 });
    c.expect(d);
  });
});
