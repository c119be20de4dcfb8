import { describe, expect, it } from 'vitest';
import { decide, NARROWED, type Decision, type OpenWait } from '../../src/upgrade/decide.ts';
import { ALLOCATION_ENABLE, ALLOCATION_EXCLUDE_NAME } from '../../src/upgrade/model.ts';
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
  /** How long ago the replicas the balancer holds back (by "index/shard") were first seen so. */
  heldBackFor?: Record<string, number>;
  /** Instances the runner ignores as orphans from the start. */
  ignored?: string[];
  /** The wait in progress and how long it has lasted. */
  openWait?: { kind: OpenWait['kind']; node?: string; forMs: number };
  expect: (d: Decision) => void;
}

const threeMasters = (): ReturnType<typeof aNode>[] => [aNode('m-1').master(), aNode('m-2').master(), aNode('m-3').master()];
const replicated = (a: string, b: string): WorldSpec['shards'] => [shard('logs', 0, true, 'STARTED', a), shard('logs', 0, false, 'STARTED', b)];

const terminates = (node: string) => (d: Decision): void => {
  expect(d.kind).toBe('terminate');
  if (d.kind === 'terminate') expect(d.node.node.name).toBe(node);
};
const refuses = (rule: string, reason?: RegExp) => (d: Decision): void => {
  expect(d.kind).toBe('refuse');
  if (d.kind === 'refuse') {
    expect(d.refusals.map((r) => r.rule)).toContain(rule);
    if (reason) expect(d.refusals.find((r) => r.rule === rule)?.reason).toMatch(reason);
  }
};
const prepares = (node: string, narrowed = true) => (d: Decision): void => {
  expect(d.kind).toBe('prepare-node');
  if (d.kind !== 'prepare-node') return;
  expect(d.node.node.name).toBe(node);
  expect(d.settings[ALLOCATION_EXCLUDE_NAME]?.persistent?.split(',')).toContain(node);
  expect(d.settings[ALLOCATION_ENABLE]).toEqual(narrowed ? { persistent: NARROWED, transient: null } : undefined);
  expect(d.override.nodeNames).toContain(node);
};
const halts = (reason: RegExp) => (d: Decision): void => {
  expect(d.kind).toBe('halt');
  if (d.kind === 'halt') expect(d.reason).toMatch(reason);
};
/** The lease of a run that readied `node` (excluded, and narrowed unless draining). */
const preparedFor = (node: string, narrowed = true): Partial<LeaseRecord> => ({
  allocationOverride: {
    setAt: T0.toISOString(),
    nodeNames: [node],
    narrowed,
    found: { [ALLOCATION_ENABLE]: { persistent: null, transient: null }, [ALLOCATION_EXCLUDE_NAME]: { persistent: null, transient: null } },
  },
});
const excludedNarrowed = (node: string): Partial<WorldSpec> => ({ allocationEnable: NARROWED, excludeNames: [node] });
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
 * The tick after: d-3 readied (excluded, allocation narrowed). Explain now refuses the held-back
 * replica on every node, but only for the narrowing and the exclusion (and same_shard where its
 * primary is), as a real 9.5.4 master did in the e2e suite (fixtures:
 * mixed-9.4.5-9.5.4-narrowed-held-back).
 */
function deadlockedWorldNarrowed(): WorldSpec {
  const narrowing = decider('enable', 'NO', `non-new primary allocations are forbidden due to cluster setting [cluster.routing.allocation.enable=${NARROWED}]`);
  const excluded = decider('filter', 'NO', 'node matches cluster setting [cluster.routing.allocation.exclude] filters [_name:"d-3"]');
  return {
    ...deadlockedWorld(),
    ...excludedNarrowed('d-3'),
    explanations: [
      explanation('logs-05', 0, { 'd-1': [narrowing, decider('same_shard', 'NO')], 'd-2': [narrowing, versionNo()], 'd-3': [narrowing, excluded, versionNo()] }),
      explanation('writes', 1, { 'd-1': [narrowing], 'd-2': [narrowing, decider('same_shard', 'NO')], 'd-3': [narrowing, excluded] }, { lastAllocationStatus: 'no_attempt' }),
    ],
  };
}
const narrowedForD3 = preparedFor('d-3');

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
    name: 'Data first: a data node is first, excluded from allocation and allocation narrowed before it goes',
    world: () => ({ nodes: [...threeMasters(), aNode('d-1').data(), aNode('d-2').data()], shards: replicated('d-1', 'd-2') }),
    options: { order: 'data-first' },
    expect: prepares('d-1'),
  },
  {
    name: 'Readying a node keeps the operator\'s own exclusions and records the settings as found, per layer',
    world: () => ({ nodes: [...threeMasters(), aNode('d-1').data(), aNode('d-2').data(), aNode('d-old').data()], shards: replicated('d-1', 'd-2'), excludeNames: ['d-old'] }),
    options: { order: 'data-first' },
    expect: (d) => {
      prepares('d-1')(d);
      if (d.kind !== 'prepare-node') return;
      expect(d.settings[ALLOCATION_EXCLUDE_NAME]).toEqual({ persistent: 'd-old,d-1', transient: null });
      expect(d.override.found).toEqual({ [ALLOCATION_ENABLE]: { persistent: null, transient: null }, [ALLOCATION_EXCLUDE_NAME]: { persistent: 'd-old', transient: null } });
    },
  },
  {
    name: 'Readied, yet holding a copy with no other started copy (an auto-expanded index shrank with the exclusion): allocation is widened so it can move off, the exclusion kept',
    world: () => ({
      nodes: [...threeMasters(), aNode('d-1').data(), aNode('d-2').data()],
      shards: [...(replicated('d-1', 'd-2') ?? []), shard('.kibana_1', 0, true, 'STARTED', 'd-1')],
      ...excludedNarrowed('d-1'),
    }),
    options: { order: 'data-first' },
    lease: preparedFor('d-1'),
    atStart: false,
    expect: (d) => {
      expect(d.kind).toBe('restore-allocation');
      if (d.kind !== 'restore-allocation') return;
      expect(d.settings).toEqual({ [ALLOCATION_ENABLE]: { persistent: null, transient: null } });
      expect(d.keep).toMatchObject({ nodeNames: ['d-1'], narrowed: false });
      expect(d.why).toMatch(/\[\.kibana_1\]\[0\]/);
    },
  },
  {
    name: 'Widened and the lonely copy moved off: allocation is narrowed again before the node goes',
    world: () => ({ nodes: [...threeMasters(), aNode('d-1').data(), aNode('d-2').data()], shards: replicated('d-1', 'd-2'), excludeNames: ['d-1'] }),
    options: { order: 'data-first' },
    lease: preparedFor('d-1', false),
    atStart: false,
    expect: prepares('d-1'),
  },
  {
    name: 'A data node is terminated once readied',
    world: () => ({ nodes: [...threeMasters(), aNode('d-1').data(), aNode('d-2').data()], shards: replicated('d-1', 'd-2'), ...excludedNarrowed('d-1') }),
    options: { order: 'data-first' },
    lease: preparedFor('d-1'),
    atStart: false,
    expect: terminates('d-1'),
  },
  {
    name: 'Readied for d-2, d-2 goes first whatever the order says',
    world: () => ({ nodes: [...threeMasters(), aNode('d-1').data(), aNode('d-2').data()], shards: replicated('d-1', 'd-2'), ...excludedNarrowed('d-2') }),
    options: { order: 'data-first' },
    lease: preparedFor('d-2'),
    atStart: false,
    expect: terminates('d-2'),
  },
  {
    name: 'An index created while a node is readied: its replica, held only by the narrowing, does not hold the termination',
    world: () => ({
      nodes: [...threeMasters(), aNode('d-1').data(), aNode('d-2').data(), aNode('d-3').data()],
      ...excludedNarrowed('d-1'),
      health: { status: 'yellow', unassignedShards: 1 },
      shards: [...(replicated('d-1', 'd-2') ?? []), shard('logs-new', 0, true, 'STARTED', 'd-2'), shard('logs-new', 0, false, 'UNASSIGNED')],
      explanations: [
        explanation('logs-new', 0, {
          'd-1': [decider('enable', 'NO'), decider('filter', 'NO')],
          'd-2': [decider('enable', 'NO'), decider('same_shard', 'NO')],
          'd-3': [decider('enable', 'NO')],
        }, { unassignedReason: 'INDEX_CREATED', lastAllocationStatus: 'no_attempt' }),
      ],
    }),
    options: { order: 'data-first' },
    lease: preparedFor('d-1'),
    atStart: false,
    expect: terminates('d-1'),
  },
  {
    name: 'Allocation is never narrowed while a replica that is not a version conflict is unassigned, even one the balancer has not tried yet',
    world: () => ({
      nodes: [...threeMasters(), aNode('d-1').data(), aNode('d-2').data(), aNode('d-3').data(), aNode('d-4').data()],
      health: { status: 'yellow', unassignedShards: 1 },
      shards: [...(replicated('d-1', 'd-2') ?? []), shard('es-rolling-upgrade-lock', 0, true, 'STARTED', 'd-3'), shard('es-rolling-upgrade-lock', 0, false, 'UNASSIGNED')],
      explanations: [explanation('es-rolling-upgrade-lock', 0, { 'd-4': [] }, { canAllocate: 'yes', lastAllocationStatus: 'no_attempt', unassignedReason: 'INDEX_CREATED' })],
    }),
    options: { order: 'data-first' },
    heldBackFor: { 'es-rolling-upgrade-lock/0': 3_600_000 },
    expect: waitsFor('green', /could be allocated|not version conflicts/),
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
    expect: prepares('d-1', false),
  },
  {
    name: 'Drain waits until the excluded node holds no shard',
    world: () => ({ nodes: [...threeMasters().map((b) => b.atTarget()), aNode('d-1').data(), aNode('d-2').data()], shards: [shard('solo', 0, true, 'RELOCATING', 'd-1')], excludeNames: ['d-1'], health: { relocatingShards: 1 } }),
    options: { strategy: 'drain' },
    lease: preparedFor('d-1', false),
    atStart: false,
    expect: waitsFor('drain'),
  },
  {
    name: 'A drained, empty node is terminated',
    world: () => ({ nodes: [...threeMasters().map((b) => b.atTarget()), aNode('d-1').data(), aNode('d-2').data()], shards: [shard('solo', 0, true, 'STARTED', 'd-2')], excludeNames: ['d-1'] }),
    options: { strategy: 'drain' },
    lease: preparedFor('d-1', false),
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
    lease: preparedFor('d-1', false),
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
    lease: preparedFor('d-1', false),
    atStart: false,
    expect: waitsFor('drain'),
  },
  {
    name: 'Red at the start is waited out a moment (an index being created is red that long)',
    world: () => ({ nodes: threeMasters(), health: { status: 'red' } }),
    expect: waitsFor('yellow'),
  },
  {
    name: 'Red at the start for longer than that refuses before any termination, naming cluster_not_red',
    world: () => ({ nodes: threeMasters(), health: { status: 'red' } }),
    openWait: { kind: 'yellow', node: 'm-2', forMs: 31_000 },
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
    expect: prepares('d-1'),
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
    name: 'Allocation this controller changed is put back as found, layer by layer, once the replaced node is gone and its replacement in',
    world: () => ({
      nodes: [...threeMasters().map((b) => b.atTarget()), aNode('d-1n').data().atTarget().launchedAt(new Date(T0.getTime() + 60_000)), aNode('d-2').data()],
      allocationEnable: NARROWED,
      excludeNames: ['d-1'],
    }),
    lease: {
      terminatedInstanceIds: ['i-d-1'],
      allocationOverride: {
        setAt: T0.toISOString(),
        nodeNames: ['d-1'],
        narrowed: true,
        found: { [ALLOCATION_ENABLE]: { persistent: 'all', transient: null }, [ALLOCATION_EXCLUDE_NAME]: { persistent: null, transient: 'd-old' } },
      },
    },
    atStart: false,
    expect: (d) =>
      expect(d).toEqual({
        kind: 'restore-allocation',
        settings: { [ALLOCATION_ENABLE]: { persistent: 'all', transient: null }, [ALLOCATION_EXCLUDE_NAME]: { persistent: null, transient: 'd-old' } },
      }),
  },
  {
    name: 'Only version conflicts unassigned: move on at once, naming them',
    world: () => ({
      nodes: [...threeMasters().map((b) => b.atTarget()), aNode('d-1').data().atTarget(), aNode('d-2').data(), aNode('d-3').data()],
      ...excludedNarrowed('d-2'),
      health: { status: 'yellow', unassignedShards: 1 },
      shards: [...(replicated('d-2', 'd-3') ?? []), shard('logs-05', 0, true, 'STARTED', 'd-1'), shard('logs-05', 0, false, 'UNASSIGNED')],
      explanations: [explanation('logs-05', 0, { 'd-1': [decider('same_shard', 'NO')], 'd-2': [versionNo()], 'd-3': [versionNo()] })],
    }),
    lease: preparedFor('d-2'),
    atStart: false,
    expect: (d) => {
      terminates('d-2')(d);
      if (d.kind === 'terminate') expect(d.conflicts).toHaveLength(1);
    },
  },
  {
    name: 'Mixed-version deadlock: after the grace period the held-back replica is placed where explain accepts it',
    world: deadlockedWorld,
    heldBackFor: { 'writes/1': 61_000 },
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
    heldBackFor: { 'writes/1': 61_000 },
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
    heldBackFor: { 'writes/1': 61_000 },
    atStart: false,
    expect: prepares('d-3'),
  },
  {
    name: 'Mixed-version deadlock, readied d-3: the replica refused only by our narrowing and exclusion does not hold d-3, which goes',
    world: deadlockedWorldNarrowed,
    lease: narrowedForD3,
    atStart: false,
    expect: (d) => {
      terminates('d-3')(d);
      if (d.kind === 'terminate') expect(d.conflicts.map((c) => c.index)).toEqual(['logs-05']);
    },
  },
  {
    name: 'Mixed-version deadlock: before the grace period it keeps waiting for recovery',
    world: deadlockedWorld,
    heldBackFor: { 'writes/1': 10_000 },
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
    name: 'Shards relocating in a green cluster (rebalancing after a join) do not hold the next data node',
    world: () => ({ nodes: [...threeMasters(), aNode('d-1').data(), aNode('d-2').data()], health: { status: 'green', relocatingShards: 2 }, shards: replicated('d-1', 'd-2') }),
    options: { order: 'data-first' },
    atStart: false,
    expect: (d) => expect(d.kind).not.toBe('wait'),
  },
  {
    name: 'Shards relocating in a yellow cluster: long-poll for them to stop, not for green',
    world: () => ({ nodes: [...threeMasters(), aNode('d-1').data(), aNode('d-2').data()], health: { status: 'yellow', relocatingShards: 2, unassignedShards: 1 }, shards: [shard('logs', 0, true, 'STARTED', 'd-1'), shard('logs', 0, false, 'STARTED', 'd-2'), shard('new', 0, true, 'STARTED', 'd-1'), shard('new', 0, false, 'UNASSIGNED')] }),
    options: { order: 'data-first' },
    atStart: false,
    expect: (d) => {
      waitsFor('green', /moving/)(d);
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
  // --- production conditions: termination lag, lifecycle states, resumed runs, small master sets ---
  {
    name: 'A node whose instance the group is terminating (EC2 still running, Terminating:Wait) is leaving, never terminated again',
    world: () => ({ nodes: [aNode('m-1').master().lifecycle('Terminating:Wait'), aNode('m-2').master(), aNode('m-3').master()], masterName: 'm-3' }),
    lease: { terminatedInstanceIds: ['i-m-1'] },
    atStart: false,
    expect: waitsFor('node-leave', /m-1.*Terminating:Wait/),
  },
  {
    name: 'A node this upgrade terminated is leaving even once EC2 no longer reports its instance (no private IP to match)',
    world: () => ({
      nodes: [...threeMasters().map((b) => b.atTarget()), aNode('d-1').data().withoutInstance(), aNode('d-2').data(), aNode('d-3').data()],
      extraInstances: [{ id: 'i-new', privateIp: '10.9.9.9', state: 'running', lifecycleState: 'InService', groupName: 'es-data', tags: { Version: TARGET }, launchTime: new Date(T0.getTime() + 60_000) }],
      shards: replicated('d-2', 'd-3'),
    }),
    options: { orphans: 'ignore' },
    lease: { terminatedInstanceIds: ['i-d-1'], terminatedNodeIds: ['id-d-1'] },
    atStart: false,
    expect: waitsFor('node-leave', /d-1/),
  },
  {
    name: 'An instance this upgrade terminated is leaving even while the group still reports it InService',
    world: () => ({ nodes: [aNode('m-1').master().lifecycle('InService'), aNode('m-2').master(), aNode('m-3').master()], masterName: 'm-3' }),
    lease: { terminatedInstanceIds: ['i-m-1'] },
    atStart: false,
    expect: waitsFor('node-leave', /m-1/),
  },
  {
    name: 'A node detached from its group is leaving',
    world: () => ({ nodes: [aNode('d-1').data().lifecycle('Detaching'), ...threeMasters().map((b) => b.atTarget()), aNode('d-2').data()] }),
    atStart: false,
    expect: waitsFor('node-leave', /d-1/),
  },
  {
    name: 'A replacement held in Pending:Wait by a launch hook is awaited as this upgrade\'s own',
    world: () => ({
      nodes: [aNode('m-2').master(), aNode('m-3').master()],
      extraInstances: [{ id: 'i-new', privateIp: '10.9.9.9', state: 'pending', lifecycleState: 'Pending:Wait', groupName: 'es-masters', tags: { Version: TARGET }, launchTime: new Date(T0.getTime() + 60_000) }],
    }),
    lease: { terminatedInstanceIds: ['i-m-1'] },
    atStart: false,
    expect: waitsFor('node-join'),
  },
  {
    name: 'A resumed run waits for its own replacement even when the runner was told to ignore orphans',
    world: () => ({
      nodes: [...threeMasters().map((b) => b.atTarget()), aNode('d-2').data(), aNode('d-3').data()],
      extraInstances: [{ id: 'i-new', privateIp: '10.9.9.9', state: 'running', lifecycleState: 'InService', groupName: 'es-data', tags: { Version: TARGET }, launchTime: new Date(T0.getTime() + 60_000) }],
      shards: replicated('d-2', 'd-3'),
    }),
    options: { orphans: 'ignore' },
    ignored: ['i-new'],
    lease: { terminatedInstanceIds: ['i-d-1'] },
    atStart: false,
    expect: waitsFor('node-join'),
  },
  {
    name: 'A single master-eligible node is refused by more_than_one_master',
    world: () => ({ nodes: [aNode('m-1').master(), aNode('d-1').data().atTarget()] }),
    expect: refuses('more_than_one_master', /only master-eligible node/),
  },
  {
    name: 'With more_than_one_master disabled by name, the single master goes',
    world: () => ({ nodes: [aNode('m-1').master(), aNode('d-1').data().atTarget()] }),
    options: { disabledRules: ['more_than_one_master'] },
    expect: terminates('m-1'),
  },
  {
    name: 'Two masters: the sole voter\'s vote is moved off before it goes',
    world: () => ({ nodes: [aNode('m-1').master(), aNode('m-2').master().atTarget()], masterName: 'm-1', votingConfig: ['id-m-1'] }),
    expect: (d) => {
      expect(d.kind).toBe('exclude-from-voting');
      if (d.kind === 'exclude-from-voting') expect(d.node?.node.name).toBe('m-1');
    },
  },
  {
    name: 'Two masters: the voter goes once the voting configuration has moved to the other',
    world: () => ({ nodes: [aNode('m-1').master(), aNode('m-2').master().atTarget()], masterName: 'm-2', votingConfig: ['id-m-2'], votingExclusions: ['m-1'] }),
    lease: { votingExclusion: { nodeIds: ['id-m-1'], nodeNames: ['m-1'], setAt: T0.toISOString() } },
    atStart: false,
    expect: terminates('m-1'),
  },
  {
    name: 'Two masters: the one that is not a voter goes without an exclusion',
    world: () => ({ nodes: [aNode('m-1').master(), aNode('m-2').master()], masterName: 'm-1', votingConfig: ['id-m-1'] }),
    expect: terminates('m-2'),
  },
  {
    name: 'Three masters: one at a time keeps a quorum, no exclusion',
    world: () => ({ nodes: threeMasters(), masterName: 'm-3' }),
    expect: terminates('m-1'),
  },
  {
    name: 'A voting configuration that keeps a departed master (two masters, the replacement joined while its predecessor lingered) drops it before the next master goes',
    world: () => ({ nodes: [aNode('m-1').master(), aNode('m-3').master().atTarget()], masterName: 'm-1', votingConfig: ['id-m-1', 'id-m-2', 'id-m-3'] }),
    atStart: false,
    expect: (d) => expect(d).toMatchObject({ kind: 'exclude-from-voting', nodeIds: ['id-m-2'] }),
  },
  {
    name: 'A departed master still in a configuration that will settle by itself (three live masters) is waited for',
    world: () => ({ nodes: threeMasters(), masterName: 'm-1', votingConfig: ['id-m-1', 'id-m-3', 'id-gone'] }),
    atStart: false,
    expect: waitsFor('safe-to-proceed', /voting_config_settled/),
  },
  {
    name: 'The exclusion of a departed master is cleared once the configuration no longer names it',
    world: () => ({ nodes: [aNode('m-1').master(), aNode('m-3').master().atTarget()], masterName: 'm-1', votingConfig: ['id-m-1'], votingExclusions: ['m-2'] }),
    lease: { votingExclusion: { nodeIds: ['id-m-2'], nodeNames: [], setAt: T0.toISOString() } },
    atStart: false,
    expect: (d) => expect(d).toEqual({ kind: 'clear-voting-exclusion' }),
  },
  {
    name: 'The voting exclusion is cleared once its node has left',
    world: () => ({ nodes: [aNode('m-1n').master().atTarget().launchedAt(new Date(T0.getTime() + 60_000)), aNode('m-2').master().atTarget()], masterName: 'm-2', votingConfig: ['id-m-2'], votingExclusions: ['m-1'] }),
    lease: { terminatedInstanceIds: ['i-m-1'], votingExclusion: { nodeIds: ['id-m-1'], nodeNames: ['m-1'], setAt: T0.toISOString() } },
    atStart: false,
    expect: (d) => expect(d).toEqual({ kind: 'clear-voting-exclusion' }),
  },
  ...(['none', 'primaries', 'new_primaries'] as const).flatMap((value): Case[] => [
    {
      name: `Allocation preset to ${value} (persistent) refuses the run, naming value and layer`,
      world: () => ({ nodes: [...threeMasters(), aNode('d-1').data(), aNode('d-2').data()], shards: replicated('d-1', 'd-2'), allocationEnable: value }),
      expect: refuses('allocation_enabled', new RegExp(`"${value}" \\(persistent\\)`)),
    },
    {
      name: `Allocation preset to ${value} (transient) refuses the run, naming value and layer`,
      world: () => ({ nodes: [...threeMasters(), aNode('d-1').data(), aNode('d-2').data()], shards: replicated('d-1', 'd-2'), allocationEnable: 'all', allocationEnableTransient: value }),
      expect: refuses('allocation_enabled', new RegExp(`"${value}" \\(transient\\)`)),
    },
  ]),
  {
    name: 'Allocation narrowed by this upgrade itself (recorded in its lease) is no refusal on a rerun',
    world: () => ({ nodes: [...threeMasters().map((b) => b.atTarget()), aNode('d-1').data(), aNode('d-2').data()], shards: replicated('d-1', 'd-2'), ...excludedNarrowed('d-1') }),
    lease: preparedFor('d-1'),
    atStart: false,
    expect: terminates('d-1'),
  },
  {
    name: 'An instance in Standby is refused by instance_in_service',
    world: () => ({ nodes: [...threeMasters().map((b) => b.atTarget()), aNode('d-1').data().lifecycle('Standby'), aNode('d-2').data()], shards: replicated('d-1', 'd-2') }),
    expect: refuses('instance_in_service', /Standby.*ExitStandby/),
  },
  {
    name: 'A group with a warm pool is refused by no_warm_pool',
    world: () => ({ nodes: [...threeMasters().map((b) => b.atTarget()), aNode('d-1').data(), aNode('d-2').data()], shards: replicated('d-1', 'd-2'), groups: [{ name: 'es-data', hasWarmPool: true }] }),
    expect: refuses('no_warm_pool', /es-data/),
  },
  {
    name: 'Red at the start with cluster_not_red disabled waits for recovery instead of refusing',
    world: () => ({ nodes: threeMasters(), health: { status: 'red' } }),
    options: { disabledRules: ['cluster_not_red'] },
    expect: waitsFor('green'),
  },
  {
    name: '"No attempt made" in a cluster that is not mixed-version is not held back by the balancer: wait',
    world: () => ({
      nodes: [...threeMasters(), aNode('d-1').data(), aNode('d-2').data(), aNode('d-3').data()],
      health: { status: 'yellow', unassignedShards: 1 },
      shards: [shard('writes', 1, true, 'STARTED', 'd-2'), shard('writes', 1, false, 'UNASSIGNED')],
      explanations: [explanation('writes', 1, { 'd-1': [] }, { canAllocate: 'yes', lastAllocationStatus: 'no_attempt' })],
    }),
    heldBackFor: { 'writes/1': 3_600_000 },
    atStart: false,
    expect: waitsFor('green', /not version conflicts/),
  },
  {
    name: 'A wait past its timeout halts mid-run, naming what it waited for',
    world: () => ({ nodes: [aNode('m-1').master().instanceState('shutting-down'), aNode('m-2').master(), aNode('m-3').master()] }),
    openWait: { kind: 'node-leave', node: 'm-1', forMs: 600_001 },
    atStart: false,
    expect: halts(/timed out after 10m waiting for old node m-1/),
  },
  {
    name: 'A wait within its timeout goes on',
    world: () => ({ nodes: [aNode('m-1').master().instanceState('shutting-down'), aNode('m-2').master(), aNode('m-3').master()] }),
    openWait: { kind: 'node-leave', node: 'm-1', forMs: 599_000 },
    atStart: false,
    expect: waitsFor('node-leave'),
  },
  {
    name: 'A wait past its timeout before anything changed refuses to start',
    world: () => ({ nodes: threeMasters(), groups: [{ name: 'es-masters', desiredCapacity: 4 }] }),
    openWait: { kind: 'safe-to-proceed', node: 'm-2', forMs: 600_000 },
    expect: (d) => {
      expect(d.kind).toBe('refuse');
      if (d.kind === 'refuse') expect(d.reason).toMatch(/timed out/);
    },
  },
];

describe('decide', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThan(40));

  it.each(cases)('$name', (c) => {
    const options = defaultOptions(c.options);
    const world = aWorld(c.world(), options);
    const now = new Date(T0.getTime() + 3_600_000);
    const heldBackSince = new Map(Object.entries(c.heldBackFor ?? {}).map(([k, ms]) => [k, now.getTime() - ms]));
    const openWait = c.openWait && { kind: c.openWait.kind, ...(c.openWait.node ? { node: c.openWait.node } : {}), sinceMs: now.getTime() - c.openWait.forMs };
    const d = decide({ world, options, lease: aLease(c.lease), atStart: c.atStart ?? true, ignoredInstanceIds: new Set(c.ignored), now, heldBackSince, openWait });
    c.expect(d);
  });
});
