// `terminate <instance-id>`: what the controller does to one node, by hand.

import { TerminateInstanceInAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { createAwsClients } from '../aws-clients.ts';
import { readState } from '../sandbox-state.ts';

export async function terminate(instanceId: string): Promise<string> {
  const state = readState();
  const aws = createAwsClients(state.awsEndpoint, state.region);
  const result = await aws.autoScaling.send(new TerminateInstanceInAutoScalingGroupCommand({
    InstanceId: instanceId, ShouldDecrementDesiredCapacity: false,
  }));
  return `${result.Activity?.Description ?? 'terminated'} (${result.Activity?.StatusCode ?? '?'})`;
}
