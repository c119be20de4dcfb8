// The Fleet port against EC2 and EC2 Auto Scaling. Reads are batched (never one call per node) and
// retried when transient; the terminate is never retried blindly.

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
import { resolveLaunchVersions } from './resolve-launch-versions.ts';
import { sendOnce, unwrapSingleAttempt } from './single-attempt.ts';

export interface AwsFleetOptions {
  retry?: RetryOptions;
  /** Tag holding the Elasticsearch version an instance runs / a launch template launches (default "Version"). */
  versionTagKey?: string;
}

const GROUP_TAG = 'aws:autoscaling:groupName';
/** EC2 accepts at most 200 values per filter. */
const FILTER_CHUNK = 200;
const GROUP_CHUNK = 50;

export class AwsFleet implements Fleet {
  private readonly ec2: EC2Client;
  private readonly autoScaling: AutoScalingClient;
  private readonly log: Logger;
  private readonly options: AwsFleetOptions;

  constructor(ec2: EC2Client, autoScaling: AutoScalingClient, log: Logger, options: AwsFleetOptions = {}) {
    this.ec2 = ec2;
    this.autoScaling = autoScaling;
    this.log = log;
    this.options = options;
  }

  async observe(query: FleetQuery, signal?: AbortSignal): Promise<FleetSnapshot> {
    const instances = new Map<string, Ec2Instance>();
    const add = (list: Ec2Instance[]): void => list.forEach((i) => instances.set(i.id, i));
    // Instance-id is a filter rather than InstanceIds so an id long gone is simply absent, not an error.
    const [byIp, byId] = await Promise.all([
      this.describeInstances('private-ip-address', query.privateIps, signal),
      this.describeInstances('instance-id', query.instanceIds, signal),
    ]);
    add(byIp);
    add(byId);

    const groupNames = new Set(query.groupNames);
    for (const i of instances.values()) if (i.groupName) groupNames.add(i.groupName);
    const sdkGroups = await this.describeGroups([...groupNames], signal);

    const missing = sdkGroups.flatMap((g) => g.Instances ?? []).map((i) => i.InstanceId ?? '').filter((id) => id && !instances.has(id));
    const [members, launchVersions] = await Promise.all([
      this.describeInstances('instance-id', [...new Set(missing)], signal),
      resolveLaunchVersions(sdkGroups, this.ec2, (op, fn) => this.call(op, fn, signal), this.options.versionTagKey ?? 'Version'),
    ]);
    add(members);

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
          () => this.ec2.send(new DescribeInstancesCommand({ Filters: filters, MaxResults: 1000, NextToken: token }), signal ? { abortSignal: signal } : {}),
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

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
