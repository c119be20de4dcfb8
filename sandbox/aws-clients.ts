// AWS SDK clients pointed at moto: loopback endpoint, dummy credentials, the sandbox region.

import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';

export const SANDBOX_REGION = 'ap-southeast-2';

export interface AwsClients {
  ec2: EC2Client;
  autoScaling: AutoScalingClient;
}

export function createAwsClients(endpoint: string, region = SANDBOX_REGION): AwsClients {
  const config = {
    endpoint,
    region,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 3,
  };
  return { ec2: new EC2Client(config), autoScaling: new AutoScalingClient(config) };
}

/** What a shell or the CLI needs in its environment to reach the same moto. */
export function awsEnvironment(endpoint: string, region = SANDBOX_REGION): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
  };
}
