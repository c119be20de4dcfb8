import {
  AutoScalingClient,
  AutoScalingServiceException,
  DescribeAutoScalingInstancesCommand,
  ScalingActivityInProgressFault,
  TerminateInstanceInAutoScalingGroupCommand,
  type LifecycleState,
} from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, EC2Client, type InstanceStateName } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsFleet } from '../../src/cloud/aws-fleet.ts';
import { ServiceError } from '../../src/shared/errors.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { anInstance } from './builders.ts';
import { serveInstances } from './fake-ec2.ts';

const ec2Mock = mockClient(EC2Client);
const asgMock = mockClient(AutoScalingClient);

function newFleet(): AwsFleet {
  return new AwsFleet(new EC2Client({ region: 'eu-west-1' }), new AutoScalingClient({ region: 'eu-west-1' }), silentLogger(), {
    retry: { retries: 2, minDelayMs: 1, maxDelayMs: 2 },
  });
}

/** What a dropped connection looks like from the SDK: no response, just a socket error. */
function connectionReset(): Error {
  return Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
}

function serveInstanceState(ec2State: InstanceStateName, lifecycle: LifecycleState): void {
  serveInstances(ec2Mock, [anInstance('i-1').inGroup('es-data').inState(ec2State).value]);
  asgMock.on(DescribeAutoScalingInstancesCommand).resolves({
    AutoScalingInstances: [
      { InstanceId: 'i-1', AutoScalingGroupName: 'es-data', AvailabilityZone: 'eu-west-1a', LifecycleState: lifecycle, HealthStatus: 'HEALTHY', ProtectedFromScaleIn: false },
    ],
  });
}

beforeEach(() => {
  ec2Mock.reset();
  asgMock.reset();
});

describe('AwsFleet.terminateInGroup', () => {
  it('asks the group to replace the instance without decrementing desired capacity', async () => {
    // Prepare
    asgMock.on(TerminateInstanceInAutoScalingGroupCommand).resolves({ Activity: undefined });

    // Act
    await newFleet().terminateInGroup('i-1');

    // Assess
    const calls = asgMock.commandCalls(TerminateInstanceInAutoScalingGroupCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({ InstanceId: 'i-1', ShouldDecrementDesiredCapacity: false });
    expect(ec2Mock.commandCalls(DescribeInstancesCommand)).toHaveLength(0);
  });

  it('re-reads the instance after an ambiguous failure, and when it did not land says so as transient, for a later tick', async () => {
    // Prepare
    asgMock.on(TerminateInstanceInAutoScalingGroupCommand).rejectsOnce(connectionReset()).resolves({});
    serveInstanceState('running', 'InService');

    // Act
    const error = await newFleet().terminateInGroup('i-1').catch((e: unknown) => e);

    // Assess: terminate, re-read; never sent twice within one call.
    expect(error).toMatchObject({ service: 'aws', transient: true });
    expect(asgMock.commandCalls(TerminateInstanceInAutoScalingGroupCommand)).toHaveLength(1);
    expect(ec2Mock.commandCalls(DescribeInstancesCommand)).toHaveLength(1);
    expect(asgMock.commandCalls(DescribeAutoScalingInstancesCommand)).toHaveLength(1);
  });

  it.each([
    ['EC2 says shutting-down', 'shutting-down', 'Terminating'],
    ['EC2 says terminated', 'terminated', 'Terminated'],
    ['the group already started terminating it (lifecycle hook wait)', 'running', 'Terminating:Wait'],
  ] as const)('treats an ambiguous failure as done when %s', async (_name, ec2State, lifecycle) => {
    asgMock.on(TerminateInstanceInAutoScalingGroupCommand).rejects(connectionReset());
    serveInstanceState(ec2State, lifecycle);

    await newFleet().terminateInGroup('i-1');

    expect(asgMock.commandCalls(TerminateInstanceInAutoScalingGroupCommand)).toHaveLength(1);
  });

  it('a throttled terminate did not land: surfaced at once as transient, without reading the instance or resending', async () => {
    const throttled = new AutoScalingServiceException({ name: 'Throttling', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Rate exceeded' });
    asgMock.on(TerminateInstanceInAutoScalingGroupCommand).rejects(throttled);
    serveInstanceState('running', 'InService');

    const error = await newFleet().terminateInGroup('i-1').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ServiceError);
    expect(error).toMatchObject({ transient: true });
    expect((error as Error).message).toBe('TerminateInstanceInAutoScalingGroup failed: Throttling: Rate exceeded (HTTP 400)');
    expect(asgMock.commandCalls(TerminateInstanceInAutoScalingGroupCommand)).toHaveLength(1);
    expect(ec2Mock.commandCalls(DescribeInstancesCommand)).toHaveLength(0);
  });

  it('does not resend after an ambiguous failure when the instance cannot be found', async () => {
    asgMock.on(TerminateInstanceInAutoScalingGroupCommand).rejects(connectionReset());
    serveInstances(ec2Mock, []);
    asgMock.on(DescribeAutoScalingInstancesCommand).resolves({ AutoScalingInstances: [] });

    const error = await newFleet().terminateInGroup('i-1').catch((e: unknown) => e);

    expect(error).toMatchObject({ service: 'aws', transient: false });
    expect(asgMock.commandCalls(TerminateInstanceInAutoScalingGroupCommand)).toHaveLength(1);
  });

  it('does not retry a validation error and surfaces its AWS code without reading the instance', async () => {
    const invalid = new AutoScalingServiceException({
      name: 'ValidationError',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
      message: 'Instance Id not found - No managed instance found for instance ID: i-1',
    });
    asgMock.on(TerminateInstanceInAutoScalingGroupCommand).rejects(invalid);

    const error = await newFleet().terminateInGroup('i-1').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ServiceError);
    expect(error).toMatchObject({ service: 'aws', transient: false });
    expect((error as Error).message).toContain('failed: ValidationError: Instance Id not found');
    expect(asgMock.commandCalls(TerminateInstanceInAutoScalingGroupCommand)).toHaveLength(1);
    expect(ec2Mock.commandCalls(DescribeInstancesCommand)).toHaveLength(0);
  });

  it('surfaces a scaling activity in progress as a ServiceError for the runner to retry next tick', async () => {
    asgMock.on(TerminateInstanceInAutoScalingGroupCommand).rejects(
      new ScalingActivityInProgressFault({ $metadata: { httpStatusCode: 400 }, message: 'Scaling activity is in progress' }),
    );

    const error = await newFleet().terminateInGroup('i-1').catch((e: unknown) => e);

    expect(error).toMatchObject({ transient: true, message: expect.stringContaining('ScalingActivityInProgressFault: Scaling activity is in progress') as string });
    expect(asgMock.commandCalls(TerminateInstanceInAutoScalingGroupCommand)).toHaveLength(1);
  });
});
