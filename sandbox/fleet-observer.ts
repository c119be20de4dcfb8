// Reads the cluster's groups and their instances from (emulated) AWS, in two batched calls.

import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import type { AwsClients } from './aws-clients.ts';

export interface ObservedInstance {
  id: string;
  state: string;
  groupName?: string;
  privateIp?: string;
  availabilityZone?: string;
  launchTime?: Date;
  tags: Record<string, string>;
}

export interface ObservedGroup {
  name: string;
  desired: number;
  /** Instances the group lists, with the launch template version it reports for each. */
  members: { id: string; lifecycleState?: string; launchTemplateVersion?: string }[];
}

export interface FleetView {
  groups: ObservedGroup[];
  instances: ObservedInstance[];
}

export async function observeFleet(aws: AwsClients, groupNames: string[]): Promise<FleetView> {
  const groupsResponse = await aws.autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: groupNames }));
  const groups = (groupsResponse.AutoScalingGroups ?? []).map((g): ObservedGroup => ({
    name: g.AutoScalingGroupName ?? '',
    desired: g.DesiredCapacity ?? 0,
    members: (g.Instances ?? []).map((i) => ({
      id: i.InstanceId ?? '',
      lifecycleState: i.LifecycleState,
      launchTemplateVersion: i.LaunchTemplate?.Version,
    })),
  }));
  const instances: ObservedInstance[] = [];
  let nextToken: string | undefined;
  do {
    const page = await aws.ec2.send(new DescribeInstancesCommand({
      Filters: [{ Name: 'tag:aws:autoscaling:groupName', Values: groupNames }],
      NextToken: nextToken,
    }));
    for (const reservation of page.Reservations ?? []) {
      for (const i of reservation.Instances ?? []) {
        const tags = Object.fromEntries((i.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
        instances.push({
          id: i.InstanceId ?? '',
          state: i.State?.Name ?? 'unknown',
          groupName: tags['aws:autoscaling:groupName'],
          privateIp: i.PrivateIpAddress,
          availabilityZone: i.Placement?.AvailabilityZone,
          launchTime: i.LaunchTime,
          tags,
        });
      }
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return { groups, instances };
}

/**
 * States of instances by id. moto drops the group tag of a terminated instance, so the group filter
 * above no longer finds it; by id it is still listed as terminated.
 */
export async function instanceStates(aws: AwsClients, ids: string[]): Promise<Map<string, string>> {
  const states = new Map<string, string>();
  try {
    const page = await aws.ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
    for (const reservation of page.Reservations ?? []) {
      for (const i of reservation.Instances ?? []) states.set(i.InstanceId ?? '', i.State?.Name ?? 'unknown');
    }
  } catch {
    // An unknown id fails the whole call; the caller reports those instances as absent.
  }
  return states;
}
