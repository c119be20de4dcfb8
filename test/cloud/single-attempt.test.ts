// Uses real SDK clients with a failing HTTP handler (no aws-sdk-client-mock: it would bypass the
// middleware stack), to prove the SDK's own retry strategy does not resend a terminate.

import { AutoScalingClient, TerminateInstanceInAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { describe, expect, it } from 'vitest';
import { sendOnce, unwrapSingleAttempt } from '../../src/cloud/single-attempt.ts';

function clientFailingWith(error: Error): { client: AutoScalingClient; attempts: () => number } {
  let attempts = 0;
  const client = new AutoScalingClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example-secret' },
    maxAttempts: 3,
    requestHandler: {
      handle: () => {
        attempts++;
        return Promise.reject(error);
      },
    },
  });
  return { client, attempts: () => attempts };
}

const terminate = (): TerminateInstanceInAutoScalingGroupCommand =>
  new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: 'i-1', ShouldDecrementDesiredCapacity: false });

describe('sendOnce', () => {
  it('lets the SDK retry a reset connection on an ordinary command (control)', async () => {
    const { client, attempts } = clientFailingWith(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));

    await expect(client.send(terminate())).rejects.toThrow('socket hang up');

    expect(attempts()).toBe(3);
  });

  it('sends the terminate request once even when the SDK would retry it, keeping the original error', async () => {
    // Prepare
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const { client, attempts } = clientFailingWith(reset);
    const command = terminate();
    sendOnce(command);

    // Act
    const error = await client.send(command).catch((e: unknown) => e);

    // Assess
    expect(attempts()).toBe(1);
    expect(unwrapSingleAttempt(error)).toBe(reset);
  });
});
