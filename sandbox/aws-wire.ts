// The AWS Query wire format as the SDK v3 clients speak it (@aws-sdk/client-auto-scaling: awsQuery,
// @aws-sdk/client-ec2: ec2Query): a form-encoded POST with Action and Version, answered in XML.
// Errors use each service's own envelope, so the SDK classifies an injected error exactly as it
// would a real one.

import { randomUUID } from 'node:crypto';

export type AwsService = 'autoscaling' | 'ec2';

export interface QueryRequest {
  service: AwsService;
  action: string;
  params: URLSearchParams;
}

const VERSIONS: Record<string, AwsService> = { '2011-01-01': 'autoscaling', '2016-11-15': 'ec2' };

/**
 * Service and action of a signed Query request. The service comes from the SigV4 credential scope
 * (".../<region>/<service>/aws4_request"), else from the API version; undefined for anything else.
 */
export function parseQueryRequest(authorization: string | undefined, body: string): QueryRequest | undefined {
  const params = new URLSearchParams(body);
  const action = params.get('Action');
  if (!action) return undefined;
  const scoped = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(authorization ?? '')?.[1];
  const service = scoped === 'autoscaling' || scoped === 'ec2' ? scoped : VERSIONS[params.get('Version') ?? ''];
  return service ? { service, action, params } : undefined;
}

/**
 * Instance ids a request names: `InstanceId`, `InstanceIds.member.N` (Auto Scaling), `InstanceId.N`
 * (EC2), `Resources.N` (tags) and the values of an `instance-id` filter.
 */
export function instanceIdsOf(params: URLSearchParams): string[] {
  const ids = new Set<string>();
  const filterNames = new Map<string, string>();
  for (const [key, value] of params) {
    if (/^(InstanceId|InstanceIds\.member\.\d+|InstanceId\.\d+|Resources\.\d+|ResourceId\.\d+)$/.test(key) && value.startsWith('i-')) ids.add(value);
    const filter = /^Filter\.(\d+)\.Name$/.exec(key);
    if (filter?.[1]) filterNames.set(filter[1], value);
  }
  for (const [key, value] of params) {
    const filterValue = /^Filter\.(\d+)\.Value\.\d+$/.exec(key);
    if (filterValue?.[1] && filterNames.get(filterValue[1]) === 'instance-id') ids.add(value);
  }
  return [...ids];
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c);
}

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export const AUTOSCALING_XMLNS = 'http://autoscaling.amazonaws.com/doc/2011-01-01/';

/**
 * An error as the service sends it. Auto Scaling (awsQuery):
 * `<ErrorResponse><Error><Type>Sender</Type><Code>..</Code><Message>..</Message></Error><RequestId>..`;
 * EC2 (ec2Query): `<Response><Errors><Error><Code>..</Code><Message>..</Message></Error></Errors><RequestID>..`.
 */
export function errorResponse(service: AwsService, error: { code: string; message: string; status: number; type?: 'Sender' | 'Receiver' }): WireResponse {
  const requestId = randomUUID();
  const body = service === 'autoscaling'
    ? `<ErrorResponse xmlns="${AUTOSCALING_XMLNS}"><Error><Type>${error.type ?? (error.status >= 500 ? 'Receiver' : 'Sender')}</Type>`
      + `<Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`
    : `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(error.code)}</Code>`
      + `<Message>${escapeXml(error.message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`;
  return { status: error.status, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body };
}

export interface ActivityXml {
  activityId: string;
  groupName: string;
  description: string;
  cause: string;
  details: string;
  startTime: string;
  statusCode: string;
  progress: number;
}

/** TerminateInstanceInAutoScalingGroup's answer: the activity it started. */
export function terminateResponse(activity: ActivityXml): WireResponse {
  const requestId = randomUUID();
  const body = `<TerminateInstanceInAutoScalingGroupResponse xmlns="${AUTOSCALING_XMLNS}"><TerminateInstanceInAutoScalingGroupResult><Activity>`
    + `<ActivityId>${escapeXml(activity.activityId)}</ActivityId>`
    + `<AutoScalingGroupName>${escapeXml(activity.groupName)}</AutoScalingGroupName>`
    + `<Description>${escapeXml(activity.description)}</Description>`
    + `<Cause>${escapeXml(activity.cause)}</Cause>`
    + `<Details>${escapeXml(activity.details)}</Details>`
    + `<StartTime>${escapeXml(activity.startTime)}</StartTime>`
    + `<StatusCode>${escapeXml(activity.statusCode)}</StatusCode>`
    + `<Progress>${activity.progress}</Progress>`
    + `</Activity></TerminateInstanceInAutoScalingGroupResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata>`
    + '</TerminateInstanceInAutoScalingGroupResponse>';
  return { status: 200, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body };
}

/** One group member as DescribeAutoScalingGroups / DescribeAutoScalingInstances list it. */
export interface GroupMember {
  instanceId: string;
  groupName: string;
  instanceType: string;
  availabilityZone: string;
  healthStatus: string;
  launchTemplate?: { id: string; name: string; version: string };
  protectedFromScaleIn: boolean;
}

/** `<member>` of a group's Instances (withGroup: of DescribeAutoScalingInstances, which names the group). */
export function memberXml(member: GroupMember, lifecycleState: string, withGroup: boolean): string {
  const lt = member.launchTemplate;
  return `<member><InstanceId>${escapeXml(member.instanceId)}</InstanceId><InstanceType>${escapeXml(member.instanceType)}</InstanceType>`
    + (withGroup ? `<AutoScalingGroupName>${escapeXml(member.groupName)}</AutoScalingGroupName>` : '')
    + `<AvailabilityZone>${escapeXml(member.availabilityZone)}</AvailabilityZone><LifecycleState>${escapeXml(lifecycleState)}</LifecycleState>`
    + `<HealthStatus>${escapeXml(member.healthStatus)}</HealthStatus>`
    + (lt ? `<LaunchTemplate><LaunchTemplateId>${escapeXml(lt.id)}</LaunchTemplateId><LaunchTemplateName>${escapeXml(lt.name)}</LaunchTemplateName>`
      + `<Version>${escapeXml(lt.version)}</Version></LaunchTemplate>` : '')
    + `<ProtectedFromScaleIn>${String(member.protectedFromScaleIn)}</ProtectedFromScaleIn></member>`;
}

const AS_MEMBER = /<InstanceId>([^<]+)<\/InstanceId>((?:(?!<\/member>)[\s\S])*?)<LifecycleState>([^<]*)<\/LifecycleState>/g;
const EC2_INSTANCE = /<instanceId>([^<]+)<\/instanceId>((?:(?!<instanceId>)[\s\S])*?)<instanceState><code>(\d+)<\/code><name>([^<]*)<\/name><\/instanceState>/g;

/** Lifecycle states an Auto Scaling answer reports, by instance. */
export function lifecycleStatesIn(xml: string): Record<string, string> {
  return Object.fromEntries([...xml.matchAll(AS_MEMBER)].map((m) => [m[1] ?? '', m[3] ?? '']));
}

/** Replaces the lifecycle state of the named instances in an Auto Scaling answer. */
export function setLifecycleStates(xml: string, states: ReadonlyMap<string, string>): string {
  if (states.size === 0) return xml;
  return xml.replace(AS_MEMBER, (whole, id: string, between: string) => {
    const state = states.get(id);
    return state === undefined ? whole : `<InstanceId>${id}</InstanceId>${between}<LifecycleState>${escapeXml(state)}</LifecycleState>`;
  });
}

/** Adds members to one group's Instances in a DescribeAutoScalingGroups answer (nothing if the group is absent). */
export function insertGroupMembers(xml: string, groupName: string, members: string[]): string {
  if (members.length === 0) return xml;
  const at = xml.indexOf(`<AutoScalingGroupName>${escapeXml(groupName)}</AutoScalingGroupName>`);
  if (at < 0) return xml;
  return insertInto(xml, 'Instances', members.join(''), at);
}

/** Adds members to a DescribeAutoScalingInstances answer. */
export function insertAutoScalingInstances(xml: string, members: string[]): string {
  return members.length === 0 ? xml : insertInto(xml, 'AutoScalingInstances', members.join(''), 0);
}

function insertInto(xml: string, element: string, content: string, from: number): string {
  const open = xml.indexOf(`<${element}>`, from);
  const empty = xml.indexOf(`<${element}/>`, from);
  if (empty >= 0 && (open < 0 || empty < open)) {
    return `${xml.slice(0, empty)}<${element}>${content}</${element}>${xml.slice(empty + element.length + 3)}`;
  }
  if (open < 0) return xml;
  const close = xml.indexOf(`</${element}>`, open);
  return close < 0 ? xml : `${xml.slice(0, close)}${content}${xml.slice(close)}`;
}

/** EC2 state codes (the low byte of `instanceState.code`). */
export const EC2_STATE_CODES: Record<string, number> = {
  pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80,
};

/** EC2 states a DescribeInstances answer reports, by instance. */
export function ec2StatesIn(xml: string): Record<string, string> {
  return Object.fromEntries([...xml.matchAll(EC2_INSTANCE)].map((m) => [m[1] ?? '', m[4] ?? '']));
}

/** Replaces the EC2 state (code and name) of the named instances in a DescribeInstances answer. */
export function setEc2States(xml: string, states: ReadonlyMap<string, string>): string {
  if (states.size === 0) return xml;
  return xml.replace(EC2_INSTANCE, (whole, id: string, between: string) => {
    const state = states.get(id);
    const code = state === undefined ? undefined : EC2_STATE_CODES[state];
    return code === undefined ? whole : `<instanceId>${id}</instanceId>${between}<instanceState><code>${code}</code><name>${state}</name></instanceState>`;
  });
}

const AS_MEMBER_ZONE = /<InstanceId>([^<]+)<\/InstanceId>((?:(?!<\/member>)[\s\S])*?)<AvailabilityZone>([^<]*)<\/AvailabilityZone>/g;
const EC2_ZONE = /<instanceId>([^<]+)<\/instanceId>((?:(?!<instanceId>)[\s\S])*?)<placement>((?:(?!<\/placement>)[\s\S])*?)<availabilityZone>([^<]*)<\/availabilityZone>/g;

/** Zones an Auto Scaling answer (DescribeAutoScalingGroups/Instances) reports, by instance. */
export function memberZonesIn(xml: string): Record<string, string> {
  return Object.fromEntries([...xml.matchAll(AS_MEMBER_ZONE)].map((m) => [m[1] ?? '', m[3] ?? '']));
}

/** Replaces the AvailabilityZone of the named members in an Auto Scaling answer. */
export function setMemberZones(xml: string, zones: ReadonlyMap<string, string>): string {
  if (zones.size === 0) return xml;
  return xml.replace(AS_MEMBER_ZONE, (whole, id: string, between: string) => {
    const zone = zones.get(id);
    return zone === undefined ? whole : `<InstanceId>${id}</InstanceId>${between}<AvailabilityZone>${escapeXml(zone)}</AvailabilityZone>`;
  });
}

/** `placement.availabilityZone` of each instance in a DescribeInstances answer. */
export function ec2ZonesIn(xml: string): Record<string, string> {
  return Object.fromEntries([...xml.matchAll(EC2_ZONE)].map((m) => [m[1] ?? '', m[4] ?? '']));
}

/** Replaces `placement.availabilityZone` of the named instances in a DescribeInstances answer. */
export function setEc2Zones(xml: string, zones: ReadonlyMap<string, string>): string {
  if (zones.size === 0) return xml;
  return xml.replace(EC2_ZONE, (whole, id: string, between: string, placement: string) => {
    const zone = zones.get(id);
    return zone === undefined ? whole : `<instanceId>${id}</instanceId>${between}<placement>${placement}<availabilityZone>${escapeXml(zone)}</availabilityZone>`;
  });
}
