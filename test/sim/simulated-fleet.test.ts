import { describe, expect, it } from 'vitest';
import { createSimulatedWorld, type SimulatedWorldOptions } from '../../src/sim/index.ts';
import { ServiceError } from '../../src/shared/errors.ts';

const base: SimulatedWorldOptions = { masters: 3, data: 3, fromVersion: '9.4.5', launchVersion: '9.5.4' };
const allGroups = { privateIps: [], instanceIds: [], groupNames: ['es-masters', 'es-data'] };

describe('SimulatedFleet', () => {
  it('gives instances deterministic ids, private IPs and zones round-robin', async () => {
    const a = await createSimulatedWorld(base).fleet.observe(allGroups);
    const b = await createSimulatedWorld(base).fleet.observe(allGroups);
    const c = await createSimulatedWorld({ ...base, seed: 2 }).fleet.observe(allGroups);
    expect(a.instances.map((i) => i.id)).toEqual(b.instances.map((i) => i.id));
    expect(a.instances.map((i) => i.id)).not.toEqual(c.instances.map((i) => i.id));
    for (const instance of a.instances) {
      expect(instance.id).toMatch(/^i-[0-9a-f]{17}$/);
      expect(instance.privateIp).toMatch(/^10\.0\.\d+\.\d+$/);
      expect(instance.state).toBe('running');
      expect(instance.tags).toMatchObject({ Version: '9.4.5', 'aws:autoscaling:groupName': instance.groupName });
    }
    expect(a.instances.slice(0, 3).map((i) => i.availabilityZone)).toEqual(['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
  });

  it.each([
    { case: 'template default at the target', options: {}, launchVersion: '9.5.4', source: /version 2 \(\$Default\)/ },
    { case: 'default still at the old version', options: { templateDefaultStale: true }, launchVersion: '9.4.5', source: /version 1 \(\$Default\)/ },
    { case: 'no new template version at all', options: { launchVersion: '9.4.5' }, launchVersion: '9.4.5', source: /version 1/ },
  ])('reports the groups launch version: $case', async ({ options, launchVersion, source }) => {
    const world = createSimulatedWorld({ ...base, ...options });
    const snapshot = await world.fleet.observe(allGroups);
    for (const group of snapshot.groups) {
      expect(group.launchVersion).toBe(launchVersion);
      expect(group.launchVersionSource).toMatch(source);
      expect(group.desiredCapacity).toBe(3);
    }
  });

  it('terminating in the group shuts the instance down and launches a replacement from the default template version, in the same zone', async () => {
    const world = createSimulatedWorld(base);
    const [old] = (await world.fleet.observe({ ...allGroups, groupNames: ['es-data'] })).instances;
    if (!old) throw new Error('no instance');

    await world.fleet.terminateInGroup(old.id);
    // The group takes it out of service; EC2 keeps it running until the hooks are done.
    expect(world.fleet.instance(old.id)).toMatchObject({ state: 'running', lifecycle: 'Terminating' });

    world.clock.advance(60_000);
    const after = await world.fleet.observe({ privateIps: [], instanceIds: [old.id], groupNames: [] });
    const gone = after.instances.find((i) => i.id === old.id);
    const replacement = after.instances.find((i) => i.id !== old.id && i.tags.Version === '9.5.4');
    expect(gone?.state).toBe('terminated');
    expect(gone?.privateIp).toBeUndefined();
    expect(replacement).toMatchObject({ state: 'running', availabilityZone: old.availabilityZone, groupName: 'es-data' });
    const group = after.groups.find((g) => g.name === 'es-data');
    expect(group?.desiredCapacity).toBe(3);
    expect(group?.instanceIds).toHaveLength(3);
    expect(group?.instanceIds).not.toContain(old.id);
    expect(world.terminatedInstanceIds()).toEqual([old.id]);
  });

  it('lists an instance found by IP together with every instance of its group', async () => {
    const world = createSimulatedWorld(base);
    const master = world.cluster.nodes().find((n) => n.name === 'es-master-1');
    const snapshot = await world.fleet.observe({ privateIps: [master?.ip ?? ''], instanceIds: [], groupNames: [] });
    expect(snapshot.groups.map((g) => g.name)).toEqual(['es-masters']);
    expect(snapshot.instances).toHaveLength(3);
  });

  it.each([
    { case: 'an unknown instance', id: () => 'i-00000000000000000', message: /ValidationError: Instance Id not found - No managed instance found/ },
    { case: 'an instance already terminating', id: (first: string) => first, message: /ValidationError: The instance i-\w+ is Terminating \(EC2 running\), not InService or Standby/ },
  ])('refuses to terminate $case', async ({ id, message }) => {
    const world = createSimulatedWorld(base);
    const first = world.fleet.instances()[0]?.id ?? '';
    await world.fleet.terminateInGroup(first);
    const error = await world.fleet.terminateInGroup(id(first)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as Error).message).toMatch(message);
  });

  it('launches no replacement while Launch is suspended, and one when it is resumed', async () => {
    const world = createSimulatedWorld({ ...base, suspendedProcesses: { data: ['Launch'] } });
    const groups = await world.fleet.observe(allGroups);
    expect(groups.groups.find((g) => g.name === 'es-data')?.suspendedProcesses).toEqual(['Launch']);
    const old = world.fleet.instances().find((i) => i.role === 'data');
    await world.fleet.terminateInGroup(old?.id ?? '');
    world.clock.advance(3_600_000);
    expect(world.fleet.replacementsLaunched('data')).toBe(0);
    world.fleet.resumeProcesses('data', ['Launch']);
    expect(world.fleet.replacementsLaunched('data')).toBe(1);
  });

  it('launches with a wrong version tag when the template says so', async () => {
    const world = createSimulatedWorld(base);
    world.fleet.setLaunchVersion('data', '9.5.3');
    const old = world.fleet.instances().find((i) => i.role === 'data');
    await world.fleet.terminateInGroup(old?.id ?? '');
    world.clock.advance(60_000);
    const replacement = world.fleet.instances().at(-1);
    expect(replacement?.tags.Version).toBe('9.5.3');
  });
});

describe('SimulatedFleet terminate failures', () => {
  it.each([
    { case: 'fails without effect', applied: false, lifecycle: 'InService', recorded: 0 },
    { case: 'fails after terminating (a lost response)', applied: true, lifecycle: 'Terminating', recorded: 1 },
  ])('the next terminate call $case', async ({ applied, lifecycle, recorded }) => {
    const world = createSimulatedWorld(base);
    const id = world.fleet.instances()[3]?.id ?? '';
    world.injectTerminateFailure({ applied, message: 'RequestTimeout' });
    await expect(world.fleet.terminateInGroup(id)).rejects.toThrow(/RequestTimeout/);
    expect(world.fleet.instance(id)).toMatchObject({ state: 'running', lifecycle });
    expect(world.terminatedInstanceIds()).toHaveLength(recorded);
    if (!applied) await expect(world.fleet.terminateInGroup(id)).resolves.toBeUndefined();
  });
});
