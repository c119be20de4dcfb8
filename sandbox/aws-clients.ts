// AWS SDK clients pointed at the sandbox's AWS endpoint (the fault layer in front of moto, or moto
// itself): loopback endpoint, dummy credentials, the sandbox region.

import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';

export const SANDBOX_REGION = 'ap-southeast-2';

/**
 * The sandbox's own clients (the fleet agent, status, roll, the test harness) add this to their user
 * agent: the fault layer injects no error into their calls and leaves them out of its call record,
 * so faults meant for the controller reach the controller. Lifecycle lags apply to everyone.
 */
export const SANDBOX_USER_AGENT = 'esru-sandbox';

export interface AwsClients {
  ec2: EC2Client;
  autoScaling: AutoScalingClient;
}

export interface SandboxClientOptions {
  /** Default true; false for a client standing in for the controller (faults apply, calls recorded). */
  sandboxClient?: boolean;
  /** Names the sandbox client in its user agent (`esru-sandbox/<label>`). */
  label?: string;
  maxAttempts?: number;
}

export function createAwsClients(endpoint: string, region = SANDBOX_REGION, options: SandboxClientOptions = {}): AwsClients {
  const config = {
    endpoint,
    region,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: options.maxAttempts ?? 3,
    ...(options.sandboxClient === false ? {} : { customUserAgent: `${SANDBOX_USER_AGENT}/${options.label ?? 'tool'}` }),
  };
  return { ec2: new EC2Client(config), autoScaling: new AutoScalingClient(config) };
}

/** What a shell or the CLI needs in its environment to reach the same endpoint. */
export function awsEnvironment(endpoint: string, region = SANDBOX_REGION): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
  };
}
