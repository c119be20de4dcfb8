// The AWS side of the sandbox, as an operator's CloudFormation stack would have it: a VPC with a
// subnet per AZ, one launch template and one Auto Scaling group per role spanning every subnet.

import { CreateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeImagesCommand,
  ModifyLaunchTemplateCommand,
  type RequestLaunchTemplateData,
} from '@aws-sdk/client-ec2';
import type { AwsClients } from './aws-clients.ts';

export type Role = 'master' | 'data';

/** Node roles each group's instances get. */
export const ROLE_NODE_ROLES: Record<Role, string[]> = { master: ['master'], data: ['data', 'ingest'] };

export interface RoleFleet {
  role: Role;
  groupName: string;
  launchTemplateId: string;
  launchTemplateName: string;
}

export interface FleetSetup {
  vpcId: string;
  subnetIds: string[];
  imageId: string;
  fleets: RoleFleet[];
}

export const VERSION_TAG = 'Version';
export const ROLE_TAG = 'Role';
export const CLUSTER_TAG = 'Cluster';

/** The zones a sandbox's groups can span: moto's region has three (a, b, c). */
export const MAX_ZONES = 3;

/** Why `zones` (as given: `given`) is no zone count for `up --zones`; undefined when it is one. */
export function zoneCountProblem(zones: number, given = String(zones)): string | undefined {
  return Number.isInteger(zones) && zones >= 1 && zones <= MAX_ZONES
    ? undefined
    : `--zones must be a whole number of availability zones from 1 to ${MAX_ZONES}, got ${JSON.stringify(given)}`;
}

export async function createFleet(
  aws: AwsClients,
  clusterName: string,
  version: string,
  counts: Record<Role, number>,
  zones = MAX_ZONES,
): Promise<FleetSetup> {
  const problem = zoneCountProblem(zones);
  if (problem) throw new Error(problem);
  const vpc = await aws.ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
  const vpcId = vpc.Vpc?.VpcId ?? '';
  const subnetIds: string[] = [];
  for (const [i, zone] of ['a', 'b', 'c'].slice(0, zones).entries()) {
    const subnet = await aws.ec2.send(new CreateSubnetCommand({
      VpcId: vpcId, CidrBlock: `10.0.${i + 1}.0/24`, AvailabilityZone: `${await regionOf(aws)}${zone}`,
    }));
    subnetIds.push(subnet.Subnet?.SubnetId ?? '');
  }
  const images = await aws.ec2.send(new DescribeImagesCommand({}));
  const imageId = images.Images?.[0]?.ImageId;
  if (!imageId) throw new Error('moto offers no AMI to launch from');

  const fleets: RoleFleet[] = [];
  for (const role of ['master', 'data'] as const) {
    const launchTemplateName = `${clusterName}-${role}`;
    const template = await aws.ec2.send(new CreateLaunchTemplateCommand({
      LaunchTemplateName: launchTemplateName,
      LaunchTemplateData: launchTemplateData(imageId, clusterName, role, version),
    }));
    const launchTemplateId = template.LaunchTemplate?.LaunchTemplateId ?? '';
    const groupName = `${clusterName}-${role}`;
    await aws.autoScaling.send(new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: groupName,
      LaunchTemplate: { LaunchTemplateId: launchTemplateId, Version: '$Default' },
      MinSize: counts[role],
      MaxSize: counts[role] + 1,
      DesiredCapacity: counts[role],
      VPCZoneIdentifier: subnetIds.join(','),
      Tags: [{ Key: CLUSTER_TAG, Value: clusterName, PropagateAtLaunch: true, ResourceId: groupName, ResourceType: 'auto-scaling-group' }],
    }));
    fleets.push({ role, groupName, launchTemplateId, launchTemplateName });
  }
  return { vpcId, subnetIds, imageId, fleets };
}

/** What a CloudFormation update does: a new template version with the new tag, made the default. */
export async function rollLaunchTemplate(aws: AwsClients, fleet: RoleFleet, imageId: string, clusterName: string, version: string): Promise<number> {
  const created = await aws.ec2.send(new CreateLaunchTemplateVersionCommand({
    LaunchTemplateId: fleet.launchTemplateId,
    VersionDescription: `Elasticsearch ${version}`,
    LaunchTemplateData: launchTemplateData(imageId, clusterName, fleet.role, version),
  }));
  const number = created.LaunchTemplateVersion?.VersionNumber;
  if (number === undefined) throw new Error(`no version number for ${fleet.launchTemplateName}`);
  await aws.ec2.send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: fleet.launchTemplateId, DefaultVersion: String(number) }));
  return number;
}

function launchTemplateData(imageId: string, clusterName: string, role: Role, version: string): RequestLaunchTemplateData {
  return {
    ImageId: imageId,
    InstanceType: 't3.large',
    TagSpecifications: [{
      ResourceType: 'instance',
      Tags: [
        { Key: VERSION_TAG, Value: version },
        { Key: ROLE_TAG, Value: role },
        { Key: CLUSTER_TAG, Value: clusterName },
        { Key: 'Name', Value: `${clusterName}-${role}` },
      ],
    }],
  };
}

async function regionOf(aws: AwsClients): Promise<string> {
  return await aws.ec2.config.region();
}
