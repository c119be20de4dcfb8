// Builds the SDK clients for the composition roots. Credentials come from the default provider
// chain; a named profile is passed as the clients' `profile` (what AWS_PROFILE would select).

import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { toolUserAgent } from '../shared/tool-version.ts';

export interface AwsClientOptions {
  region: string;
  profile?: string | undefined;
  /** Custom endpoint, e.g. moto's "http://127.0.0.1:5000"; credentials still come from the chain. */
  endpoint?: string | undefined;
  /**
   * SDK attempts per call, first included (default 1): the adapters' own retries are the one retry
   * layer, so AWS_MAX_ATTEMPTS or a profile's max_attempts must not multiply them.
   */
  maxAttempts?: number | undefined;
  /**
   * Appended to the SDK's user agent (default "es-rolling-upgrade/<version>"): CloudTrail records it
   * with every call, so the terminations this tool makes can be told from others.
   */
  userAgent?: string | undefined;
}

export interface AwsClients {
  ec2: EC2Client;
  autoScaling: AutoScalingClient;
}

export function createAwsClients(options: AwsClientOptions): AwsClients {
  const config = {
    region: options.region,
    maxAttempts: options.maxAttempts ?? 1,
    customUserAgent: options.userAgent ?? toolUserAgent(),
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  };
  return { ec2: new EC2Client(config), autoScaling: new AutoScalingClient(config) };
}
