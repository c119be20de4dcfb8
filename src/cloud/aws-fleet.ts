// The Fleet port against EC2 and EC2 Auto Scaling. Reads are batched (never one call per node) and
// retried when transient; the terminate is never retried blindly.
//
// The first observation reads instances by group: one DescribeInstances per 1,000 instances of the
// groups, by their `aws:autoscaling:groupName` tag, whatever the cluster's size. Only node keys
// (private IPs or ids) that no instance of those groups matches are looked up by key, 200 to a call:
// the groups are not known yet, a node outside the groups, a node whose instance has gone. Later
// observations start from the groups' member lists (with each member's lifecycle state) and read
// from EC2 only the instances that may have changed (src/cloud/instance-facts.ts): a tick of a
// quiet fleet of 1,000 reads one member list and no instance.

import {
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  type AutoScalingClient,
  type AutoScalingGroup as SdkGroup,
} from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, type EC2Client, type Filter, type Instance } from '@aws-sdk/client-ec2';
import type { Logger } from '../shared/log.ts';
import { isTransientError, withRetry, type RetryOptions } from '../shared/retry.ts';
import type { AutoScalingGroup, Ec2Instance, FleetSnapshot } from '../upgrade/model.ts';
import type { Fleet, FleetQuery } from '../upgrade/ports.ts';
import { awsErrorCodeOf, toAwsServiceError } from './aws-error.ts';
import { GROUP_TAG, InstanceFacts } from './instance-facts.ts';
import { resolveLaunchVersions, type LaunchVersion } from './resolve-launch-versions.ts';
import { sendOnce, unwrapSingleAttempt } from './single-attempt.ts';

export interface AwsFleetOptions {
  retry?: RetryOptions;
  /** Tag holding the Elasticsearch version an instance runs / a launch template launches (default "Version"). */
  versionTagKey?: string;
  /** How long what EC2 said about an instance in service stands without a new read (default 5 min). */
  factsMaxAgeMs?: number;
  /** The clock the facts age by (default Date.now). */
  now?: () => number;
}

/** What one observation read: the groups, the instances it reports by id, the groups' launch versions. */
interface Observed {
  sdkGroups: SdkGroup[];
  instances: Map<string, Ec2Instance>;
  launchVersions: Promise<Map<string, LaunchVersion>>;
}

const FACTS_MAX_AGE_MS = 5 * 60_000;
/** EC2 accepts at most 200 values per filter. */
const FILTER_CHUNK = 200;
const GROUP_CHUNK = 50;
/** The most instances one DescribeInstances returns. */
const PAGE_SIZE = 1000;

export class AwsFleet implements Fleet {
  private readonly ec2: EC2Client;
  private readonly autoScaling: AutoScalingClient;
  private readonly log: Logger;
  private readonly options: AwsFleetOptions;
  private readonly versionTagKey: string;
  private readonly now: () => number;
  private readonly facts: InstanceFacts;
  /** The groups the last observation described: the next one starts from their member lists. */
  private knownGroups: string[] = [];

  constructor(ec2: EC2Client, autoScaling: AutoScalingClient, log: Logger, options: AwsFleetOptions = {}) {
    this.ec2 = ec2;
    this.autoScaling = autoScaling;
    this.log = log;
    this.options = options;
    this.versionTagKey = options.versionTagKey ?? 'Version';
    this.now = options.now ?? Date.now;
    this.facts = new InstanceFacts(this.versionTagKey, options.factsMaxAgeMs ?? FACTS_MAX_AGE_MS);
  }

  /**
   * The instances behind the node keys and every member of their groups, as the port says. The
   * first observation finds the groups (readAfresh); later ones start from the groups' member lists
   * and read from EC2 only what may have changed (readKnownGroups). Either way the snapshot holds
   * exactly the matched instances and the members.
   */
  async observe(queryOrPending: FleetQuery | Promise<FleetQuery>, signal?: AbortSignal): Promise<FleetSnapshot> {
    const nowMs = this.now();
    const known = this.knownGroups.length > 0 ? await this.readKnownGroups(queryOrPending, nowMs, signal) : undefined;
    const { sdkGroups, instances, launchVersions: launching } = known ?? (await this.readAfresh(await queryOrPending, nowMs, signal));
    this.knownGroups = sdkGroups.map((g) => g.AutoScalingGroupName ?? '').filter(Boolean);
    const launchVersions = await launching;

    // The group's lifecycle state is what tells a terminating instance (EC2 still says running) apart.
    for (const g of sdkGroups) {
      for (const member of g.Instances ?? []) {
        const instance = instances.get(member.InstanceId ?? '');
        if (instance && member.LifecycleState) instance.lifecycleState = member.LifecycleState;
      }
    }

    const groups = sdkGroups.map((g): AutoScalingGroup => ({
      name: g.AutoScalingGroupName ?? '',
      desiredCapacity: g.DesiredCapacity ?? 0,
      minSize: g.MinSize ?? 0,
      maxSize: g.MaxSize ?? 0,
      instanceIds: (g.Instances ?? []).map((i) => i.InstanceId ?? '').filter(Boolean),
      suspendedProcesses: (g.SuspendedProcesses ?? []).map((p) => p.ProcessName ?? '').filter(Boolean),
      ...(g.WarmPoolConfiguration ? { hasWarmPool: true } : {}),
      ...launchVersions.get(g.AutoScalingGroupName ?? ''),
    }));
    return { instances: [...instances.values()], groups };
  }

  /** Every instance read from EC2: by the known groups' tag, then the node keys none matched. */
  private async readAfresh(query: FleetQuery, nowMs: number, signal?: AbortSignal): Promise<Observed> {
    const read = await this.readInstances(query, signal);
    const matched = [...read.values()].filter(matches(query));
    const groupNames = new Set(query.groupNames);
    for (const i of matched) if (i.groupName) groupNames.add(i.groupName);
    const sdkGroups = await this.describeGroups([...groupNames], signal);

    // A member the tag did not find (its tag removed or not there yet) is read by id.
    const memberIds = new Set(sdkGroups.flatMap((g) => g.Instances ?? []).map((i) => i.InstanceId ?? '').filter(Boolean));
    const [members, launchVersions] = await Promise.all([
      this.describeInstances('instance-id', [...memberIds].filter((id) => !read.has(id)), signal),
      this.launchVersionsOf(sdkGroups, signal),
    ]);
    this.facts.record([...read.values(), ...members], nowMs);
    const instances = new Map<string, Ec2Instance>();
    for (const i of [...matched, ...[...read.values()].filter((r) => memberIds.has(r.id)), ...members]) instances.set(i.id, i);
    return { sdkGroups, instances, launchVersions: Promise.resolve(launchVersions) };
  }

  /**
   * The known groups' member lists, then from EC2 only the members whose facts may have changed
   * (see InstanceFacts), the node keys' other instances (read afresh: they are not members) and the
   * node keys no instance matches. Undefined when such a key finds a group not known yet: then the
   * tick reads afresh.
   */
  private async readKnownGroups(pending: FleetQuery | Promise<FleetQuery>, nowMs: number, signal?: AbortSignal): Promise<Observed | undefined> {
    // The known groups' member lists while the query is in the making; a group the query names
    // beyond them is described once it is there.
    const [knownGroups, query] = await Promise.all([this.describeGroups(this.knownGroups, signal), pending]);
    const more = query.groupNames.filter((name) => !this.knownGroups.includes(name));
    const sdkGroups = [...knownGroups, ...(await this.describeGroups(more, signal))];
    // Each member, and whether its group has it in service and healthy (one the group found unhealthy
    // is about to be replaced, whatever EC2 said of it before).
    const members = new Map<string, boolean>();
    for (const g of sdkGroups) {
      for (const m of g.Instances ?? []) if (m.InstanceId) members.set(m.InstanceId, m.LifecycleState === 'InService' && m.HealthStatus !== 'Unhealthy');
    }
    const moving = [...members].filter(([id, quiet]) => !this.facts.standsFor(id, quiet, nowMs)).map(([id]) => id);
    const departed = query.instanceIds.filter((id) => !members.has(id) && !this.facts.isFinal(id));
    const launchVersions = this.launchVersionsOf(sdkGroups, signal);
    // Awaited by observe, or dropped with this read when it falls back to reading afresh.
    launchVersions.catch(() => undefined);

    // Many members at once (a first tick after a long pause, a large batch): by tag, a call per 1,000.
    const fresh = new Map<string, Ec2Instance>();
    const add = (list: Ec2Instance[]): void => {
      for (const i of list) fresh.set(i.id, i);
    };
    if (moving.length > FILTER_CHUNK) add(await this.describeInstances(`tag:${GROUP_TAG}`, [...new Set(sdkGroups.map((g) => g.AutoScalingGroupName ?? ''))], signal));
    add(await this.describeInstances('instance-id', [...moving, ...departed].filter((id) => !fresh.has(id)), signal));
    this.facts.record(fresh.values(), nowMs);

    // What was asked and not answered is gone from EC2: its old facts do not stand in for it.
    const candidates = new Map(fresh);
    const asked = new Set([...moving, ...departed]);
    for (const id of [...members.keys(), ...query.instanceIds]) {
      const known = asked.has(id) ? undefined : this.facts.get(id);
      if (known) candidates.set(id, known);
    }
    const ips = new Set([...candidates.values()].flatMap((i) => (i.privateIp !== undefined ? [i.privateIp] : [])));
    const strangers = await this.describeInstances('private-ip-address', query.privateIps.filter((ip) => !ips.has(ip)), signal);
    const described = new Set(sdkGroups.map((g) => g.AutoScalingGroupName));
    if (strangers.some((i) => i.groupName !== undefined && !described.has(i.groupName))) return undefined;
    this.facts.record(strangers, nowMs);
    for (const i of strangers) candidates.set(i.id, i);

    const isBehindNode = matches(query);
    const instances = new Map<string, Ec2Instance>();
    for (const i of candidates.values()) if (members.has(i.id) || isBehindNode(i)) instances.set(i.id, i);
    return { sdkGroups, instances, launchVersions };
  }

  private launchVersionsOf(sdkGroups: SdkGroup[], signal?: AbortSignal): Promise<Map<string, LaunchVersion>> {
    return resolveLaunchVersions(sdkGroups, this.ec2, (op, fn) => this.call(op, fn, signal), this.versionTagKey);
  }

  async terminateInGroup(instanceId: string, signal?: AbortSignal): Promise<void> {
    const log = this.log.child({ instance: instanceId });
    let failure: unknown;
    try {
      const command = new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: instanceId, ShouldDecrementDesiredCapacity: false });
      sendOnce(command);
      await this.autoScaling.send(command, signal ? { abortSignal: signal } : {});
      log.info('asked the Auto Scaling group to replace the instance');
      return;
    } catch (error) {
      failure = unwrapSingleAttempt(error);
    }
    if (signal?.aborted) throw signal.reason;
    // A definite "not now" (throttled, a scaling activity in progress) did not land: the run tries
    // again on a later tick. A timeout, 5xx or reset may have landed: look before anyone sends it again.
    if (isAmbiguousFailure(failure)) {
      const state = await this.readTermination(instanceId, signal);
      if (state === 'terminating') {
        log.info('terminate reported a failure but the instance is already terminating');
        return;
      }
      if (state === 'absent') throw toAwsServiceError(failure, 'TerminateInstanceInAutoScalingGroup', false);
    }
    throw toAwsServiceError(failure, 'TerminateInstanceInAutoScalingGroup');
  }

  /**
   * The instances of the groups known so far, by tag, then the node keys none of them matches, by
   * key, 200 at a time: each group found that way is read whole by tag, which usually matches the
   * remaining keys (the first observation of 1,000 nodes in two groups takes three or four calls).
   */
  private async readInstances(query: FleetQuery, signal?: AbortSignal): Promise<Map<string, Ec2Instance>> {
    const read = new Map<string, Ec2Instance>();
    const ips = new Set<string>();
    const add = (list: Ec2Instance[]): void => {
      for (const i of list) {
        read.set(i.id, i);
        if (i.privateIp !== undefined) ips.add(i.privateIp);
      }
    };
    const groupsRead = new Set([...query.groupNames, ...this.knownGroups]);
    add(await this.describeInstances(`tag:${GROUP_TAG}`, [...groupsRead], signal));

    const lookedUp = new Set<string>();
    for (;;) {
      const unmatchedIps = query.privateIps.filter((ip) => !ips.has(ip) && !lookedUp.has(ip)).slice(0, FILTER_CHUNK);
      const unmatchedIds = query.instanceIds.filter((id) => !read.has(id) && !lookedUp.has(id)).slice(0, FILTER_CHUNK);
      if (unmatchedIps.length === 0 && unmatchedIds.length === 0) return read;
      for (const key of [...unmatchedIps, ...unmatchedIds]) lookedUp.add(key);
      // Instance-id is a filter rather than InstanceIds so an id long gone is simply absent, not an error.
      const [byIp, byId] = await Promise.all([
        this.describeInstances('private-ip-address', unmatchedIps, signal),
        this.describeInstances('instance-id', unmatchedIds, signal),
      ]);
      add(byIp);
      add(byId);
      const found = [...byIp, ...byId].flatMap((i) => (i.groupName !== undefined && !groupsRead.has(i.groupName) ? [i.groupName] : []));
      const newGroups = [...new Set(found)];
      for (const g of newGroups) groupsRead.add(g);
      add(await this.describeInstances(`tag:${GROUP_TAG}`, newGroups, signal));
    }
  }

  /** Whether EC2 or the group already started terminating the instance. */
  private async readTermination(instanceId: string, signal?: AbortSignal): Promise<'terminating' | 'running' | 'absent'> {
    const [instances, asg] = await Promise.all([
      this.describeInstances('instance-id', [instanceId], signal),
      this.call(
        'DescribeAutoScalingInstances',
        () => this.autoScaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] }), signal ? { abortSignal: signal } : {}),
        signal,
      ),
    ]);
    const ec2State = instances[0]?.state;
    const lifecycle = asg.AutoScalingInstances?.[0]?.LifecycleState ?? '';
    this.log.debug({ instance: instanceId, ec2State, lifecycle }, 're-read instance after a failed terminate');
    if (ec2State === 'shutting-down' || ec2State === 'terminated' || lifecycle.startsWith('Terminat')) return 'terminating';
    return ec2State ? 'running' : 'absent';
  }

  private async describeInstances(filterName: string, values: string[], signal?: AbortSignal): Promise<Ec2Instance[]> {
    const out: Ec2Instance[] = [];
    for (const chunk of chunks(values, FILTER_CHUNK)) {
      const filters: Filter[] = [{ Name: filterName, Values: chunk }];
      let token: string | undefined;
      do {
        const page = await this.call(
          'DescribeInstances',
          () => this.ec2.send(new DescribeInstancesCommand({ Filters: filters, MaxResults: PAGE_SIZE, NextToken: token }), signal ? { abortSignal: signal } : {}),
          signal,
        );
        for (const r of page.Reservations ?? []) for (const i of r.Instances ?? []) out.push(toInstance(i));
        token = page.NextToken;
      } while (token);
    }
    return out;
  }

  private async describeGroups(names: string[], signal?: AbortSignal): Promise<SdkGroup[]> {
    const out: SdkGroup[] = [];
    for (const chunk of chunks(names, GROUP_CHUNK)) {
      let token: string | undefined;
      do {
        const page = await this.call(
          'DescribeAutoScalingGroups',
          () =>
            this.autoScaling.send(
              new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: chunk, MaxRecords: 100, NextToken: token }),
              signal ? { abortSignal: signal } : {},
            ),
          signal,
        );
        out.push(...(page.AutoScalingGroups ?? []));
        token = page.NextToken;
      } while (token);
    }
    return out;
  }

  private async call<T>(operation: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    try {
      return await withRetry(fn, { log: this.log, what: operation, options: this.options.retry, signal });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw toAwsServiceError(error, operation);
    }
  }
}

/** Codes that answer "not now" for certain: the request was refused, nothing happened. */
const REFUSED_FOR_NOW = new Set(['Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'ScalingActivityInProgressFault', 'ResourceContentionFault']);

/** A failure after which the terminate may or may not have been carried out (timeout, 5xx, reset). */
function isAmbiguousFailure(error: unknown): boolean {
  return isTransientError(error) && !REFUSED_FOR_NOW.has(awsErrorCodeOf(error));
}

function toInstance(i: Instance): Ec2Instance {
  const tags = Object.fromEntries((i.Tags ?? []).flatMap((t) => (t.Key !== undefined ? [[t.Key, t.Value ?? '']] : [])));
  const instance: Ec2Instance = { id: i.InstanceId ?? '', state: i.State?.Name ?? 'pending', tags };
  if (i.PrivateIpAddress) instance.privateIp = i.PrivateIpAddress;
  if (i.Placement?.AvailabilityZone) instance.availabilityZone = i.Placement.AvailabilityZone;
  if (tags[GROUP_TAG]) instance.groupName = tags[GROUP_TAG];
  if (i.LaunchTime) instance.launchTime = i.LaunchTime;
  return instance;
}

/** Whether an instance is behind one of the query's node keys. */
function matches(query: FleetQuery): (i: Ec2Instance) => boolean {
  const ips = new Set(query.privateIps);
  const ids = new Set(query.instanceIds);
  return (i) => (i.privateIp !== undefined && ips.has(i.privateIp)) || ids.has(i.id);
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
