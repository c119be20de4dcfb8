import { describe, expect, it } from 'vitest';
import { createSimulatedWorld, type SimulatedWorld, type SimulatedWorldOptions } from '../../src/sim/index.ts';
import { defaultTimings } from '../../src/sim/world-options.ts';
import type { AllocationExplanation } from '../../src/upgrade/model.ts';

const base: SimulatedWorldOptions = { masters: 3, data: 3, fromVersion: '9.4.5', launchVersion: '9.5.4' };
/** A terminated instance's node stays through Terminating and Terminating:Wait, then takes this long to stop. */
const LEAVE_MS = defaultTimings.terminatingMs + defaultTimings.terminationHookMs + defaultTimings.nodeLeaveMs;

function instanceOf(world: SimulatedWorld, nodeName: string): string {
  const id = world.cluster.node(nodeName)?.instanceId;
  if (!id) throw new Error(`no node ${nodeName}`);
  return id;
}

/** Terminate a node's instance and wait, in virtual time, until it has left and a replacement joined. */
async function replace(world: SimulatedWorld, nodeName: string): Promise<void> {
  const count = world.cluster.nodes().length;
  await world.fleet.terminateInGroup(instanceOf(world, nodeName));
  await world.cluster.waitForHealth({ nodes: `<${count}`, timeoutMs: 600_000 });
  const joined = await world.cluster.waitForHealth({ nodes: `>=${count}`, timeoutMs: 600_000 });
  if (joined.timedOut) throw new Error('replacement did not join');
}

const deciders = (explanation: AllocationExplanation | undefined): string[] =>
  [...new Set(explanation?.nodeDecisions.flatMap((d) => d.deciders.map((r) => r.decider)))].sort();

describe('SimulatedCluster', () => {
  it('starts green with masters and data nodes, an elected master and a three-node voting configuration', async () => {
    const snapshot = await createSimulatedWorld(base).cluster.observe();
    expect(snapshot.health).toMatchObject({ status: 'green', numberOfNodes: 6, numberOfDataNodes: 3, unassignedShards: 0 });
    expect(snapshot.nodes.map((n) => n.name)).toEqual(['es-master-1', 'es-master-2', 'es-master-3', 'es-data-1', 'es-data-2', 'es-data-3']);
    expect(snapshot.nodes.find((n) => n.name === 'es-data-1')).toMatchObject({ version: '9.4.5', roles: ['data', 'ingest'] });
    expect(snapshot.masterNodeId).toBe(snapshot.nodes[0]?.id);
    expect(snapshot.votingConfigNodeIds).toEqual(snapshot.nodes.slice(0, 3).map((n) => n.id));
    expect(snapshot.unassignedExplanations).toBeUndefined();
  });

  it('with allocation at primaries, a departed data node leaves its replicas unassigned and its primaries promoted: yellow, never red', async () => {
    const world = createSimulatedWorld(base);
    await world.cluster.setAllocationEnable('primaries');
    await world.fleet.terminateInGroup(instanceOf(world, 'es-data-1'));
    world.clock.advance(3 * 60_000); // node gone, replacement joined, delay expired

    const snapshot = await world.cluster.observe();
    expect(snapshot.nodes.map((n) => n.name)).toContain('es-data-4');
    expect(snapshot.health.status).toBe('yellow');
    expect(snapshot.shards.filter((s) => s.state === 'UNASSIGNED').every((s) => !s.primary)).toBe(true);
    expect(snapshot.health.unassignedShards).toBeGreaterThan(0);
    const explanation = snapshot.unassignedExplanations?.[0];
    expect(explanation).toMatchObject({ unassignedReason: 'NODE_LEFT', canAllocate: 'no' });
    expect(deciders(explanation)).toContain('enable');
    expect(explanation?.nodeDecisions[0]?.deciders.find((d) => d.decider === 'enable')?.explanation).toBe(
      'replica allocations are forbidden due to cluster setting [cluster.routing.allocation.enable=primaries]',
    );

    await world.cluster.setAllocationEnable(null);
    const green = await world.cluster.waitForHealth({ status: 'green', timeoutMs: 600_000 });
    expect(green).toMatchObject({ status: 'green', timedOut: false });
    expect((await world.cluster.observe()).allocationEnable).toBeNull();
  });

  it('delays the reallocation of a departed node\'s replicas for delayed_timeout', async () => {
    const world = createSimulatedWorld(base);
    await world.fleet.terminateInGroup(instanceOf(world, 'es-data-2'));
    world.clock.advance(LEAVE_MS + 1);
    const during = await world.cluster.observe();
    expect(during.health.delayedUnassignedShards).toBe(during.health.unassignedShards);
    expect(during.unassignedExplanations?.[0]?.canAllocate).toBe('allocation_delayed');

    world.clock.advance(60_000);
    const after = await world.cluster.observe();
    expect(after.health.delayedUnassignedShards).toBe(0);
    expect(after.health.initializingShards).toBeGreaterThan(0); // onto the two remaining nodes
  });

  it('never allocates a replica to a node older than its primary: a version conflict', async () => {
    const world = createSimulatedWorld(base);
    await replace(world, 'es-data-1');
    // The next hourly index, with its primary on the upgraded node.
    world.createIndex({ name: 'logs-2026.11.28-05', primaries: 1, replicas: 1, primaryOn: 'newest' });
    await world.cluster.waitForHealth({ status: 'yellow', noInitializingShards: true, timeoutMs: 600_000 });
    world.clock.advance(120_000);

    const snapshot = await world.cluster.observe();
    expect(snapshot.shards.find((s) => s.index === 'logs-2026.11.28-05' && s.primary)).toMatchObject({ state: 'STARTED', node: 'es-data-4' });
    const conflict = snapshot.unassignedExplanations?.find((e) => e.index === 'logs-2026.11.28-05');
    expect(conflict).toMatchObject({ primary: false, canAllocate: 'no', unassignedReason: 'INDEX_CREATED' });
    const byNode = Object.fromEntries(conflict?.nodeDecisions.map((d) => [d.nodeName, d.deciders.map((r) => r.explanation)]) ?? []);
    expect(byNode).toEqual({
      'es-data-2': [
        'cannot allocate replica shard to a node with index version [9.4.5] since this is older than the primary index version [9.5.4]',
        'cannot allocate replica shard to a node with version [9.4.5] since this is older than the primary version [9.5.4]',
      ],
      'es-data-3': [
        'cannot allocate replica shard to a node with index version [9.4.5] since this is older than the primary index version [9.5.4]',
        'cannot allocate replica shard to a node with version [9.4.5] since this is older than the primary version [9.5.4]',
      ],
      'es-data-4': [expect.stringMatching(/^a copy of this shard is already allocated to this node \[\[logs-2026.11.28-05\]\[0\], node\[/)],
    });
    expect(await world.cluster.explainUnassigned({ index: 'logs-2026.11.28-05', shard: 0, primary: false })).toEqual(conflict);

    await replace(world, 'es-data-2'); // a second upgraded node takes the replica
    const green = await world.cluster.waitForHealth({ status: 'green', timeoutMs: 600_000 });
    expect(green.status).toBe('green');
  });

  it.each([
    {
      case: 'red: a primary that can go nowhere',
      index: { name: 'broken', primaries: 1, replicas: 1, requireName: 'nowhere' },
      status: 'red',
      primary: true,
      decider: 'filter',
    },
    {
      case: 'yellow: more replicas than other data nodes',
      index: { name: 'wide', primaries: 1, replicas: 3 },
      status: 'yellow',
      primary: false,
      decider: 'same_shard',
    },
    {
      case: 'yellow: an index filter keeps the replica off the only free node',
      index: { name: 'picky', primaries: 1, replicas: 1, excludeNames: ['es-data-2', 'es-data-3'] },
      status: 'yellow',
      primary: false,
      decider: 'filter',
    },
  ])('explains an unassigned copy that is not a version conflict, $case', async ({ index, status, primary, decider }) => {
    const world = createSimulatedWorld(base);
    world.createIndex(index);
    const health = await world.cluster.waitForHealth({ noInitializingShards: true, timeoutMs: 600_000 });
    expect(health.status).toBe(status);
    const explanation = (await world.cluster.observe()).unassignedExplanations?.find((e) => e.index === index.name);
    expect(explanation).toMatchObject({ primary, canAllocate: 'no' });
    expect(deciders(explanation)).toContain(decider);
    expect(deciders(explanation)).not.toContain('node_version');
  });

  it('loses a zero-replica index for good when its node is replaced (red, no valid shard copy)', async () => {
    const world = createSimulatedWorld({ ...base, indices: [{ name: 'scratch', primaries: 3, replicas: 0 }] });
    await replace(world, 'es-data-1');
    world.clock.advance(600_000);
    const snapshot = await world.cluster.observe();
    expect(snapshot.health.status).toBe('red');
    expect(snapshot.unassignedExplanations?.[0]).toMatchObject({ primary: true, canAllocate: 'no_valid_shard_copy' });
  });

  it('allocate_replica places an unassigned replica where every decider agrees, and refuses it elsewhere', async () => {
    const world = createSimulatedWorld(base);
    await world.cluster.setAllocationEnable('primaries');
    await world.fleet.terminateInGroup(instanceOf(world, 'es-data-1'));
    await world.cluster.waitForHealth({ nodes: '<6', timeoutMs: 600_000 });
    const before = await world.cluster.observe();
    const replica = before.shards.find((s) => !s.primary && s.state === 'UNASSIGNED');
    if (!replica) throw new Error('no unassigned replica');
    const holder = before.shards.find((s) => s.index === replica.index && s.shard === replica.shard && s.primary)?.node ?? '';
    const other = ['es-data-2', 'es-data-3'].find((n) => n !== holder) ?? '';

    // Narrowed to primaries: the enable decider says no, as on a real master.
    await expect(world.cluster.allocateReplica(replica, other)).rejects.toThrow(/not allowed/);
    await world.cluster.setAllocationEnable(null);
    await expect(world.cluster.allocateReplica({ index: replica.index, shard: replica.shard }, holder)).rejects.toThrow(/not allowed/);

    const placed = (await world.cluster.observe()).shards.find((s) => s.index === replica.index && s.shard === replica.shard && !s.primary);
    // Still held by the node-left delay: without the command it would wait out the minute.
    expect(placed?.state).toBe('UNASSIGNED');
    await world.cluster.allocateReplica(replica, other);
    await world.cluster.waitForHealth({ noInitializingShards: true, timeoutMs: 600_000 });
    const after = (await world.cluster.observe()).shards.find((s) => s.index === replica.index && s.shard === replica.shard && !s.primary);
    expect(after).toMatchObject({ state: 'STARTED', node: other });
  });

  it('relocates shards off nodes excluded by name, and back to green', async () => {
    const world = createSimulatedWorld(base);
    await world.cluster.setAllocationExcludeNames(['es-data-1']);
    const moving = await world.cluster.observe();
    expect(moving.health.relocatingShards).toBeGreaterThan(0);
    expect(moving.shards.filter((s) => s.state === 'RELOCATING').every((s) => s.node === 'es-data-1')).toBe(true);
    expect(moving.allocationExcludeNames).toEqual(['es-data-1']);

    const settled = await world.cluster.waitForHealth({ status: 'green', noRelocatingShards: true, timeoutMs: 600_000 });
    expect(settled.relocatingShards).toBe(0);
    expect((await world.cluster.observe()).shards.some((s) => s.node === 'es-data-1')).toBe(false);
  });

  it('waitForHealth returns at once when met, and times out in virtual time when not', async () => {
    const world = createSimulatedWorld(base);
    const start = world.clock.nowMs();
    expect(await world.cluster.waitForHealth({ status: 'green', nodes: '6', timeoutMs: 1000 })).toMatchObject({ timedOut: false });
    expect(world.clock.nowMs()).toBe(start);

    const realStart = performance.now();
    const health = await world.cluster.waitForHealth({ nodes: '>=7', timeoutMs: 3_600_000 });
    expect(health).toMatchObject({ timedOut: true, numberOfNodes: 6, status: 'green' });
    expect(world.clock.nowMs() - start).toBe(3_600_000);
    expect(performance.now() - realStart).toBeLessThan(200);
  });

  it('elects a new master when the elected one leaves, and swaps it out of the voting configuration when its replacement joins', async () => {
    const world = createSimulatedWorld(base);
    const before = await world.cluster.observe();
    const old = before.nodes[0];
    await world.fleet.terminateInGroup(instanceOf(world, 'es-master-1'));
    world.clock.advance(LEAVE_MS);
    const leaderless = await world.cluster.observe();
    expect(leaderless.masterNodeId).toBeNull();
    expect(leaderless.health.status).toBe('red');
    expect(leaderless.votingConfigNodeIds).toContain(old?.id);

    world.clock.advance(3_000);
    const elected = await world.cluster.observe();
    expect(elected.masterNodeId).not.toBeNull();
    expect(elected.masterNodeId).not.toBe(old?.id);
    expect(elected.health.status).toBe('green');
    expect(elected.votingConfigNodeIds).toContain(old?.id); // stays until a replacement joins

    await world.cluster.waitForHealth({ nodes: '6', timeoutMs: 600_000 });
    const rejoined = await world.cluster.observe();
    const newcomer = rejoined.nodes.find((n) => n.name === 'es-master-4');
    expect(rejoined.votingConfigNodeIds).toHaveLength(3);
    expect(rejoined.votingConfigNodeIds).not.toContain(old?.id);
    expect(rejoined.votingConfigNodeIds).toContain(newcomer?.id);
  });

  it('loses the master for good when two of three masters go at once (no quorum)', async () => {
    const world = createSimulatedWorld(base);
    await world.fleet.terminateInGroup(instanceOf(world, 'es-master-1'));
    await world.fleet.terminateInGroup(instanceOf(world, 'es-master-2'));
    world.clock.advance(3_600_000);
    const snapshot = await world.cluster.observe();
    expect(snapshot.masterNodeId).toBeNull();
    expect(snapshot.health.status).toBe('red');
    expect(world.history.some((e) => e.kind === 'no-quorum')).toBe(true);
  });

  it.each([
    { case: 'never joins', fault: { neverJoins: true }, joined: false, version: undefined },
    { case: 'boots the old Elasticsearch under the new tag', fault: { esVersion: '9.4.5' }, joined: true, version: '9.4.5' },
    { case: 'boots slowly', fault: { bootDelayMs: 20 * 60_000 }, joined: true, version: '9.5.4' },
  ])('a replacement that $case', async ({ fault, joined, version }) => {
    const world = createSimulatedWorld({ ...base, launchFaults: [{ group: 'data', nth: 1, ...fault }] });
    await world.fleet.terminateInGroup(instanceOf(world, 'es-data-1'));
    await world.cluster.waitForHealth({ nodes: '5', timeoutMs: 60_000 });
    const quick = await world.cluster.waitForHealth({ nodes: '6', timeoutMs: 10 * 60_000 });
    const eventually = await world.cluster.waitForHealth({ nodes: '6', timeoutMs: 60 * 60_000 });
    expect(quick.timedOut).toBe(fault.bootDelayMs !== undefined || !joined);
    expect(eventually.timedOut).toBe(!joined);
    const replacement = world.fleet.instances().at(-1);
    expect(replacement?.tags.Version).toBe('9.5.4');
    expect(world.cluster.node('es-data-4')?.version).toBe(version);
  });

  it('rejects an invalid allocation setting value and an invalid wait_for_nodes expression', async () => {
    const world = createSimulatedWorld(base);
    await expect(world.cluster.setAllocationEnable('some')).rejects.toThrow(/illegal value/);
    await expect(world.cluster.waitForHealth({ nodes: 'six', timeoutMs: 1000 })).rejects.toThrow(/invalid wait_for_nodes/);
  });

  it('explains an assigned shard as assigned, and refuses a shard that does not exist', async () => {
    const world = createSimulatedWorld(base);
    expect(await world.cluster.explainUnassigned({ index: 'orders', shard: 0, primary: true })).toEqual({
      index: 'orders',
      shard: 0,
      primary: true,
      currentState: 'started',
      nodeDecisions: [],
    });
    await expect(world.cluster.explainUnassigned({ index: 'nope', shard: 0, primary: true })).rejects.toThrow(/no shard \[nope\]\[0\]/);
  });

  it('refuses settings changes while there is no elected master', async () => {
    const world = createSimulatedWorld(base);
    await world.fleet.terminateInGroup(instanceOf(world, 'es-master-1'));
    world.clock.advance(LEAVE_MS + 500);
    await expect(world.cluster.setAllocationEnable('primaries')).rejects.toThrow(/master_not_discovered_exception/);
  });

  it('keeps a master through one-at-a-time replacements when data nodes are master-eligible too', async () => {
    const world = createSimulatedWorld({ ...base, masters: 0, roles: { data: ['master', 'data', 'ingest'] } });
    let leaderlessEvents = 0;
    world.onEvent((w) => {
      if (w.cluster.masterNodeId() === null) leaderlessEvents += 1;
    });
    for (const name of ['es-data-2', 'es-data-3', 'es-data-1']) {
      await world.cluster.setAllocationEnable('primaries');
      await replace(world, name);
      await world.cluster.setAllocationEnable(null);
      expect((await world.cluster.waitForHealth({ status: 'green', timeoutMs: 600_000 })).timedOut).toBe(false);
    }
    const snapshot = await world.cluster.observe();
    expect(snapshot.nodes.map((n) => n.name)).toEqual(['es-data-4', 'es-data-5', 'es-data-6']);
    expect(new Set(snapshot.votingConfigNodeIds)).toEqual(new Set(snapshot.nodes.map((n) => n.id)));
    expect(leaderlessEvents).toBeGreaterThan(0); // only while the elected one was replaced
  });

  it('keeps replicas delayed even when a new node joins within delayed_timeout: only the departed node could end it', async () => {
    const world = createSimulatedWorld({ ...base, timings: { bootMs: 5_000, instanceStartMs: 5_000 } });
    await replace(world, 'es-data-1');
    const snapshot = await world.cluster.observe();
    expect(world.clock.nowMs() - new Date('2026-11-28T04:30:00Z').getTime()).toBeLessThan(60_000);
    expect(snapshot.health.delayedUnassignedShards).toBeGreaterThan(0);
    expect((await world.cluster.waitForHealth({ status: 'green', timeoutMs: 600_000 })).timedOut).toBe(false);
  });
});

describe('SimulatedCluster settings and voting exclusions', () => {
  it('stores allocation settings per layer, transient over persistent, and removes a layer given null', async () => {
    const world = createSimulatedWorld(base);
    await world.cluster.putSettings({ 'cluster.routing.allocation.enable': { persistent: 'primaries', transient: 'none' } });
    const both = await world.cluster.observe();
    expect(both.settings['cluster.routing.allocation.enable']).toEqual({ persistent: 'primaries', transient: 'none' });
    expect(both.allocationEnable).toBe('none');
    expect(both.settings['cluster.routing.allocation.exclude._name']).toEqual({ persistent: null, transient: null });

    await world.cluster.putSettings({ 'cluster.routing.allocation.enable': { persistent: 'primaries', transient: null } });
    expect((await world.cluster.observe()).allocationEnable).toBe('primaries');
    await world.cluster.putSettings({ 'cluster.routing.allocation.exclude._name': { persistent: 'es-data-3', transient: 'es-data-1,es-data-2' } });
    const excluded = await world.cluster.observe();
    expect(excluded.allocationExcludeNames).toEqual(['es-data-1', 'es-data-2']);
    expect(excluded.settings['cluster.routing.allocation.enable']).toEqual({ persistent: 'primaries', transient: null });
  });

  it('moves the vote off an excluded master before it goes: the elected one stands down, the quorum holds throughout', async () => {
    const world = createSimulatedWorld({ ...base, masters: 3 });
    let lostQuorum = 0;
    world.onEvent((w) => {
      if (!w.cluster.quorumPresent()) lostQuorum += 1;
    });
    const elected = world.cluster.nodes().find((n) => n.id === world.cluster.masterNodeId());
    await world.cluster.excludeFromVoting([elected?.id ?? '']);
    const after = await world.cluster.observe();
    expect(after.votingConfigExclusions).toEqual([{ nodeId: elected?.id, nodeName: elected?.name }]);
    expect(after.votingConfigNodeIds).toHaveLength(2);
    expect(after.votingConfigNodeIds).not.toContain(elected?.id);
    expect(after.masterNodeId).toBeNull(); // it stood down ...
    await world.cluster.waitForHealth({ status: 'green', timeoutMs: 60_000 });
    expect(world.cluster.masterNodeId()).not.toBe(elected?.id); // ... and another was elected

    await replace(world, elected?.name ?? '');
    await world.cluster.clearVotingExclusions();
    const done = await world.cluster.observe();
    expect(done.votingConfigExclusions).toEqual([]);
    expect(done.votingConfigNodeIds).toHaveLength(3);
    expect(done.votingConfigNodeIds).toContain(done.nodes.find((n) => n.name === 'es-master-4')?.id);
    expect(lostQuorum).toBe(0);
  });

  it('excludes an id no node present has under the name _absent_, and refuses an eleventh exclusion', async () => {
    const world = createSimulatedWorld(base);
    await world.cluster.excludeFromVoting(['gone-node-id']);
    expect((await world.cluster.observe()).votingConfigExclusions).toEqual([{ nodeId: 'gone-node-id', nodeName: '_absent_' }]);
    await world.cluster.excludeFromVoting(Array.from({ length: 9 }, (_, i) => `gone-${i}`));
    await expect(world.cluster.excludeFromVoting(['one-too-many'])).rejects.toThrow(/cannot add more than \[10\] voting configuration exclusions/);
  });
});
