import { describe, expect, it } from 'vitest';
import { createSimulatedWorld, type SimulatedWorld, type SimulatedWorldOptions } from '../../src/sim/index.ts';
import { ServiceError } from '../../src/shared/errors.ts';

const base: SimulatedWorldOptions = { masters: 3, data: 3, fromVersion: '9.4.5', launchVersion: '9.5.4' };
const T0 = new Date('2026-11-28T04:30:00Z').getTime();
const allGroups = { privateIps: [], instanceIds: [], groupNames: ['es-masters', 'es-data'] };
const timings = { terminatingMs: 1_000, terminationHookMs: 20_000, nodeLeaveMs: 30_000, shutdownMs: 45_000, replacementLaunchMs: 10_000, instanceStartMs: 30_000 };

function dataInstance(world: SimulatedWorld, name = 'es-data-1'): string {
  const id = world.cluster.node(name)?.instanceId;
  if (!id) throw new Error(`no node ${name}`);
  return id;
}

const since = (world: SimulatedWorld): number => world.clock.nowMs() - T0;

describe('Auto Scaling lifecycle of a terminated instance', () => {
  it('goes Terminating, Terminating:Wait, Terminating:Proceed, Terminated; EC2 runs and the node stays until the hook is done', async () => {
    const world = createSimulatedWorld({ ...base, timings });
    const id = dataInstance(world);
    const nodePresent: [number, boolean][] = [];
    world.onEvent((w) => nodePresent.push([since(w), w.cluster.node('es-data-1') !== undefined]));
    await world.fleet.terminateInGroup(id);
    world.clock.advance(10 * 60_000);

    expect(world.fleet.lifecycleTrace(id)).toEqual([
      { atMs: T0, lifecycle: 'InService', state: 'running' },
      { atMs: T0, lifecycle: 'Terminating', state: 'running' },
      { atMs: T0 + 1_000, lifecycle: 'Terminating:Wait', state: 'running' },
      { atMs: T0 + 21_000, lifecycle: 'Terminating:Proceed', state: 'shutting-down' },
      { atMs: T0 + 66_000, lifecycle: 'Terminated', state: 'terminated' },
    ]);
    // A slow node takes the full 30 s to stop once the instance shuts down.
    const lastPresent = nodePresent.filter(([, present]) => present).at(-1)?.[0];
    const firstGone = nodePresent.find(([, present]) => !present)?.[0];
    expect(lastPresent).toBeLessThan(51_000);
    expect(firstGone).toBe(51_000);
  });

  it('reports each member\'s lifecycle state in observe, and drops a terminated instance from its group', async () => {
    const world = createSimulatedWorld({ ...base, timings });
    const id = dataInstance(world);
    const ip = world.cluster.node('es-data-1')?.ip ?? '';
    await world.fleet.terminateInGroup(id);
    world.clock.advance(5_000);
    const waiting = await world.fleet.observe({ privateIps: [ip], instanceIds: [], groupNames: [] });
    expect(waiting.instances.find((i) => i.id === id)).toMatchObject({ state: 'running', lifecycleState: 'Terminating:Wait' });
    expect(waiting.instances.filter((i) => i.id !== id).every((i) => i.lifecycleState === 'InService' || i.lifecycleState === 'Pending')).toBe(true);

    world.clock.advance(10 * 60_000);
    const gone = await world.fleet.observe({ privateIps: [], instanceIds: [id], groupNames: [] });
    const terminated = gone.instances.find((i) => i.id === id);
    expect(terminated).toMatchObject({ state: 'terminated' });
    expect(terminated?.lifecycleState).toBeUndefined();
    expect(gone.groups[0]?.instanceIds).not.toContain(id);
    // Not queried by id, a terminated instance is not listed at all: like DescribeAutoScalingGroups.
    const byGroup = await world.fleet.observe(allGroups);
    expect(byGroup.instances.map((i) => i.id)).not.toContain(id);
  });

  it.each([
    { launch: 'on-terminate' as const, pendingAt: 10_000 },
    { launch: 'after-termination' as const, pendingAt: 76_000 },
  ])('launches the replacement $launch, at +$pendingAt ms', async ({ launch, pendingAt }) => {
    const world = createSimulatedWorld({ ...base, timings, replacementLaunch: launch });
    await world.fleet.terminateInGroup(dataInstance(world));
    world.clock.advance(10 * 60_000);
    const replacement = world.fleet.instances().at(-1);
    expect(replacement?.launchTimeMs).toBe(T0 + pendingAt);
    expect(world.fleet.lifecycleTrace(replacement?.id ?? '')[0]).toEqual({ atMs: T0 + pendingAt, lifecycle: 'Pending', state: 'pending' });
  });

  it('holds a replacement in Pending:Wait under a launch hook while its node already boots', async () => {
    const world = createSimulatedWorld({ ...base, timings: { ...timings, launchHookMs: 120_000, bootMs: 60_000 } });
    await world.fleet.terminateInGroup(dataInstance(world));
    world.clock.advance(10 * 60_000);
    const replacement = world.fleet.instances().at(-1);
    expect(world.fleet.lifecycleTrace(replacement?.id ?? '')).toEqual([
      { atMs: T0 + 10_000, lifecycle: 'Pending', state: 'pending' },
      { atMs: T0 + 40_000, lifecycle: 'Pending:Wait', state: 'running' },
      { atMs: T0 + 160_000, lifecycle: 'InService', state: 'running' },
    ]);
    expect(world.cluster.node('es-data-4')?.joinedAtMs).toBe(T0 + 100_000);
  });
});

describe('a terminate of an instance already terminating', () => {
  it('is rejected by default as a ValidationError, not transient, and counted', async () => {
    const world = createSimulatedWorld(base);
    const id = dataInstance(world);
    await world.fleet.terminateInGroup(id);
    const error = await world.fleet.terminateInGroup(id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect(error).toMatchObject({ transient: false, message: expect.stringMatching(/ValidationError: The instance i-\w+ is Terminating/) as unknown });
    expect(world.fleet.terminateCallCount(id)).toBe(2);
    expect(world.fleet.terminateCalls().map((c) => c.outcome)).toEqual(['terminated', 'rejected']);
    expect(world.terminatedInstanceIds()).toEqual([id]);
  });

  it('is accepted again with repeatedTerminate: accept, changing nothing but the count', async () => {
    const world = createSimulatedWorld({ ...base, repeatedTerminate: 'accept' });
    const id = dataInstance(world);
    await world.fleet.terminateInGroup(id);
    world.clock.advance(5_000);
    await expect(world.fleet.terminateInGroup(id)).resolves.toBeUndefined();
    world.clock.advance(10 * 60_000);
    expect(world.fleet.terminateCallCount(id)).toBe(2);
    expect(world.fleet.terminateCalls().map((c) => c.outcome)).toEqual(['terminated', 'repeated']);
    expect(world.fleet.replacementsLaunched('data')).toBe(1);
    expect(world.terminatedInstanceIds()).toEqual([id]);
  });

  it('of an instance gone from its group is "not found", whatever the mode', async () => {
    const world = createSimulatedWorld({ ...base, repeatedTerminate: 'accept' });
    const id = dataInstance(world);
    await world.fleet.terminateInGroup(id);
    world.clock.advance(10 * 60_000);
    await expect(world.fleet.terminateInGroup(id)).rejects.toThrow(/No managed instance found for instance ID/);
  });
});

describe('Standby and warm pools', () => {
  it('puts the first instances of a group in Standby: still running, still a node, not counted toward desired capacity', async () => {
    const world = createSimulatedWorld({ ...base, standby: { data: 1 } });
    const snapshot = await world.fleet.observe(allGroups);
    const data = snapshot.instances.filter((i) => i.groupName === 'es-data');
    expect(data.map((i) => i.lifecycleState)).toEqual(['Standby', 'InService', 'InService']);
    expect(snapshot.groups.find((g) => g.name === 'es-data')).toMatchObject({ desiredCapacity: 2, instanceIds: data.map((i) => i.id) });
    expect(world.cluster.nodes()).toHaveLength(6);

    world.fleet.exitStandby(data[0]?.id ?? '');
    const back = await world.fleet.observe(allGroups);
    expect(back.instances.find((i) => i.id === data[0]?.id)?.lifecycleState).toBe('InService');
    expect(back.groups.find((g) => g.name === 'es-data')?.desiredCapacity).toBe(3);
  });

  it('replaces from the warm pool: launched before the upgrade began, from the template of then', async () => {
    const world = createSimulatedWorld({ ...base, warmPools: { data: 2 } });
    const groups = (await world.fleet.observe(allGroups)).groups;
    expect(groups.find((g) => g.name === 'es-data')?.hasWarmPool).toBe(true);
    expect(groups.find((g) => g.name === 'es-masters')?.hasWarmPool).toBeUndefined();
    // Pool instances are not members: observe does not list them.
    expect((await world.fleet.observe(allGroups)).instances).toHaveLength(6);

    await world.fleet.terminateInGroup(dataInstance(world));
    world.clock.advance(10 * 60_000);
    const after = await world.fleet.observe(allGroups);
    const replacement = after.instances.find((i) => i.groupName === 'es-data' && i.lifecycleState === 'InService' && (i.launchTime?.getTime() ?? 0) > T0 - 30 * 24 * 3600_000);
    expect(replacement?.launchTime?.getTime()).toBe(T0 - 24 * 3600_000);
    expect(replacement?.tags.Version).toBe('9.4.5');
    expect(world.cluster.node('es-data-4')?.version).toBe('9.4.5');
  });
});

describe('API faults', () => {
  it('throttles terminateInGroup by count: transient, did not land, counted as calls', async () => {
    const world = createSimulatedWorld({ ...base, faults: [{ operation: 'terminateInGroup', count: 2, kind: 'ScalingActivityInProgress' }] });
    const id = dataInstance(world);
    for (let i = 0; i < 2; i += 1) {
      const error = await world.fleet.terminateInGroup(id).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ServiceError);
      expect(error).toMatchObject({ transient: true, service: 'aws', message: expect.stringMatching(/ScalingActivityInProgressFault/) as unknown });
      expect(world.fleet.instance(id)?.lifecycle).toBe('InService');
    }
    await world.fleet.terminateInGroup(id);
    expect(world.fleet.instance(id)?.lifecycle).toBe('Terminating');
    expect(world.fleet.terminateCalls().map((c) => c.outcome)).toEqual(['failed', 'failed', 'terminated']);
    expect(world.apiCalls('terminateInGroup')).toBe(3);
  });

  it.each([
    { operation: 'fleet.observe', kind: 'RequestLimitExceeded' as const, call: (w: SimulatedWorld) => w.fleet.observe(allGroups), message: /DescribeAutoScalingGroups failed: RequestLimitExceeded/ },
    { operation: 'fleet.observe', kind: undefined, call: (w: SimulatedWorld) => w.fleet.observe(allGroups), message: /Throttling: Rate exceeded/ },
    { operation: 'observe', kind: undefined, call: (w: SimulatedWorld) => w.cluster.observe(), message: /observe failed: HTTP 503/ },
    { operation: 'waitForHealth', kind: 'ConnectionError' as const, call: (w: SimulatedWorld) => w.cluster.waitForHealth({ status: 'green', timeoutMs: 1000 }), message: /ECONNREFUSED/ },
    { operation: 'lease.read', kind: 'TooManyRequests' as const, call: (w: SimulatedWorld) => w.lock.inspect(), message: /HTTP 429/ },
  ])('fails $operation once with $kind, transient, then answers', async ({ operation, kind, call, message }) => {
    const world = createSimulatedWorld({ ...base, faults: [{ operation, ...(kind ? { kind } : {}) }] });
    const error = await call(world).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as ServiceError).transient).toBe(true);
    expect((error as Error).message).toMatch(message);
    await expect(call(world)).resolves.not.toBeInstanceOf(Error);
  });

  it('drops a settings update that fails: the setting is unchanged', async () => {
    const world = createSimulatedWorld(base);
    world.injectFault({ operation: 'putSettings', kind: 'ConnectionError' });
    await expect(world.cluster.setAllocationEnable('primaries')).rejects.toThrow(/ECONNREFUSED/);
    expect((await world.cluster.observe()).allocationEnable).toBeNull();
  });

  it('skips the first calls when told, then fails the next ones', async () => {
    const world = createSimulatedWorld({ ...base, faults: [{ operation: 'observe', skip: 2, count: 1 }] });
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i += 1) outcomes.push(await world.cluster.observe().then(() => 'ok', () => 'failed'));
    expect(outcomes).toEqual(['ok', 'ok', 'failed', 'ok']);
  });

  it('fails by seeded probability: the same seed fails the same calls, another seed others', async () => {
    const pattern = async (seed: number): Promise<string> => {
      const world = createSimulatedWorld({ ...base, seed, faults: [{ operation: 'fleet.observe', probability: 0.3 }] });
      let out = '';
      for (let i = 0; i < 200; i += 1) {
        out += await world.fleet.observe(allGroups).then(() => '.', () => 'x');
        if (i % 50 === 49) await world.clock.sleep(1_000);
      }
      return out;
    };
    const a = await pattern(7);
    expect(await pattern(7)).toBe(a);
    expect(await pattern(8)).not.toBe(a);
    const failures = [...a].filter((c) => c === 'x').length;
    expect(failures).toBeGreaterThan(35);
    expect(failures).toBeLessThan(85);
  });

  it('keeps ids the same when faults are added', async () => {
    const idsAfterReplacement = async (world: SimulatedWorld): Promise<string[]> => {
      for (let i = 0; i < 10; i += 1) await world.cluster.observe().catch(() => undefined);
      await world.fleet.terminateInGroup(dataInstance(world));
      world.clock.advance(10 * 60_000);
      return [...world.fleet.instances().map((i) => i.id), ...world.cluster.nodes().map((n) => n.id)];
    };
    const faulty = createSimulatedWorld({ ...base, faults: [{ operation: 'observe', probability: 0.5 }] });
    const ids = await idsAfterReplacement(faulty);
    expect(faulty.violations()).toEqual([]);
    expect(faulty.apiCalls('observe')).toBe(10);
    expect(ids).toEqual(await idsAfterReplacement(createSimulatedWorld(base)));
  });

  it('rejects a probability outside 0..1', () => {
    expect(() => createSimulatedWorld({ ...base, faults: [{ operation: 'observe', probability: 1.5 }] })).toThrow(/within 0\.\.1, got 1\.5/);
  });
});

describe('API latency', () => {
  it('costs virtual time per call, by operation, and answers with the world as it is then', async () => {
    const world = createSimulatedWorld({ ...base, latency: { defaultMs: 50, perOperationMs: { 'fleet.observe': 800 } } });
    await world.cluster.observe();
    expect(since(world)).toBe(50);
    await world.fleet.observe(allGroups);
    expect(since(world)).toBe(850);
    // The terminate lands when its answer comes, 50 ms after the call.
    const id = dataInstance(world);
    await world.fleet.terminateInGroup(id);
    expect(world.fleet.lifecycleTrace(id).at(-1)).toEqual({ atMs: T0 + 900, lifecycle: 'Terminating', state: 'running' });
  });

  it('drops a call whose caller aborts while it is under way', async () => {
    const world = createSimulatedWorld({ ...base, latency: { defaultMs: 1_000 } });
    const controller = new AbortController();
    const reason = new Error('SIGTERM');
    world.clock.after(500, () => controller.abort(reason));
    const id = dataInstance(world);
    await expect(world.fleet.terminateInGroup(id, controller.signal)).rejects.toBe(reason);
    await world.clock.sleep(5_000);
    expect(world.fleet.instance(id)?.lifecycle).toBe('InService');
  });
});

describe('invariants checked at every event', () => {
  const invariants = (world: SimulatedWorld): void => {
    world.always('no two data nodes missing', (w) => {
      const data = w.cluster.nodes().filter((n) => n.roles.includes('data')).length;
      return data >= 2 ? null : `${data} data nodes`;
    });
    world.always('an elected master with a quorum', (w) => (w.cluster.quorumPresent() ? null : 'no quorum'));
    world.always('every instance terminated at most once', (w) => {
      const ids = w.terminatedInstanceIds();
      return new Set(ids).size === ids.length ? null : `terminated twice: ${ids.join(',')}`;
    });
  };

  it('finds none in a careful one-at-a-time replacement', async () => {
    const world = createSimulatedWorld(base);
    invariants(world);
    for (const name of ['es-data-1', 'es-data-2']) {
      await world.cluster.setAllocationEnable('primaries');
      await world.fleet.terminateInGroup(dataInstance(world, name));
      await world.cluster.waitForHealth({ nodes: '<6', timeoutMs: 600_000 });
      await world.cluster.waitForHealth({ nodes: '6', timeoutMs: 600_000 });
      await world.cluster.setAllocationEnable(null);
      await world.cluster.waitForHealth({ status: 'green', timeoutMs: 3_600_000 });
    }
    expect(world.violations()).toEqual([]);
  });

  it('records the event at which two data nodes went missing', async () => {
    const world = createSimulatedWorld(base);
    invariants(world);
    await world.fleet.terminateInGroup(dataInstance(world, 'es-data-1'));
    await world.fleet.terminateInGroup(dataInstance(world, 'es-data-2'));
    await world.cluster.waitForHealth({ nodes: '4', timeoutMs: 600_000 });
    const first = world.violations()[0];
    expect(first).toMatchObject({ invariant: 'no two data nodes missing', event: 'node-left', detail: '1 data nodes' });
    expect(first?.at.getTime()).toBe(T0 + 13_000);
  });
});
