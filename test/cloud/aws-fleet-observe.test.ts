import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  type AutoScalingGroup,
} from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, DescribeLaunchTemplateVersionsCommand, EC2Client, EC2ServiceException } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsFleet } from '../../src/cloud/aws-fleet.ts';
import { ServiceError } from '../../src/shared/errors.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { aGroup, anInstance, aTemplateVersion } from './builders.ts';
import { serveInstances } from './fake-ec2.ts';

const ec2Mock = mockClient(EC2Client);
const asgMock = mockClient(AutoScalingClient);
const fast = { retries: 2, minDelayMs: 1, maxDelayMs: 2 };

function newFleet(versionTagKey?: string): AwsFleet {
  return new AwsFleet(new EC2Client({ region: 'eu-west-1' }), new AutoScalingClient({ region: 'eu-west-1' }), silentLogger(), {
    retry: fast,
    ...(versionTagKey ? { versionTagKey } : {}),
  });
}

function serveGroups(groups: AutoScalingGroup[]): void {
  asgMock.on(DescribeAutoScalingGroupsCommand).callsFake((input: { AutoScalingGroupNames?: string[] }) => ({
    AutoScalingGroups: groups.filter((g) => input.AutoScalingGroupNames?.includes(g.AutoScalingGroupName ?? '')),
  }));
}

function filterValuesOf(call: { args: [{ input: object }] }): string[] {
  const input = call.args[0].input as { Filters?: { Values?: string[] }[] };
  return input.Filters?.[0]?.Values ?? [];
}

/** Each call's filters, as { name: values }. */
function filtersOf(calls: { args: [{ input: object }] }[]): Record<string, string[]>[] {
  return calls.map((call) => {
    const input = call.args[0].input as { Filters?: { Name?: string; Values?: string[] }[] };
    return Object.fromEntries((input.Filters ?? []).map((f) => [f.Name ?? '', f.Values ?? []]));
  });
}

/** `size` instances: three masters in es-masters, the rest in es-data, every one in service, tagged with a version unless told. */
function aFleetOf(size: number, tagged = true): { instances: ReturnType<typeof anInstance>['value'][]; groups: AutoScalingGroup[]; ips: string[] } {
  const instances = Array.from({ length: size }, (_, n) => {
    const instance = anInstance(`i-${n}`).withIp(`10.1.${Math.floor(n / 250)}.${n % 250}`).inGroup(n < 3 ? 'es-masters' : 'es-data');
    return (tagged ? instance.withTag('Version', '9.4.5') : instance).value;
  });
  const ids = instances.map((i) => i.InstanceId ?? '');
  return {
    instances,
    groups: [aGroup('es-masters').withInstances(...ids.slice(0, 3)).value, aGroup('es-data').withInstances(...ids.slice(3)).value],
    ips: instances.map((i) => i.PrivateIpAddress ?? ''),
  };
}

beforeEach(() => {
  ec2Mock.reset();
  asgMock.reset();
});

describe('AwsFleet.observe', () => {
  it('never calls DescribeInstances once per node: 450 private IPs take three filtered calls', async () => {
    // Prepare
    const ips = Array.from({ length: 450 }, (_, n) => `10.0.${Math.floor(n / 250)}.${n % 250}`);
    serveInstances(ec2Mock, ips.map((ip, n) => anInstance(`i-${n}`).withIp(ip).value));
    serveGroups([]);

    // Act
    const snapshot = await newFleet().observe({ privateIps: ips, instanceIds: [], groupNames: [] });

    // Assess
    const calls = ec2Mock.commandCalls(DescribeInstancesCommand);
    expect(calls).toHaveLength(3);
    expect(calls.map((c) => filterValuesOf(c).length)).toEqual([200, 200, 50]);
    expect(snapshot.instances).toHaveLength(450);
  });

  it('follows NextToken through every page of DescribeInstances', async () => {
    const instances = Array.from({ length: 5 }, (_, n) => anInstance(`i-${n}`).withIp(`10.0.0.${n}`).value);
    serveInstances(ec2Mock, instances, 2);
    serveGroups([]);

    const snapshot = await newFleet().observe({ privateIps: instances.map((i) => i.PrivateIpAddress ?? ''), instanceIds: [], groupNames: [] });

    expect(ec2Mock.commandCalls(DescribeInstancesCommand)).toHaveLength(3);
    expect(snapshot.instances.map((i) => i.id)).toEqual(['i-0', 'i-1', 'i-2', 'i-3', 'i-4']);
  });

  it('describes the groups of matched instances and reads every member of those groups by their tag', async () => {
    // Prepare: nodes map to i-1 and i-2; the group also holds a replacement i-3 no node maps to yet.
    serveInstances(ec2Mock, [
      anInstance('i-1').withIp('10.0.0.1').inGroup('es-data').value,
      anInstance('i-2').withIp('10.0.0.2').inGroup('es-data').value,
      anInstance('i-3').withIp('10.0.0.3').inGroup('es-data').inState('pending').value,
      anInstance('i-9').withIp('10.0.0.9').inGroup('other').value,
    ]);
    serveGroups([aGroup('es-data').withInstances('i-1', 'i-2', 'i-3').value, aGroup('other').withInstances('i-9').value]);

    // Act
    const snapshot = await newFleet().observe({ privateIps: ['10.0.0.1', '10.0.0.2'], instanceIds: [], groupNames: [] });

    // Assess
    expect(asgMock.commandCalls(DescribeAutoScalingGroupsCommand)).toHaveLength(1);
    expect(snapshot.groups.map((g) => g.name)).toEqual(['es-data']);
    expect(filtersOf(ec2Mock.commandCalls(DescribeInstancesCommand))).toEqual([
      { 'private-ip-address': ['10.0.0.1', '10.0.0.2'] },
      { 'tag:aws:autoscaling:groupName': ['es-data'] },
    ]);
    expect(snapshot.instances.map((i) => i.id).sort()).toEqual(['i-1', 'i-2', 'i-3']);
    expect(snapshot.instances.find((i) => i.id === 'i-3')).toMatchObject({ state: 'pending', groupName: 'es-data', privateIp: '10.0.0.3' });
  });

  it.each([
    [1_000, 1],
    [3_000, 3],
  ])('reads %i instances of known groups whose facts cannot stand with %i DescribeInstances, 1,000 to a page', async (size, calls) => {
    // Prepare: three masters and the data nodes, each node on an instance of its group, none tagged
    // with a version yet: every one is read again, by the groups' tag.
    const { instances, groups, ips } = aFleetOf(size, false);
    serveInstances(ec2Mock, instances);
    serveGroups(groups);
    const fleet = newFleet();
    const query = { privateIps: ips, instanceIds: [], groupNames: [] };
    await fleet.observe(query);
    ec2Mock.resetHistory();

    // Act
    const snapshot = await fleet.observe(query);

    // Assess
    const describes = ec2Mock.commandCalls(DescribeInstancesCommand);
    expect(describes).toHaveLength(calls);
    for (const call of describes) {
      expect(call.args[0].input).toMatchObject({ Filters: [{ Name: 'tag:aws:autoscaling:groupName', Values: ['es-masters', 'es-data'] }], MaxResults: 1000 });
    }
    expect(snapshot.instances).toHaveLength(size);
    expect(snapshot.groups.map((g) => [g.name, g.instanceIds.length])).toEqual([
      ['es-masters', 3],
      ['es-data', size - 3],
    ]);
  });

  it.each([
    [1_000, 4],
    [3_000, 6],
  ])('finds the groups of %i nodes on the first observation in %i DescribeInstances', async (size, calls) => {
    // Prepare: the data nodes come first, so the first 200 private IPs find the data group only.
    const { instances, groups, ips } = aFleetOf(size);
    serveInstances(ec2Mock, instances);
    serveGroups(groups);

    // Act
    const snapshot = await newFleet().observe({ privateIps: [...ips.slice(3), ...ips.slice(0, 3)], instanceIds: [], groupNames: [] });

    // Assess: 200 IPs, the data group by tag (a call per 1,000), the masters' IPs, the masters by tag.
    expect(filtersOf(ec2Mock.commandCalls(DescribeInstancesCommand)).map((f) => Object.keys(f)[0])).toEqual([
      'private-ip-address',
      ...Array<string>(Math.ceil((size - 3) / 1000)).fill('tag:aws:autoscaling:groupName'),
      'private-ip-address',
      'tag:aws:autoscaling:groupName',
    ]);
    expect(ec2Mock.commandCalls(DescribeInstancesCommand)).toHaveLength(calls);
    expect(snapshot.instances).toHaveLength(size);
  });

  it('looks up by private IP only the nodes no instance of the groups matches, every tick', async () => {
    // Prepare: 10.0.9.9 is a node on an instance outside any group.
    const { instances, groups, ips } = aFleetOf(10);
    serveInstances(ec2Mock, [...instances, anInstance('i-lone').withIp('10.0.9.9').value]);
    serveGroups(groups);
    const fleet = newFleet();
    const query = { privateIps: [...ips, '10.0.9.9'], instanceIds: [], groupNames: [] };
    await fleet.observe(query);
    ec2Mock.resetHistory();

    // Act
    const snapshot = await fleet.observe(query);

    // Assess: the members' facts stand; the lone node's instance is looked up again.
    expect(filtersOf(ec2Mock.commandCalls(DescribeInstancesCommand))).toEqual([{ 'private-ip-address': ['10.0.9.9'] }]);
    expect(snapshot.instances.map((i) => i.id)).toContain('i-lone');
  });

  it('leaves out tagged instances that are neither members nor behind a node, as a recently terminated one', async () => {
    // Prepare: i-old was terminated; EC2 still lists it, with its tags, for up to an hour.
    serveInstances(ec2Mock, [
      anInstance('i-1').withIp('10.0.0.1').inGroup('es-data').value,
      anInstance('i-old').inGroup('es-data').inState('terminated').value,
    ]);
    serveGroups([aGroup('es-data').withInstances('i-1').value]);

    // Act: having found the group, the observation reads it by tag, i-old with it.
    const snapshot = await newFleet().observe({ privateIps: ['10.0.0.1'], instanceIds: [], groupNames: [] });

    // Assess
    expect(filtersOf(ec2Mock.commandCalls(DescribeInstancesCommand))).toContainEqual({ 'tag:aws:autoscaling:groupName': ['es-data'] });
    expect(snapshot.instances.map((i) => i.id)).toEqual(['i-1']);
  });

  it('reads by id a member the group lists without its tag', async () => {
    serveInstances(ec2Mock, [anInstance('i-1').withIp('10.0.0.1').inGroup('es-data').value, anInstance('i-untagged').value]);
    serveGroups([aGroup('es-data').withInstances('i-1', 'i-untagged').value]);

    const snapshot = await newFleet().observe({ privateIps: ['10.0.0.1'], instanceIds: [], groupNames: ['es-data'] });

    expect(filtersOf(ec2Mock.commandCalls(DescribeInstancesCommand))).toEqual([
      { 'tag:aws:autoscaling:groupName': ['es-data'] },
      { 'instance-id': ['i-untagged'] },
    ]);
    expect(snapshot.instances.map((i) => [i.id, i.lifecycleState])).toEqual([
      ['i-1', 'InService'],
      ['i-untagged', 'InService'],
    ]);
  });

  it('includes groups named in the query even when no node maps to them', async () => {
    serveInstances(ec2Mock, [anInstance('i-7').inGroup('es-master').value]);
    serveGroups([aGroup('es-master').withInstances('i-7').value]);

    const snapshot = await newFleet().observe({ privateIps: [], instanceIds: [], groupNames: ['es-master'] });

    expect(snapshot.groups.map((g) => g.name)).toEqual(['es-master']);
    expect(snapshot.instances.map((i) => i.id)).toEqual(['i-7']);
  });

  it('maps capacity, members and suspended processes of a group', async () => {
    serveInstances(ec2Mock, [anInstance('i-1').withIp('10.0.0.1').inGroup('es-data').value]);
    serveGroups([aGroup('es-data').withCapacity(3, 3, 4).withInstances('i-1').suspending('AZRebalance', 'ReplaceUnhealthy').value]);

    const snapshot = await newFleet().observe({ privateIps: ['10.0.0.1'], instanceIds: [], groupNames: [] });

    expect(snapshot.groups[0]).toMatchObject({
      name: 'es-data',
      minSize: 3,
      desiredCapacity: 3,
      maxSize: 4,
      instanceIds: ['i-1'],
      suspendedProcesses: ['AZRebalance', 'ReplaceUnhealthy'],
    });
  });

  it('finds instances by id through the instance-id filter, so an id long gone is absent rather than an error', async () => {
    serveInstances(ec2Mock, [anInstance('i-1').value]);
    serveGroups([]);

    const snapshot = await newFleet().observe({ privateIps: [], instanceIds: ['i-1', 'i-gone'], groupNames: [] });

    expect(snapshot.instances.map((i) => i.id)).toEqual(['i-1']);
    const input = ec2Mock.commandCalls(DescribeInstancesCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ Filters: [{ Name: 'instance-id', Values: ['i-1', 'i-gone'] }] });
    expect(input).not.toHaveProperty('InstanceIds');
  });

  it('retries a throttled DescribeInstances and then succeeds', async () => {
    const throttled = new EC2ServiceException({ name: 'RequestLimitExceeded', $fault: 'client', $metadata: { httpStatusCode: 503 }, message: 'Request limit exceeded.' });
    ec2Mock.on(DescribeInstancesCommand).rejectsOnce(throttled).resolves({ Reservations: [{ Instances: [anInstance('i-1').value] }] });
    serveGroups([]);

    const snapshot = await newFleet().observe({ privateIps: [], instanceIds: ['i-1'], groupNames: [] });

    expect(snapshot.instances.map((i) => i.id)).toEqual(['i-1']);
    expect(ec2Mock.commandCalls(DescribeInstancesCommand)).toHaveLength(2);
  });

  it('does not retry an authorization failure and surfaces it as a ServiceError with the AWS code', async () => {
    const denied = new EC2ServiceException({
      name: 'UnauthorizedOperation',
      $fault: 'client',
      $metadata: { httpStatusCode: 403, requestId: 'req-1' },
      message: 'You are not authorized to perform this operation.',
    });
    ec2Mock.on(DescribeInstancesCommand).rejects(denied);

    const error = await newFleet().observe({ privateIps: ['10.0.0.1'], instanceIds: [], groupNames: [] }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ServiceError);
    expect(error).toMatchObject({ service: 'aws' });
    expect((error as Error).message).toBe(
      'DescribeInstances failed: UnauthorizedOperation: You are not authorized to perform this operation. (HTTP 403, request req-1)',
    );
    expect(ec2Mock.commandCalls(DescribeInstancesCommand)).toHaveLength(1);
  });
});

describe('AwsFleet.observe launch version', () => {
  function observeGroup(group: AutoScalingGroup, versionTagKey?: string): ReturnType<AwsFleet['observe']> {
    serveInstances(ec2Mock, [anInstance('i-1').withIp('10.0.0.1').inGroup(group.AutoScalingGroupName ?? '').value]);
    serveGroups([group]);
    return newFleet(versionTagKey).observe({ privateIps: ['10.0.0.1'], instanceIds: [], groupNames: [] });
  }

  it('reads the version tag from the instance TagSpecifications of the $Default template version', async () => {
    // Prepare: the volume tag spec carries a different value and must be ignored.
    ec2Mock.on(DescribeLaunchTemplateVersionsCommand).resolves({
      LaunchTemplateVersions: [aTemplateVersion('lt-0abc', 7, { isDefault: true, instanceTags: { Version: '9.5.4' }, volumeTags: { Version: 'nope' } })],
    });

    // Act
    const snapshot = await observeGroup(aGroup('es-data').withInstances('i-1').withLaunchTemplate({ LaunchTemplateId: 'lt-0abc', Version: '$Default' }).value);

    // Assess
    expect(snapshot.groups[0]).toMatchObject({ launchVersion: '9.5.4', launchVersionSource: 'launch template lt-0abc (lt-0abc-name) version 7 ($Default)' });
    expect(ec2Mock.commandCalls(DescribeLaunchTemplateVersionsCommand)[0]?.args[0].input).toMatchObject({
      LaunchTemplateId: 'lt-0abc',
      Versions: ['$Default'],
    });
  });

  it('treats a group that names no template version as $Default', async () => {
    ec2Mock.on(DescribeLaunchTemplateVersionsCommand).resolves({
      LaunchTemplateVersions: [aTemplateVersion('lt-0abc', 3, { isDefault: true, instanceTags: { Version: '9.4.5' } })],
    });

    const snapshot = await observeGroup(aGroup('es-data').withInstances('i-1').withLaunchTemplate({ LaunchTemplateName: 'es-data' }).value);

    expect(snapshot.groups[0]?.launchVersion).toBe('9.4.5');
    expect(ec2Mock.commandCalls(DescribeLaunchTemplateVersionsCommand)[0]?.args[0].input).toMatchObject({ LaunchTemplateName: 'es-data', Versions: ['$Default'] });
  });

  it('resolves $Latest to the highest version returned', async () => {
    ec2Mock.on(DescribeLaunchTemplateVersionsCommand).resolves({
      LaunchTemplateVersions: [aTemplateVersion('lt-0abc', 9, { instanceTags: { Version: '9.5.4' } })],
    });

    const snapshot = await observeGroup(aGroup('es-data').withInstances('i-1').withLaunchTemplate({ LaunchTemplateId: 'lt-0abc', Version: '$Latest' }).value);

    expect(snapshot.groups[0]).toMatchObject({ launchVersion: '9.5.4', launchVersionSource: 'launch template lt-0abc (lt-0abc-name) version 9 ($Latest)' });
  });

  it('resolves a pinned version number', async () => {
    ec2Mock.on(DescribeLaunchTemplateVersionsCommand).resolves({
      LaunchTemplateVersions: [aTemplateVersion('lt-0abc', 4, { instanceTags: { Version: '9.4.5' } })],
    });

    const snapshot = await observeGroup(aGroup('es-data').withInstances('i-1').withLaunchTemplate({ LaunchTemplateId: 'lt-0abc', Version: '4' }).value);

    expect(snapshot.groups[0]).toMatchObject({ launchVersion: '9.4.5', launchVersionSource: 'launch template lt-0abc (lt-0abc-name) version 4' });
  });

  it('uses the template of a MixedInstancesPolicy', async () => {
    ec2Mock.on(DescribeLaunchTemplateVersionsCommand).resolves({
      LaunchTemplateVersions: [aTemplateVersion('lt-0mix', 2, { isDefault: true, instanceTags: { Version: '9.5.4' } })],
    });

    const snapshot = await observeGroup(aGroup('es-data').withInstances('i-1').withMixedInstancesTemplate({ LaunchTemplateId: 'lt-0mix' }).value);

    expect(snapshot.groups[0]?.launchVersion).toBe('9.5.4');
  });

  it('reads a custom version tag key', async () => {
    ec2Mock.on(DescribeLaunchTemplateVersionsCommand).resolves({
      LaunchTemplateVersions: [aTemplateVersion('lt-0abc', 1, { isDefault: true, instanceTags: { Version: 'wrong', 'es:version': '9.5.4' } })],
    });

    const snapshot = await observeGroup(aGroup('es-data').withInstances('i-1').withLaunchTemplate({ LaunchTemplateId: 'lt-0abc' }).value, 'es:version');

    expect(snapshot.groups[0]?.launchVersion).toBe('9.5.4');
  });

  it('falls back to a group tag propagated at launch when the template has no version tag', async () => {
    ec2Mock.on(DescribeLaunchTemplateVersionsCommand).resolves({ LaunchTemplateVersions: [aTemplateVersion('lt-0abc', 1, { isDefault: true })] });

    const snapshot = await observeGroup(
      aGroup('es-data').withInstances('i-1').withLaunchTemplate({ LaunchTemplateId: 'lt-0abc' }).withTag('Version', '9.5.4', true).value,
    );

    expect(snapshot.groups[0]).toMatchObject({ launchVersion: '9.5.4', launchVersionSource: 'group tag Version (propagated at launch)' });
  });

  it('leaves the launch version unknown, saying why, when the group tag is not propagated at launch', async () => {
    ec2Mock.on(DescribeLaunchTemplateVersionsCommand).resolves({ LaunchTemplateVersions: [aTemplateVersion('lt-0abc', 1, { isDefault: true })] });

    const snapshot = await observeGroup(
      aGroup('es-data').withInstances('i-1').withLaunchTemplate({ LaunchTemplateId: 'lt-0abc' }).withTag('Version', '9.5.4', false).value,
    );

    expect(snapshot.groups[0]?.launchVersion).toBeUndefined();
    expect(snapshot.groups[0]?.launchVersionSource).toBe(
      'unknown: launch template lt-0abc (lt-0abc-name) version 1 ($Default) has no Version instance tag, and no Version group tag propagated at launch',
    );
  });

  it('asks for each launch template once, with every version its groups use', async () => {
    // Prepare: two groups share a template at different versions.
    serveInstances(ec2Mock, [anInstance('i-1').withIp('10.0.0.1').inGroup('es-hot').value, anInstance('i-2').withIp('10.0.0.2').inGroup('es-warm').value]);
    serveGroups([
      aGroup('es-hot').withInstances('i-1').withLaunchTemplate({ LaunchTemplateId: 'lt-0abc', Version: '$Latest' }).value,
      aGroup('es-warm').withInstances('i-2').withLaunchTemplate({ LaunchTemplateId: 'lt-0abc', Version: '5' }).value,
    ]);
    ec2Mock.on(DescribeLaunchTemplateVersionsCommand).resolves({
      LaunchTemplateVersions: [
        aTemplateVersion('lt-0abc', 5, { instanceTags: { Version: '9.4.5' } }),
        aTemplateVersion('lt-0abc', 6, { instanceTags: { Version: '9.5.4' } }),
      ],
    });

    // Act
    const snapshot = await newFleet().observe({ privateIps: ['10.0.0.1', '10.0.0.2'], instanceIds: [], groupNames: [] });

    // Assess
    const calls = ec2Mock.commandCalls(DescribeLaunchTemplateVersionsCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toMatchObject({ LaunchTemplateId: 'lt-0abc', Versions: ['$Latest', '5'] });
    expect(snapshot.groups.map((g) => [g.name, g.launchVersion])).toEqual([
      ['es-hot', '9.5.4'],
      ['es-warm', '9.4.5'],
    ]);
  });
});
