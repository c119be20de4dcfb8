// Fluent builders for AWS SDK v3 output shapes (typed, so hand-built outputs stay honest).

import type { AutoScalingGroup, LaunchTemplateSpecification } from '@aws-sdk/client-auto-scaling';
import type { Instance, InstanceStateName, LaunchTemplateVersion } from '@aws-sdk/client-ec2';

export class InstanceBuilder {
  readonly value: Instance;
  constructor(id: string) {
    this.value = { InstanceId: id, State: { Name: 'running', Code: 16 }, Tags: [], Placement: { AvailabilityZone: 'eu-west-1a' } };
  }
  withIp(ip: string): this {
    this.value.PrivateIpAddress = ip;
    return this;
  }
  inGroup(name: string): this {
    return this.withTag('aws:autoscaling:groupName', name);
  }
  withTag(key: string, value: string): this {
    this.value.Tags?.push({ Key: key, Value: value });
    return this;
  }
  inState(name: InstanceStateName): this {
    this.value.State = { Name: name };
    return this;
  }
}

export const anInstance = (id: string): InstanceBuilder => new InstanceBuilder(id);

export class GroupBuilder {
  readonly value: AutoScalingGroup;
  constructor(name: string) {
    this.value = {
      AutoScalingGroupName: name,
      MinSize: 3,
      MaxSize: 4,
      DesiredCapacity: 3,
      DefaultCooldown: 300,
      AvailabilityZones: ['eu-west-1a'],
      HealthCheckType: 'EC2',
      CreatedTime: new Date('2025-01-01T00:00:00Z'),
      Instances: [],
      SuspendedProcesses: [],
      Tags: [],
    };
  }
  withInstances(...ids: string[]): this {
    this.value.Instances = ids.map((id) => ({
      InstanceId: id,
      AvailabilityZone: 'eu-west-1a',
      LifecycleState: 'InService',
      HealthStatus: 'Healthy',
      ProtectedFromScaleIn: false,
    }));
    return this;
  }
  withCapacity(min: number, desired: number, max: number): this {
    Object.assign(this.value, { MinSize: min, DesiredCapacity: desired, MaxSize: max });
    return this;
  }
  suspending(...processes: string[]): this {
    this.value.SuspendedProcesses = processes.map((p) => ({ ProcessName: p, SuspensionReason: 'User suspended' }));
    return this;
  }
  withLaunchTemplate(spec: LaunchTemplateSpecification): this {
    this.value.LaunchTemplate = spec;
    return this;
  }
  withMixedInstancesTemplate(spec: LaunchTemplateSpecification): this {
    this.value.MixedInstancesPolicy = { LaunchTemplate: { LaunchTemplateSpecification: spec, Overrides: [] } };
    return this;
  }
  withTag(key: string, value: string, propagateAtLaunch: boolean): this {
    this.value.Tags?.push({ Key: key, Value: value, PropagateAtLaunch: propagateAtLaunch, ResourceId: this.value.AutoScalingGroupName, ResourceType: 'auto-scaling-group' });
    return this;
  }
}

export const aGroup = (name: string): GroupBuilder => new GroupBuilder(name);

export function aTemplateVersion(
  id: string,
  version: number,
  options: { isDefault?: boolean; instanceTags?: Record<string, string>; volumeTags?: Record<string, string> } = {},
): LaunchTemplateVersion {
  const toTags = (tags: Record<string, string>): { Key: string; Value: string }[] =>
    Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
  return {
    LaunchTemplateId: id,
    LaunchTemplateName: `${id}-name`,
    VersionNumber: version,
    DefaultVersion: options.isDefault ?? false,
    LaunchTemplateData: {
      ImageId: 'ami-0123456789abcdef0',
      TagSpecifications: [
        ...(options.volumeTags ? [{ ResourceType: 'volume' as const, Tags: toTags(options.volumeTags) }] : []),
        ...(options.instanceTags ? [{ ResourceType: 'instance' as const, Tags: toTags(options.instanceTags) }] : []),
      ],
    },
  };
}
