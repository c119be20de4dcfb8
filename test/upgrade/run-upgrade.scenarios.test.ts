// State-machine scenarios: the real runner against the simulated cluster and fleet, on virtual time.

import { describe, expect, it } from 'vitest';
import { InterruptedError } from '../../src/shared/errors.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { createSimulatedWorld, type SimulatedWorld, type SimulatedWorldOptions } from '../../src/sim/index.ts';
import type { UpgradeEvent, UpgradeOptions, UpgradeReport } from '../../src/upgrade/plan-model.ts';
import type { Cluster, Fleet, Lock } from '../../src/upgrade/ports.ts';
import { planUpgrade, runUpgrade, type UpgradeDeps } from '../../src/upgrade/run-upgrade.ts';
import { defaultOptions, OLD, TARGET } from './builders.ts';

function aWorld(overrides: Partial<SimulatedWorldOptions> = {}): SimulatedWorld {
  return createSimulatedWorld({ masters: 3, data: 3, fromVersion: OLD, launchVersion: TARGET, ...overrides });
}

interface Watch {
  minNodes: number;
  events: UpgradeEvent[];
}

function depsFor(world: SimulatedWorld, extra: Partial<UpgradeDeps> = {}): UpgradeDeps & { watch: Watch } {
  const watch: Watch = { minNodes: Infinity, events: [] };
  world.onEvent((w) => {
    watch.minNodes = Math.min(watch.minNodes, w.cluster.nodes().length);
  });
  return {
    cluster: world.cluster,
    fleet: world.fleet,
    lock: world.lock,
    clock: world.clock,
    log: silentLogger(),
    holder: 'controller-a',
    onEvent: (e) => watch.events.push(e),
    watch,
    ...extra,
  };
}

const roleOf = (world: SimulatedWorld, id: string): string | undefined => world.fleet.instance(id)?.role;
const options = (o: Partial<UpgradeOptions> = {}): UpgradeOptions => defaultOptions(o);
const allocation = async (world: SimulatedWorld): Promise<string | null> => (await world.cluster.observe()).allocationEnable;
const versions = (world: SimulatedWorld): string[] => [...new Set(world.cluster.nodes().map((n) => n.version))];

describe('runUpgrade where production differs from the proving ground', () => {
  it('keeps an index created while a replaced data node is leaving off that node: no copy lost', async () => {
    const world = aWorld({ timings: { nodeLeaveMs: 60_000 } });
    // What each terminated node held when it was terminated: anything more was allocated to it later.
    const heldAtTermination = new Map<string, Set<string>>();
    const allocatedToLeaving: string[] = [];
    let createdWhileLeaving = 0;
    world.onEvent((w) => {
      const shards = w.cluster.snapshot().shards;
      for (const id of w.terminatedInstanceIds()) {
        const node = w.cluster.nodes().find((n) => n.attributes.instance_id === id);
        if (!node) continue;
        const now = shards.filter((c) => c.node === node.name).map((c) => `${c.index}[${c.shard}]${c.primary ? 'p' : 'r'}`);
        const before = heldAtTermination.get(node.name);
        if (!before) heldAtTermination.set(node.name, new Set(now));
        else allocatedToLeaving.push(...now.filter((c) => !before.has(c)).map((c) => `${c} on ${node.name}`));
      }
    });
    // Every time a data node is terminated, a new hourly index arrives while it is still in the cluster.
    const createOnEachDataTermination = (n: number): void =>
      world.when(
        (w) => w.terminatedInstanceIds().filter((id) => roleOf(w, id) === 'data').length === n,
        (w) => {
          createdWhileLeaving += 1;
          w.createIndex({ name: `hourly-${n}`, primaries: 3, replicas: 1 });
        },
      );
    [1, 2, 3].forEach(createOnEachDataTermination);

    const report = await runUpgrade(depsFor(world), options({ order: 'data-first' }));

    expect(report.outcome, report.message).toBe('completed');
    expect(createdWhileLeaving).toBe(3);
    expect([...new Set(allocatedToLeaving)]).toEqual([]);
    expect(world.history.filter((h) => h.kind === 'primary-lost')).toEqual([]);
    expect(world.cluster.health().status).toBe('green');
    expect((await world.cluster.observe()).allocationExcludeNames).toEqual([]);
  });

  it('one master-eligible node: refused by more_than_one_master before anything is touched', async () => {
    const world = aWorld({ masters: 1 });
    const report = await runUpgrade(depsFor(world), options());
    expect(report).toMatchObject({ outcome: 'refused', exitCode: 3 });
    expect(report.refusals.map((r) => r.rule)).toContain('more_than_one_master');
    expect(world.terminatedInstanceIds()).toEqual([]);
  });

  it('two master-eligible nodes: the voter\'s vote moves first, the quorum is never lost, the exclusion is cleared', async () => {
    const world = aWorld({ masters: 2 });
    let masterlessSinceMs: number | undefined;
    let longestMasterlessMs = 0;
    world.onEvent((w, e) => {
      if (w.cluster.masterNodeId() === null) masterlessSinceMs ??= e.at.getTime();
      else if (masterlessSinceMs !== undefined) {
        longestMasterlessMs = Math.max(longestMasterlessMs, e.at.getTime() - masterlessSinceMs);
        masterlessSinceMs = undefined;
      }
    });
    const deps = depsFor(world);

    const report = await runUpgrade(deps, options());

    expect(report.outcome, report.message).toBe('completed');
    expect(world.terminatedInstanceIds().map((id) => roleOf(world, id))).toEqual(['master', 'master', 'data', 'data', 'data']);
    expect(deps.watch.events.filter((e) => e.type === 'action' && e.action === 'voting-exclusion').length).toBeGreaterThan(0);
    // Replacing the elected master always costs one election; losing the quorum would cost the cluster.
    expect(world.history.filter((h) => h.kind === 'no-quorum')).toEqual([]);
    expect(masterlessSinceMs).toBeUndefined();
    expect(longestMasterlessMs).toBeLessThanOrEqual(5_000);
    expect((await world.cluster.observe()).votingConfigExclusions).toEqual([]);
    expect(versions(world)).toEqual([TARGET]);
  });

  it('three master-eligible nodes need no voting exclusion', async () => {
    const world = aWorld();
    const deps = depsFor(world);
    const report = await runUpgrade(deps, options());
    expect(report.outcome).toBe('completed');
    expect(deps.watch.events.some((e) => e.type === 'action' && e.action === 'voting-exclusion')).toBe(false);
  });

  it.each(['none', 'primaries', 'new_primaries'])('refuses allocation preset to %s, changing nothing', async (value) => {
    const world = aWorld();
    await world.cluster.putSettings({ 'cluster.routing.allocation.enable': { persistent: 'all', transient: value } });
    const report = await runUpgrade(depsFor(world), options());
    expect(report).toMatchObject({ outcome: 'refused', exitCode: 3 });
    expect(report.refusals.find((r) => r.rule === 'allocation_enabled')?.reason).toMatch(new RegExp(`"${value}" \\(transient\\)`));
    expect(world.terminatedInstanceIds()).toEqual([]);
    expect((await world.cluster.observe()).settings['cluster.routing.allocation.enable']).toEqual({ persistent: 'all', transient: value });
    // Refused on a look: not even the lease was written (with `none`, its index could not be allocated).
    expect(world.lock.peek()).toBeUndefined();
    expect(world.apiCalls('lease.create')).toBe(0);
  });

  it('puts each allocation setting back in the layer it was found in', async () => {
    const world = aWorld();
    const found = {
      'cluster.routing.allocation.enable': { persistent: 'all', transient: 'all' },
      'cluster.routing.allocation.exclude._name': { persistent: null, transient: 'decommissioned-node' },
    };
    await world.cluster.putSettings(found);
    const report = await runUpgrade(depsFor(world), options({ order: 'data-first' }));
    expect(report.outcome, report.message).toBe('completed');
    expect((await world.cluster.observe()).settings).toEqual(found);
  });

  it('an interrupt while a replaced node is still leaving restores allocation but keeps that node excluded, and the rerun clears it', async () => {
    const world = aWorld({ timings: { nodeLeaveMs: 120_000 } });
    const controller = new AbortController();
    world.when(
      (w) => w.terminatedInstanceIds().some((id) => roleOf(w, id) === 'data'),
      () => controller.abort(new InterruptedError('SIGTERM')),
    );
    const first = await runUpgrade(depsFor(world, { signal: controller.signal }), options({ order: 'data-first' }));
    expect(first.outcome).toBe('interrupted');
    const after = await world.cluster.observe();
    const leavingNode = after.nodes.find((n) => n.attributes.instance_id === world.terminatedInstanceIds()[0]);
    expect(leavingNode).toBeDefined();
    expect(after.allocationEnable).toBeNull();
    expect(after.allocationExcludeNames).toEqual([leavingNode?.name]);

    const rerun = await runUpgrade(depsFor(world, { holder: 'controller-b' }), options({ order: 'data-first' }));
    expect(rerun.outcome, rerun.message).toBe('completed');
    expect(rerun.previouslyTerminatedInstanceIds).toEqual(world.terminatedInstanceIds().slice(0, 1));
    expect((await world.cluster.observe()).allocationExcludeNames).toEqual([]);
    expect(new Set(world.terminatedInstanceIds()).size).toBe(world.terminatedInstanceIds().length);
  });
});

describe('runUpgrade against the termination lag, lifecycle hooks and throttling of real AWS', () => {
  const sentPerInstance = (world: SimulatedWorld): Map<string, number> => {
    const sent = new Map<string, number>();
    for (const c of world.fleet.terminateCalls()) if (c.outcome !== 'failed') sent.set(c.instanceId, (sent.get(c.instanceId) ?? 0) + 1);
    return sent;
  };

  it.each(['accept', 'reject'] as const)(
    'a 30-minute termination hook (group %ss a repeated terminate): each instance is asked once, and waited for',
    async (repeatedTerminate) => {
      const world = aWorld({ repeatedTerminate, timings: { terminationHookMs: 30 * 60_000 } });
      const deps = depsFor(world);
      const report = await runUpgrade(deps, options({ timeouts: { ...options().timeouts, nodeLeaveMs: 60 * 60_000 } }));

      expect(report.outcome, report.message).toBe('completed');
      expect([...sentPerInstance(world).values()]).toEqual([1, 1, 1, 1, 1, 1]);
      expect(report.terminatedInstanceIds).toHaveLength(6);
      expect(deps.watch.minNodes).toBeGreaterThanOrEqual(5);
      expect(world.violations()).toEqual([]);
    },
  );

  it('a replacement held in Pending:Wait by a launch hook is waited for before the next node goes', async () => {
    const world = aWorld({ timings: { launchHookMs: 10 * 60_000 } });
    const deps = depsFor(world);
    const report = await runUpgrade(deps, options());
    expect(report.outcome, report.message).toBe('completed');
    expect(deps.watch.minNodes).toBeGreaterThanOrEqual(5);
  });

  it('throttling and a scaling activity in progress on terminate are waited out: the run completes, nothing terminated twice', async () => {
    const world = aWorld({
      faults: [
        { operation: 'terminateInGroup', count: 2, kind: 'ScalingActivityInProgress' },
        { operation: 'terminateInGroup', count: 2, skip: 3, kind: 'Throttling' },
      ],
    });
    const report = await runUpgrade(depsFor(world), options());
    expect(report.outcome, report.message).toBe('completed');
    expect([...sentPerInstance(world).values()].every((n) => n === 1)).toBe(true);
    expect(new Set(report.terminatedInstanceIds).size).toBe(6);
  });

  it('a burst of 503s from Elasticsearch and throttled describes from AWS are waited out', async () => {
    const world = aWorld({
      faults: [
        { operation: 'observe', count: 4, skip: 10, kind: 'ServiceUnavailable' },
        { operation: 'fleet.observe', count: 3, skip: 20, kind: 'RequestLimitExceeded' },
      ],
    });
    const report = await runUpgrade(depsFor(world), options());
    expect(report.outcome, report.message).toBe('completed');
  });

  it('a transient condition that outlasts the safe-to-proceed timeout fails the run, allocation restored', async () => {
    const world = aWorld({ faults: [{ operation: 'terminateInGroup', probability: 1, skip: 3, kind: 'Throttling' }] });
    const report = await runUpgrade(depsFor(world), options({ order: 'data-first', timeouts: { ...options().timeouts, safeToProceedMs: 5 * 60_000 } }));
    expect(report.outcome).toBe('failed');
    expect(report.message).toMatch(/Throttling/);
    expect(await allocation(world)).toBeNull();
    expect((await world.cluster.observe()).allocationExcludeNames).toEqual([]);
  });

  it('rebalancing after each join (shards relocating in a green cluster) is not polled in a tight loop', async () => {
    // Drained first, each node's copies spread over the others; its empty replacement is then
    // filled by the balancer while the cluster is green.
    const world = aWorld({ data: 4, recovery: { rebalance: true } });
    const report = await runUpgrade(depsFor(world), options({ order: 'data-first', strategy: 'drain' }));
    expect(report.outcome, report.message).toBe('completed');
    expect(world.cluster.stats().rebalanceRelocations).toBeGreaterThan(0);
    // A tight loop would make thousands of calls in the same instant (the simulator refuses at 10,000).
    expect(world.apiCalls('observe')).toBeLessThan(2_000);
  });

  it('sees the old node gone within the poll interval even when its replacement joined first', async () => {
    // The group launches the replacement at once and holds the old instance in a termination hook:
    // the node count goes N, N+1, N within one long-poll.
    const world = aWorld({ timings: { terminationHookMs: 20_000, replacementLaunchMs: 1_000, instanceStartMs: 2_000, bootMs: 5_000 } });
    const pollIntervalMs = 5_000;
    const report = await runUpgrade(depsFor(world), options({ order: 'data-first', pollIntervalMs }));

    expect(report.outcome, report.message).toBe('completed');
    const at = (kind: string, detail: string): number | undefined => world.history.find((h) => h.kind === kind && h.detail.startsWith(detail))?.at.getTime();
    const lags = report.nodes.map((n) => {
      const leave = n.waits.find((w) => w.kind === 'node-leave');
      const left = at('node-left', n.nodeName);
      const joinedFirst = n.replacementNodeName !== undefined && (at('node-joined', n.replacementNodeName) ?? Infinity) < (left ?? 0);
      return { node: n.nodeName, joinedFirst, lagMs: leave && left !== undefined ? Date.parse(leave.startedAt) + (leave.durationMs ?? 0) - left : undefined };
    });
    expect(lags.filter((l) => l.joinedFirst).length, JSON.stringify(lags)).toBeGreaterThanOrEqual(3);
    for (const l of lags.filter((x) => x.lagMs !== undefined)) expect(l.lagMs, l.node).toBeLessThanOrEqual(pollIntervalMs);
  });

  it('an instance in Standby is refused by instance_in_service', async () => {
    const world = aWorld({ standby: { data: 1 } });
    const report = await runUpgrade(depsFor(world), options());
    expect(report).toMatchObject({ outcome: 'refused', exitCode: 3 });
    expect(report.refusals.map((r) => r.rule)).toContain('instance_in_service');
    expect(world.terminatedInstanceIds()).toEqual([]);
  });

  it('a group with a warm pool is refused by no_warm_pool', async () => {
    const world = aWorld({ warmPools: { data: 2 } });
    const report = await runUpgrade(depsFor(world), options());
    expect(report).toMatchObject({ outcome: 'refused', exitCode: 3 });
    expect(report.refusals.map((r) => r.rule), report.message).toContain('no_warm_pool');
  });
});

describe('runUpgrade a zone at a time (--batch zone)', () => {
  const zoned = (overrides: Partial<SimulatedWorldOptions> = {}): SimulatedWorld =>
    aWorld({ data: 6, zoneAttribute: 'zone', awareness: { attributes: ['zone'] }, ...overrides });
  /** Most data nodes missing at once, and the zones they were in. */
  const watchMissing = (world: SimulatedWorld): { most: number; zonesAtOnce: number } => {
    const initial = world.cluster.nodes().filter((n) => n.roles.includes('data')).length;
    const seen = { most: 0, zonesAtOnce: 0 };
    const zones = new Map<string, string>();
    for (const n of world.cluster.nodes()) zones.set(n.name, n.attributes.zone ?? '');
    world.onEvent((w) => {
      const data = w.cluster.nodes().filter((n) => n.roles.includes('data'));
      for (const n of data) zones.set(n.name, n.attributes.zone ?? '');
      seen.most = Math.max(seen.most, initial - data.length);
      const terminating = w.fleet.terminateCalls().filter((c) => c.outcome === 'terminated').map((c) => c.instanceId);
      const goingZones = new Set(data.filter((n) => terminating.includes(n.attributes.instance_id ?? '')).map((n) => zones.get(n.name)));
      seen.zonesAtOnce = Math.max(seen.zonesAtOnce, goingZones.size);
    });
    return seen;
  };

  it('replaces each zone\'s data nodes together, never two zones at once, faster than one at a time', async () => {
    const one = zoned();
    const oneReport = await runUpgrade(depsFor(one), options({ order: 'data-first' }));
    const world = zoned();
    const missing = watchMissing(world);
    const report = await runUpgrade(depsFor(world), options({ order: 'data-first', batch: 'zone' }));

    expect(report.outcome, report.message).toBe('completed');
    expect(versions(world)).toEqual([TARGET]);
    expect(world.cluster.health().status).toBe('green');
    expect(report.plan.batches?.map((b) => b.nodeNames.length)).toEqual([2, 2, 2]);
    const dataNodes = report.nodes.filter((n) => n.phase === 'data');
    expect(new Set(dataNodes.map((n) => n.batch))).toEqual(new Set([1, 2, 3]));
    expect(missing.most).toBe(2);
    expect(missing.zonesAtOnce).toBe(1);
    expect(world.history.filter((h) => h.kind === 'primary-lost')).toEqual([]);
    expect(report.durationMs).toBeLessThan(oneReport.durationMs * 0.8);
    console.log(`[zone-batches] 3 masters + 6 data in 3 zones: one at a time ${(oneReport.durationMs / 60_000).toFixed(1)} min, zone batches ${(report.durationMs / 60_000).toFixed(1)} min (simulated)`);
  });

  it.each([
    { batch: 'one at a time', extra: {} },
    { batch: 'zone batches', extra: { batch: 'zone' as const } },
  ])('accepts a version conflict that awareness keeps out of its primary\'s zone ($batch)', async ({ extra }) => {
    const world = zoned();
    // An hourly index lands on the first upgraded data node: its zone refuses the replica for
    // awareness, the older nodes elsewhere for versions, until one of them is replaced.
    const name = 'logs-2026.11.28-05';
    world.when(
      (w) => w.joinedReplacements('data') === 1,
      (w) => w.createIndex({ name, primaries: 1, replicas: 1, primaryOn: 'newest' }),
    );
    const greenMs = 6 * 3_600_000;
    const report = await runUpgrade(depsFor(world), options({ order: 'data-first', ...extra, timeouts: { ...options().timeouts, greenMs } }));

    expect(report.outcome, report.message).toBe('completed');
    expect(report.versionConflictsAccepted.map((c) => c.index)).toContain(name);
    expect(report.durationMs).toBeLessThan(greenMs);
    expect(world.cluster.health().status).toBe('green');
  });

  it('caps a batch with --max-unavailable', async () => {
    const world = zoned();
    const missing = watchMissing(world);
    const report = await runUpgrade(depsFor(world), options({ order: 'data-first', batch: 'zone', maxUnavailable: { count: 1 } }));
    expect(report.outcome, report.message).toBe('completed');
    expect(report.plan.batches).toHaveLength(6);
    expect(missing.most).toBe(1);
  });

  it('is refused by zone_batches_possible, before anything is touched, without awareness', async () => {
    const world = aWorld({ data: 6, zoneAttribute: 'zone' });
    const report = await runUpgrade(depsFor(world), options({ order: 'data-first', batch: 'zone' }));
    expect(report).toMatchObject({ outcome: 'refused', exitCode: 3 });
    expect(report.refusals.find((r) => r.rule === 'zone_batches_possible')?.reason).toMatch(/awareness/);
    expect(report.plan.batchRefusal).toMatch(/awareness/);
    expect(world.terminatedInstanceIds()).toEqual([]);
  });
});

describe('runUpgrade on a simulated cluster', () => {
  it('does nothing when every instance already carries the target version', async () => {
    const world = aWorld({ fromVersion: TARGET });
    const report = await runUpgrade(depsFor(world), options());
    expect(report).toMatchObject({ outcome: 'nothing-to-do', exitCode: 0, terminatedInstanceIds: [] });
    expect(world.terminatedInstanceIds()).toEqual([]);
  });

  it('replaces masters (elected last) then data nodes, never two nodes missing', async () => {
    const world = aWorld();
    const electedBefore = world.cluster.masterNodeId();
    const electedInstance = world.cluster.nodes().find((n) => n.id === electedBefore)?.attributes.instance_id;
    const deps = depsFor(world);

    const report = await runUpgrade(deps, options());

    expect(report.outcome).toBe('completed');
    expect(report.exitCode).toBe(0);
    const terminated = world.terminatedInstanceIds();
    expect(report.terminatedInstanceIds).toEqual(terminated);
    expect(terminated.map((id) => roleOf(world, id))).toEqual(['master', 'master', 'master', 'data', 'data', 'data']);
    expect(terminated[2]).toBe(electedInstance);
    expect(versions(world)).toEqual([TARGET]);
    expect(world.cluster.health().status).toBe('green');
    expect(deps.watch.minNodes).toBeGreaterThanOrEqual(5);
    expect(await allocation(world)).toBeNull();
    expect(world.lock.peek()).toBeUndefined();
    expect(report.nodes.map((n) => n.outcome)).toEqual(Array(6).fill('replaced'));
    expect(report.nodes.every((n) => n.replacementNodeName !== undefined)).toBe(true);
  });

  it('replaces data nodes first with --order data-first', async () => {
    const world = aWorld();
    const report = await runUpgrade(depsFor(world), options({ order: 'data-first' }));
    expect(report.outcome).toBe('completed');
    expect(world.terminatedInstanceIds().map((id) => roleOf(world, id))).toEqual(['data', 'data', 'data', 'master', 'master', 'master']);
  });

  it('accepts version conflicts at once instead of waiting out the green timeout', async () => {
    const world = aWorld();
    // As in production with hourly indices: a new index lands on the first upgraded data node.
    world.when(
      (w) => w.joinedReplacements('data') === 1,
      (w) => w.createIndex({ name: 'logs-2026.11.28-05', primaries: 1, replicas: 1, primaryOn: 'newest' }),
    );
    const greenMs = 6 * 3_600_000;
    const report = await runUpgrade(depsFor(world), options({ timeouts: { ...options().timeouts, greenMs } }));

    expect(report.outcome).toBe('completed');
    expect(report.versionConflictsAccepted.map((c) => c.index)).toContain('logs-2026.11.28-05');
    expect(report.versionConflictsAccepted[0]?.explanation).toMatch(/older than the primary version/);
    // Had it waited for green, one data node alone would have taken the green timeout.
    expect(report.durationMs).toBeLessThan(greenMs);
  });

  it('places replicas the balancer holds back in a mixed cluster, so the last old node can go, never two nodes missing', async () => {
    // Data first under an old master, as real 8.19 masters did: once a data node is new, the
    // balancer leaves the replicas of "orders" unassigned; the old node then holds their only copy.
    const world = aWorld({
      data: 2,
      indices: [{ name: 'orders', primaries: 2, replicas: 1, docsPerShard: 50_000, delayedTimeoutMs: 5_000, heldBackWhileMixed: true }],
    });
    const greenMs = 30 * 60_000;
    const deps = depsFor(world);

    const report = await runUpgrade(deps, options({ order: 'data-first', timeouts: { ...options().timeouts, greenMs } }));

    expect(report.outcome, report.message).toBe('completed');
    const placed = deps.watch.events.filter((e) => e.type === 'action' && e.action === 'replica-placed');
    expect(placed.length).toBeGreaterThan(0);
    expect(placed.every((e) => e.type === 'action' && /\[orders\]\[\d\] replica placed on es-data-\d+/.test(e.detail))).toBe(true);
    expect(report.replicasPlaced.map((r) => r.index)).toEqual(placed.map(() => 'orders'));
    expect(versions(world)).toEqual([TARGET]);
    expect(world.cluster.health().status).toBe('green');
    expect(deps.watch.minNodes).toBeGreaterThanOrEqual(4);
    // No copy was lost on the way: a lone copy's node was never terminated.
    expect(report.nodes.every((n) => n.outcome === 'replaced')).toBe(true);
    expect(report.durationMs).toBeLessThan(greenMs);
  });

  it('halts when an unassigned replica is held back by something other than versions, restoring allocation', async () => {
    const world = aWorld();
    world.when(
      (w) => w.joinedReplacements('data') === 1,
      (w) => w.createIndex({ name: 'pinned', primaries: 1, replicas: 1, excludeNames: w.cluster.nodes().filter((n) => n.roles.includes('data')).map((n) => n.name).slice(1) }),
    );
    const report = await runUpgrade(depsFor(world), options({ timeouts: { ...options().timeouts, greenMs: 1_800_000 } }));

    expect(report.outcome).toBe('halted');
    expect(report.exitCode).toBe(4);
    expect(report.message).toMatch(/timed out after 30m waiting for cluster green/);
    expect(report.terminatedInstanceIds.map((id) => roleOf(world, id))).toEqual(['master', 'master', 'master', 'data']);
    expect(await allocation(world)).toBeNull();
  });

  it('refuses a red cluster before any termination', async () => {
    const world = aWorld({ indices: [{ name: 'broken', primaries: 1, replicas: 0, requireName: 'nowhere' }] });
    const report = await runUpgrade(depsFor(world), options());
    expect(report).toMatchObject({ outcome: 'refused', exitCode: 3 });
    expect(report.refusals.map((r) => r.rule)).toContain('cluster_not_red');
    expect(world.terminatedInstanceIds()).toEqual([]);
  });

  it('halts when a replacement never joins, touching no further node and restoring allocation', async () => {
    const world = aWorld();
    world.injectLaunchFault({ group: 'data', nth: 1, neverJoins: true });
    const report = await runUpgrade(depsFor(world), options());
    expect(report.outcome).toBe('halted');
    expect(report.message).toMatch(/timed out after 15m waiting for 1 replacement of this upgrade to join/);
    expect(report.message).toMatch(/no further node will be touched/);
    expect(report.terminatedInstanceIds.map((id) => roleOf(world, id))).toEqual(['master', 'master', 'master', 'data']);
    expect(await allocation(world)).toBeNull();
  });

  it('halts when a replacement comes up with the wrong version tag', async () => {
    const world = aWorld();
    world.injectLaunchFault({ group: 'master', nth: 1, tagVersion: OLD });
    const report = await runUpgrade(depsFor(world), options());
    expect(report.outcome).toBe('halted');
    expect(report.message).toMatch(/Version=9\.4\.5, not 9\.5\.4/);
    expect(world.terminatedInstanceIds()).toHaveLength(1);
  });

  it('halts when a replacement runs the old Elasticsearch under the new tag', async () => {
    const world = aWorld();
    world.injectLaunchFault({ group: 'master', nth: 1, esVersion: OLD });
    const report = await runUpgrade(depsFor(world), options({ expectedEsVersion: TARGET }));
    expect(report.outcome).toBe('halted');
    expect(report.message).toMatch(/runs Elasticsearch 9\.4\.5, not 9\.5\.4/);
    expect(world.terminatedInstanceIds()).toHaveLength(1);
  });

  it('refuses before any termination when the launch template would not launch the target', async () => {
    const world = aWorld({ templateDefaultStale: true });
    const report = await runUpgrade(depsFor(world), options());
    expect(report).toMatchObject({ outcome: 'refused', exitCode: 3 });
    expect(report.refusals.map((r) => r.rule)).toEqual(['launch_template_at_target']);
    expect(world.terminatedInstanceIds()).toEqual([]);
  });

  it('refuses a single-copy shard, and drains it safely with --strategy drain', async () => {
    const indices = [{ name: 'no-replica', primaries: 3, replicas: 0, docsPerShard: 1000 }, { name: 'logs', primaries: 2, replicas: 1 }];
    const refused = await runUpgrade(depsFor(aWorld({ indices })), options());
    expect(refused.outcome).toBe('refused');
    expect(refused.refusals.map((r) => r.rule)).toContain('no_single_copy_shards');

    const world = aWorld({ indices });
    const drained = await runUpgrade(depsFor(world), options({ strategy: 'drain' }));
    expect(drained.outcome).toBe('completed');
    const shards = (await world.cluster.observe()).shards.filter((s) => s.index === 'no-replica');
    expect(shards.map((s) => s.state)).toEqual(['STARTED', 'STARTED', 'STARTED']);
    expect((await world.cluster.observe()).allocationExcludeNames).toEqual([]);
  });

  it('refuses while another controller holds the lock and renews it, naming it', async () => {
    const world = aWorld();
    await holdLease(world, 'ops-laptop:4242', { renewEveryMs: 60_000 });
    const report = await runUpgrade(depsFor(world), options());
    expect(report).toMatchObject({ outcome: 'refused', exitCode: 3 });
    expect(report.message).toMatch(/ops-laptop:4242/);
    expect(world.terminatedInstanceIds()).toEqual([]);
  });

  it('takes over a lease nobody renews within about one TTL, judged on its own clock', async () => {
    const world = aWorld();
    await holdLease(world, 'crashed-host:1', {});
    const started = world.clock.nowMs();
    const report = await runUpgrade(depsFor(world), options());
    expect(report.outcome).toBe('completed');
    const takeover = report.plan ? Date.parse(report.startedAt) : 0;
    expect(takeover).toBeGreaterThanOrEqual(started);
    const firstAction = report.nodes[0]?.startedAt;
    expect(firstAction).toBeDefined();
    const waitedMs = Date.parse(firstAction ?? '') - started;
    expect(waitedMs).toBeGreaterThanOrEqual(options().lockTtlMs);
    expect(waitedMs).toBeLessThan(options().lockTtlMs * 1.2);
  });

  it('on SIGTERM starts no new termination, restores allocation and reports interrupted', async () => {
    const world = aWorld();
    const controller = new AbortController();
    world.when(
      (w) => w.terminatedInstanceIds().some((id) => roleOf(w, id) === 'data'),
      () => controller.abort(new InterruptedError('SIGTERM')),
    );
    const report = await runUpgrade(depsFor(world, { signal: controller.signal }), options());
    expect(report).toMatchObject({ outcome: 'interrupted', exitCode: 143 });
    expect(world.terminatedInstanceIds().map((id) => roleOf(world, id))).toEqual(['master', 'master', 'master', 'data']);
    expect(await allocation(world)).toBeNull();
    // The upgrade's record stays, released, for the rerun to resume and report.
    expect(world.lock.peek()).toMatchObject({ holder: null, terminatedInstanceIds: world.terminatedInstanceIds() });
  });

  it('plan changes nothing and lists exactly the stale nodes', async () => {
    const world = aWorld();
    const report = await planUpgrade(depsFor(world), options());
    expect(report.outcome).toBe('planned');
    expect(report.plan.rows.filter((r) => r.action === 'replace')).toHaveLength(6);
    expect(world.terminatedInstanceIds()).toEqual([]);
    expect(world.lock.peek()).toBeUndefined();
  });
});

/** Another controller holding the world's lease, renewing it on schedule (or never: a crashed one). */
async function holdLease(world: SimulatedWorld, holder: string, o: { renewEveryMs?: number }): Promise<void> {
  const lock = world.newLock();
  const outcome = await lock.acquire(holder, TARGET, options().lockTtlMs);
  if (!outcome.acquired) throw new Error('could not take the lease');
  let record = outcome.record;
  const renew = (): void => {
    void lock.update(record, options().lockTtlMs).then((r) => (record = r));
    if (o.renewEveryMs) world.clock.after(o.renewEveryMs, renew, 'other-controller-renews');
  };
  if (o.renewEveryMs) world.clock.after(o.renewEveryMs, renew, 'other-controller-renews');
}

/** Freezes a controller mid-run, as kill -9 would: after `n` mutating calls, nothing it awaits ever returns. */
function killedAfter(n: number, cluster: Cluster, fleet: Fleet, lock: Lock): { cluster: Cluster; fleet: Fleet; lock: Lock; killed: () => boolean } {
  let calls = 0;
  const mutating = new Set(['putSettings', 'terminateInGroup', 'excludeFromVoting', 'clearVotingExclusions', 'allocateReplica']);
  const wrap = <T extends object>(port: T): T =>
    new Proxy(port, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]): unknown => {
          if (calls >= n) return new Promise(() => undefined);
          const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
          if (mutating.has(String(prop))) calls += 1;
          return result;
        };
      },
    });
  return { cluster: wrap(cluster), fleet: wrap(fleet), lock: wrap(lock), killed: () => calls >= n };
}

describe('kill -9 at every step, then rerun', () => {
  // A full run makes 12 mutating calls: 6 terminations and 3 ready/restore pairs of allocation settings.
  it.each(Array.from({ length: 12 }, (_, i) => i + 1))('killed after mutation %i: the rerun completes, never two nodes missing', async (n) => {
    const world = aWorld();
    const first = depsFor(world);
    const frozen = killedAfter(n, world.cluster, world.fleet, world.lock);
    void runUpgrade({ ...first, cluster: frozen.cluster, fleet: frozen.fleet, lock: frozen.lock }, options());
    // Let the doomed controller run until it freezes.
    for (let i = 0; i < 10_000 && !frozen.killed(); i++) await new Promise((r) => setImmediate(r));
    expect(frozen.killed()).toBe(true);

    const rerun = await runUpgrade(depsFor(world, { holder: 'controller-b' }), options());

    expect(rerun.outcome).toBe('completed');
    expect(world.lock.peek()).toBeUndefined();
    expect(versions(world)).toEqual([TARGET]);
    expect(first.watch.minNodes).toBeGreaterThanOrEqual(5);
    expect(await allocation(world)).toBeNull();
    const all = [...rerun.previouslyTerminatedInstanceIds, ...rerun.terminatedInstanceIds];
    expect(new Set(all)).toEqual(new Set(world.terminatedInstanceIds()));
  });
});

export type { UpgradeReport };
