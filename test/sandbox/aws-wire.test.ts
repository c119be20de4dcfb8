import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ec2StatesIn, ec2ZonesIn, errorResponse, insertAutoScalingInstances, insertGroupMembers, instanceIdsOf, lifecycleStatesIn, memberXml,
  memberZonesIn, parseQueryRequest, setEc2States, setEc2Zones, setLifecycleStates, setMemberZones, type GroupMember,
} from '../../sandbox/aws-wire.ts';

/** An answer of moto 5.2.5 (fixtures/moto-5.2.5/README.md). */
const motoAnswer = (name: string): string => readFileSync(new URL(`fixtures/moto-5.2.5/${name}.xml`, import.meta.url), 'utf8');

const AUTH = (service: string): string => `AWS4-HMAC-SHA256 Credential=testing/20261201/ap-southeast-2/${service}/aws4_request, SignedHeaders=host, Signature=x`;

const member = (id: string, state: string): string => `<member><InstanceId>${id}</InstanceId><InstanceType>t3.large</InstanceType>`
  + `<AvailabilityZone>ap-southeast-2a</AvailabilityZone><LifecycleState>${state}</LifecycleState><HealthStatus>Healthy</HealthStatus></member>`;
const group = (name: string, instances: string): string => `<member><AutoScalingGroupName>${name}</AutoScalingGroupName><MinSize>1</MinSize>`
  + `<AvailabilityZones><member>ap-southeast-2a</member></AvailabilityZones>${instances}<Tags><member><Key>Cluster</Key></member></Tags></member>`;
const groups = (...members: string[]): string => `<DescribeAutoScalingGroupsResponse><DescribeAutoScalingGroupsResult><AutoScalingGroups>${members.join('')}`
  + '</AutoScalingGroups></DescribeAutoScalingGroupsResult></DescribeAutoScalingGroupsResponse>';
const ec2Item = (id: string, code: number, name: string): string => `<item><tagSet><item><key>Version</key><value>9.4.5</value></item></tagSet>`
  + `<instanceId>${id}</instanceId><imageId>ami-1</imageId><instanceState><code>${code}</code><name>${name}</name></instanceState></item>`;

const OLD: GroupMember = {
  instanceId: 'i-old', groupName: 'g-data', instanceType: 't3.large', availabilityZone: 'ap-southeast-2b', healthStatus: 'Healthy',
  launchTemplate: { id: 'lt-1', name: 'g-data', version: '1' }, protectedFromScaleIn: false,
};

describe('parseQueryRequest', () => {
  it.each([
    ['autoscaling from the credential scope', AUTH('autoscaling'), 'Action=DescribeAutoScalingGroups&Version=2011-01-01', 'autoscaling'],
    ['ec2 from the credential scope', AUTH('ec2'), 'Action=DescribeInstances&Version=2016-11-15', 'ec2'],
    ['ec2 from the API version when unsigned', undefined, 'Action=DescribeInstances&Version=2016-11-15', 'ec2'],
  ])('reads %s', (_name, authorization, body, service) => {
    expect(parseQueryRequest(authorization, body)).toMatchObject({ service, action: /Action=(\w+)/.exec(body)?.[1] });
  });

  it('is undefined for a request without an Action or of another service', () => {
    expect(parseQueryRequest(AUTH('ec2'), 'Version=2016-11-15')).toBeUndefined();
    expect(parseQueryRequest(AUTH('sts'), 'Action=GetCallerIdentity&Version=2011-06-15')).toBeUndefined();
  });
});

describe('instanceIdsOf', () => {
  it('collects every way a Query request names instances', () => {
    const params = new URLSearchParams('InstanceId=i-a&InstanceIds.member.1=i-b&InstanceId.2=i-c&Resources.1=i-d&Resources.2=lt-x'
      + '&Filter.1.Name=instance-id&Filter.1.Value.1=i-e&Filter.2.Name=tag:Role&Filter.2.Value.1=i-not');
    expect(instanceIdsOf(params).sort()).toEqual(['i-a', 'i-b', 'i-c', 'i-d', 'i-e']);
  });
});

describe('errorResponse', () => {
  it('uses the Auto Scaling Query envelope with Type, Code and Message', () => {
    const r = errorResponse('autoscaling', { code: 'Throttling', message: 'Rate exceeded', status: 400 });
    expect(r.status).toBe(400);
    expect(r.body).toMatch(/^<ErrorResponse xmlns="http:\/\/autoscaling\.amazonaws\.com\/doc\/2011-01-01\/"><Error><Type>Sender<\/Type><Code>Throttling<\/Code><Message>Rate exceeded<\/Message><\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/);
  });

  it('uses the EC2 envelope with Errors and RequestID', () => {
    const r = errorResponse('ec2', { code: 'RequestLimitExceeded', message: 'Request limit exceeded.', status: 503 });
    expect(r.body).toMatch(/<Response><Errors><Error><Code>RequestLimitExceeded<\/Code><Message>Request limit exceeded\.<\/Message><\/Error><\/Errors><RequestID>[0-9a-f-]{36}<\/RequestID><\/Response>$/);
  });
});

describe('Auto Scaling answers', () => {
  it('replaces the lifecycle state of the named instances only', () => {
    const xml = groups(group('g-data', `<Instances>${member('i-1', 'InService')}${member('i-2', 'InService')}</Instances>`));
    const out = setLifecycleStates(xml, new Map([['i-2', 'Terminating:Wait']]));
    expect(lifecycleStatesIn(out)).toEqual({ 'i-1': 'InService', 'i-2': 'Terminating:Wait' });
    expect(out.replace('Terminating:Wait', 'InService')).toBe(xml);
  });

  it('adds a member to the named group, also to an empty Instances element, and to no other group', () => {
    const xml = groups(group('g-master', `<Instances>${member('i-m', 'InService')}</Instances>`), group('g-data', '<Instances/>'));
    const out = insertGroupMembers(xml, 'g-data', [memberXml(OLD, 'Terminating', false)]);
    expect(lifecycleStatesIn(out)).toEqual({ 'i-m': 'InService', 'i-old': 'Terminating' });
    expect(out).toContain('<AutoScalingGroupName>g-data</AutoScalingGroupName><MinSize>1</MinSize><AvailabilityZones><member>ap-southeast-2a</member></AvailabilityZones><Instances><member><InstanceId>i-old</InstanceId>');
    expect(insertGroupMembers(xml, 'g-other', [memberXml(OLD, 'Terminating', false)])).toBe(xml);
  });

  it('adds a member, with its group, to DescribeAutoScalingInstances', () => {
    const xml = '<R><AutoScalingInstances/></R>';
    const out = insertAutoScalingInstances(xml, [memberXml(OLD, 'Terminating:Wait', true)]);
    expect(out).toContain('<InstanceId>i-old</InstanceId><InstanceType>t3.large</InstanceType><AutoScalingGroupName>g-data</AutoScalingGroupName>');
    expect(lifecycleStatesIn(out)).toEqual({ 'i-old': 'Terminating:Wait' });
  });
});

describe('EC2 answers', () => {
  it('replaces the state code and name of the named instances only', () => {
    const xml = `<DescribeInstancesResponse>${ec2Item('i-1', 16, 'running')}${ec2Item('i-2', 16, 'running')}${ec2Item('i-3', 48, 'terminated')}</DescribeInstancesResponse>`;
    const out = setEc2States(xml, new Map([['i-2', 'pending'], ['i-3', 'shutting-down']]));
    expect(ec2StatesIn(out)).toEqual({ 'i-1': 'running', 'i-2': 'pending', 'i-3': 'shutting-down' });
    expect(out).toContain('<instanceId>i-2</instanceId><imageId>ami-1</imageId><instanceState><code>0</code><name>pending</name></instanceState>');
    expect(out).toContain('<code>32</code><name>shutting-down</name>');
  });
});

describe('availability zones in moto\'s answers', () => {
  const cases = [
    ['DescribeInstances', 'describe-instances', ec2ZonesIn, setEc2Zones],
    ['DescribeAutoScalingGroups', 'describe-auto-scaling-groups', memberZonesIn, setMemberZones],
    ['DescribeAutoScalingInstances', 'describe-auto-scaling-instances', memberZonesIn, setMemberZones],
  ] as const;

  it.each(cases)('%s: reads each instance\'s zone and replaces those of the named instances only', (_action, file, zonesIn, setZones) => {
    const xml = motoAnswer(file);
    const before = zonesIn(xml);
    const ids = Object.keys(before);
    expect(ids).toHaveLength(3);
    expect(new Set(Object.values(before))).toEqual(new Set(['ap-southeast-2a']));
    const [first = '', second = '', third = ''] = ids;
    const out = setZones(xml, new Map([[second, 'ap-southeast-2b'], [third, 'ap-southeast-2c'], ['i-elsewhere', 'ap-southeast-2b']]));
    expect(zonesIn(out)).toEqual({ [first]: 'ap-southeast-2a', [second]: 'ap-southeast-2b', [third]: 'ap-southeast-2c' });
    // Nothing else changed: states, tags, the group's own list of zones.
    const zoneless = (text: string): string => text.replace(/<(availabilityZone|AvailabilityZone)>[^<]*<\/\1>/g, '');
    expect(zoneless(out)).toBe(zoneless(xml));
    expect(setZones(xml, new Map())).toBe(xml);
  });

  it('leaves the group\'s own list of zones alone', () => {
    const out = setMemberZones(motoAnswer('describe-auto-scaling-groups'), new Map(
      Object.keys(memberZonesIn(motoAnswer('describe-auto-scaling-groups'))).map((id) => [id, 'ap-southeast-2c'])));
    expect(out).toContain('<AvailabilityZones><member>ap-southeast-2a</member><member>ap-southeast-2b</member><member>ap-southeast-2c</member></AvailabilityZones>');
  });

  it('finds the zone of an instance whose states the layer rewrote too', () => {
    const xml = motoAnswer('describe-instances');
    const id = Object.keys(ec2StatesIn(xml))[0] ?? '';
    const out = setEc2Zones(setEc2States(xml, new Map([[id, 'pending']])), new Map([[id, 'ap-southeast-2c']]));
    expect(ec2StatesIn(out)[id]).toBe('pending');
    expect(ec2ZonesIn(out)[id]).toBe('ap-southeast-2c');
  });
});
