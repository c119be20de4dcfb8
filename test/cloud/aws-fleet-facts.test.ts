// Ticks after the first: what EC2 said about a quiet member stands, and only what may have changed is
// read again (src/cloud/instance-facts.ts).

import { AutoScalingClient, DescribeAutoScalingGroupsCommand, type AutoScalingGroup, type LifecycleState } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { AwsFleet } from '../../src/cloud/aws-fleet.ts';
import { silentLogger } from '../../src/shared/log.ts';
import type { FleetQuery } from '../../src/upgrade/ports.ts';
import { aGroup, anInstance } from './builders.ts';
import { serveInstances } from './fake-ec2.ts';

const ec2Mock = mockClient(EC2Client);
const asgMock = mockClient(AutoScalingClient);
const MAX_AGE_MS = 300_000;

let nowMs = 0;

function newFleet(): AwsFleet {
  return new AwsFleet(new EC2Client({ region: 'eu-west-1' }), new AutoScalingClient({ region: 'eu-west-1' }), silentLogger(), {
    retry: { retries: 2, minDelayMs: 1, maxDelayMs: 2 },
    factsMaxAgeMs: MAX_AGE_MS,
    now: () => nowMs,
  });
}

function serveGroups(groups: AutoScalingGroup[]): void {
  asgMock.on(DescribeAutoScalingGroupsCommand).callsFake((input: { AutoScalingGroupNames?: string[] }) => ({
    AutoScalingGroups: groups.filter((g) => input.AutoScalingGroupNames?.includes(g.AutoScalingGroupName ?? '')),
  }));
}

/** Each DescribeInstances call since the last reset, as { filter: values }. */
function describes(): Record<string, string[]>[] {
  return ec2Mock.commandCalls(DescribeInstancesCommand).map((call) => {
    const input = call.args[0].input as { Filters?: { Name?: string; Values?: string[] }[] };
    return Object.fromEntries((input.Filters ?? []).map((f) => [f.Name ?? '', f.Values ?? []]));
  });
}

/** A data instance in service, tagged with its group and version. */
function dataInstance(n: number, version = '9.4.5'): Instance {
  return anInstance(`i-${n}`).withIp(`10.0.0.${n}`).inGroup('es-data').withTag('Version', version).value;
}

function setLifecycle(group: AutoScalingGroup, id: string, state: LifecycleState): void {
  const member = group.Instances?.find((m) => m.InstanceId === id);
  if (!member) throw new Error(`${id} is not a member`);
  member.LifecycleState = state;
}

/** Three data instances in es-data, observed once: the facts are known. */
async function aQuietFleet(): Promise<{ fleet: AwsFleet; instances: Instance[]; group: AutoScalingGroup; query: FleetQuery }> {
  const instances = [1, 2, 3].map((n) => dataInstance(n));
  const group = aGroup('es-data').withInstances('i-1', 'i-2', 'i-3').value;
  serveInstances(ec2Mock, instances);
  serveGroups([group]);
  const fleet = newFleet();
  const query = { privateIps: ['10.0.0.1', '10.0.0.2', '10.0.0.3'], instanceIds: [], groupNames: [] };
  await fleet.observe(query);
  ec2Mock.resetHistory();
  asgMock.resetHistory();
  return { fleet, instances, group, query };
}

beforeEach(() => {
  ec2Mock.reset();
  asgMock.reset();
  nowMs = 1_000_000;
});

describe('AwsFleet.observe after the first tick', () => {
  it('reads no instance of 1,000 in service: one member list stands for them, facts and lifecycle alike', async () => {
    // Prepare
    const instances = Array.from({ length: 1_000 }, (_, n) =>
      anInstance(`i-${n}`).withIp(`10.1.${Math.floor(n / 250)}.${n % 250}`).inGroup('es-data').withTag('Version', '9.4.5').value,
    );
    serveInstances(ec2Mock, instances);
    serveGroups([aGroup('es-data').withInstances(...instances.map((i) => i.InstanceId ?? '')).value]);
    const fleet = newFleet();
    const query = { privateIps: instances.map((i) => i.PrivateIpAddress ?? ''), instanceIds: [], groupNames: [] };
    const first = await fleet.observe(query);
    ec2Mock.resetHistory();
    asgMock.resetHistory();

    // Act
    nowMs += 10_000;
    const second = await fleet.observe(query);

    // Assess
    expect(describes()).toEqual([]);
    expect(asgMock.commandCalls(DescribeAutoScalingGroupsCommand)).toHaveLength(1);
    expect(second).toEqual(first);
    expect(second.instances).toHaveLength(1_000);
    expect(second.instances.every((i) => i.lifecycleState === 'InService' && i.tags.Version === '9.4.5')).toBe(true);
  });

  it('reads again a member the group has started terminating, and sees EC2 shut it down', async () => {
    // Prepare: the group terminates i-2; EC2 says running at first, then shutting-down.
    const { fleet, instances, group, query } = await aQuietFleet();
    setLifecycle(group, 'i-2', 'Terminating');

    // Act
    const terminating = await fleet.observe(query);
    const i2 = instances[1];
    if (i2) i2.State = { Name: 'shutting-down' };
    const shuttingDown = await fleet.observe(query);

    // Assess: i-2 alone, each tick.
    expect(describes()).toEqual([{ 'instance-id': ['i-2'] }, { 'instance-id': ['i-2'] }]);
    expect(terminating.instances.find((i) => i.id === 'i-2')).toMatchObject({ state: 'running', lifecycleState: 'Terminating' });
    expect(shuttingDown.instances.find((i) => i.id === 'i-2')).toMatchObject({ state: 'shutting-down', lifecycleState: 'Terminating' });
  });

  it('reads again a member its group found unhealthy, though still in service', async () => {
    // Prepare: EC2 stopped i-1 behind the group's back; the group's health check noticed.
    const { fleet, instances, group, query } = await aQuietFleet();
    const i1 = instances[0];
    if (i1) i1.State = { Name: 'stopped' };
    const member = group.Instances?.[0];
    if (member) member.HealthStatus = 'Unhealthy';

    // Act
    const snapshot = await fleet.observe(query);

    // Assess
    expect(describes()).toEqual([{ 'instance-id': ['i-1'] }]);
    expect(snapshot.instances.find((i) => i.id === 'i-1')).toMatchObject({ state: 'stopped', lifecycleState: 'InService' });
  });

  it('reads a replacement each tick until it is in service, running and tagged, then no more', async () => {
    // Prepare: i-4 joins the group, pending, its version tag not there yet (tags can come late).
    const { fleet, instances, group, query } = await aQuietFleet();
    const replacement = anInstance('i-4').withIp('10.0.0.4').inGroup('es-data').inState('pending').value;
    instances.push(replacement);
    group.Instances?.push({ InstanceId: 'i-4', AvailabilityZone: 'eu-west-1a', LifecycleState: 'Pending', HealthStatus: 'Healthy', ProtectedFromScaleIn: false });
    const seen: (string | undefined)[][] = [];
    const tick = async (): Promise<void> => {
      const snapshot = await fleet.observe(query);
      const i4 = snapshot.instances.find((i) => i.id === 'i-4');
      seen.push([i4?.state, i4?.lifecycleState, i4?.tags.Version]);
    };

    // Act: pending; running and in service without the tag; tagged; quiet.
    await tick();
    replacement.State = { Name: 'running', Code: 16 };
    setLifecycle(group, 'i-4', 'InService');
    await tick();
    replacement.Tags?.push({ Key: 'Version', Value: '9.5.4' });
    await tick();
    await tick();

    // Assess
    expect(seen).toEqual([
      ['pending', 'Pending', undefined],
      ['running', 'InService', undefined],
      ['running', 'InService', '9.5.4'],
      ['running', 'InService', '9.5.4'],
    ]);
    expect(describes()).toEqual([{ 'instance-id': ['i-4'] }, { 'instance-id': ['i-4'] }, { 'instance-id': ['i-4'] }]);
  });

  it('reads every member again once its facts are older than their age limit, and sees a tag edited by hand', async () => {
    // Prepare
    const { fleet, instances, query } = await aQuietFleet();
    const tag = instances[0]?.Tags?.find((t) => t.Key === 'Version');
    if (tag) tag.Value = '9.5.4';

    // Act: just inside the limit, then at it.
    nowMs += MAX_AGE_MS - 1;
    const inside = await fleet.observe(query);
    const readInside = describes().length;
    nowMs += 1;
    const at = await fleet.observe(query);

    // Assess
    expect(readInside).toBe(0);
    expect(inside.instances.find((i) => i.id === 'i-1')?.tags.Version).toBe('9.4.5');
    expect(describes()).toEqual([{ 'instance-id': ['i-1', 'i-2', 'i-3'] }]);
    expect(at.instances.find((i) => i.id === 'i-1')?.tags.Version).toBe('9.5.4');
  });

  it('reads by tag, a call per 1,000, when more than 200 members need reading at once', async () => {
    // Prepare: 500 members in service but not yet tagged with a version.
    const instances = Array.from({ length: 500 }, (_, n) => anInstance(`i-${n}`).withIp(`10.2.${Math.floor(n / 250)}.${n % 250}`).inGroup('es-data').value);
    serveInstances(ec2Mock, instances);
    serveGroups([aGroup('es-data').withInstances(...instances.map((i) => i.InstanceId ?? '')).value]);
    const fleet = newFleet();
    const query = { privateIps: instances.map((i) => i.PrivateIpAddress ?? ''), instanceIds: [], groupNames: [] };
    await fleet.observe(query);
    ec2Mock.resetHistory();

    // Act
    const snapshot = await fleet.observe(query);

    // Assess
    expect(describes()).toEqual([{ 'tag:aws:autoscaling:groupName': ['es-data'] }]);
    expect(snapshot.instances).toHaveLength(500);
  });

  it('reads an instance that left its group afresh each tick until EC2 says terminated, then keeps that', async () => {
    // Prepare: i-3 was terminated by the run (the lease names it) and is no longer a member.
    const { fleet, instances, group, query } = await aQuietFleet();
    group.Instances = group.Instances?.filter((m) => m.InstanceId !== 'i-3');
    const i3 = instances[2];
    if (i3) i3.State = { Name: 'shutting-down' };
    const named = { ...query, instanceIds: ['i-3'] };

    // Act
    const leaving = await fleet.observe(named);
    if (i3) i3.State = { Name: 'terminated' };
    const gone = await fleet.observe(named);
    const after = await fleet.observe(named);

    // Assess: read on the first two ticks, known on the third.
    expect(describes()).toEqual([{ 'instance-id': ['i-3'] }, { 'instance-id': ['i-3'] }]);
    expect([leaving, gone, after].map((s) => s.instances.find((i) => i.id === 'i-3')?.state)).toEqual(['shutting-down', 'terminated', 'terminated']);
    expect(after.instances.find((i) => i.id === 'i-3')?.lifecycleState).toBeUndefined();
  });

  it('leaves out a member EC2 no longer answers for, rather than stand in its old facts', async () => {
    // Prepare: i-2 is terminating, and EC2 has already forgotten it.
    const { fleet, instances, group, query } = await aQuietFleet();
    setLifecycle(group, 'i-2', 'Terminating');
    instances.splice(1, 1);

    // Act
    const snapshot = await fleet.observe(query);

    // Assess
    expect(snapshot.instances.map((i) => i.id)).toEqual(['i-1', 'i-3']);
    expect(snapshot.groups[0]?.instanceIds).toEqual(['i-1', 'i-2', 'i-3']);
  });

  it('reads the known groups while the query is still in the making', async () => {
    // Prepare: the query comes once the cluster has been read.
    const { fleet, query } = await aQuietFleet();
    let give: (q: FleetQuery) => void = () => undefined;
    const pending = new Promise<FleetQuery>((resolve) => {
      give = resolve;
    });

    // Act
    const observing = fleet.observe(pending);
    await vi.waitFor(() => {
      expect(asgMock.commandCalls(DescribeAutoScalingGroupsCommand)).toHaveLength(1);
    });
    give(query);
    const snapshot = await observing;

    // Assess
    expect(snapshot.instances.map((i) => i.id)).toEqual(['i-1', 'i-2', 'i-3']);
    expect(asgMock.commandCalls(DescribeAutoScalingGroupsCommand)).toHaveLength(1);
  });

  it('reads afresh when a node turns out to be on an instance of a group not known yet', async () => {
    // Prepare: a master node appears whose instance is in es-masters, never described so far.
    const { fleet, instances, group, query } = await aQuietFleet();
    instances.push(anInstance('i-m').withIp('10.0.1.1').inGroup('es-masters').withTag('Version', '9.4.5').value);
    serveGroups([group, aGroup('es-masters').withInstances('i-m').value]);

    // Act
    const snapshot = await fleet.observe({ ...query, privateIps: [...query.privateIps, '10.0.1.1'] });

    // Assess
    expect(snapshot.groups.map((g) => g.name)).toEqual(['es-data', 'es-masters']);
    expect(snapshot.instances.find((i) => i.id === 'i-m')).toMatchObject({ groupName: 'es-masters', lifecycleState: 'InService' });
    // The stranger's address, then a fresh read: the known group by tag, the address, its group by tag.
    expect(describes()).toEqual([
      { 'private-ip-address': ['10.0.1.1'] },
      { 'tag:aws:autoscaling:groupName': ['es-data'] },
      { 'private-ip-address': ['10.0.1.1'] },
      { 'tag:aws:autoscaling:groupName': ['es-masters'] },
    ]);
  });
});
