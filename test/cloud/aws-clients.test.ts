import { describe, expect, it } from 'vitest';
import { createAwsClients } from '../../src/cloud/aws-clients.ts';

describe('createAwsClients', () => {
  it('points both clients at the region and custom endpoint (moto) with the configured attempts', async () => {
    // Act
    const { ec2, autoScaling } = createAwsClients({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:5000', maxAttempts: 5 });

    // Assess
    for (const client of [ec2, autoScaling]) {
      expect(await client.config.region()).toBe('eu-west-1');
      expect(await client.config.maxAttempts()).toBe(5);
      const endpoint = await client.config.endpoint?.();
      expect(endpoint).toMatchObject({ protocol: 'http:', hostname: '127.0.0.1', port: 5000 });
    }
  });

  it('selects a named profile on both clients as AWS_PROFILE would', () => {
    const { ec2, autoScaling } = createAwsClients({ region: 'eu-west-1', profile: 'es-upgrade' });

    expect(ec2.config.profile).toBe('es-upgrade');
    expect(autoScaling.config.profile).toBe('es-upgrade');
  });

  it('uses the SDK default endpoint and one attempt when none are given: the adapters\' retries are the only layer', async () => {
    const { ec2, autoScaling } = createAwsClients({ region: 'us-east-1' });

    expect(ec2.config.endpoint).toBeUndefined();
    expect(await ec2.config.maxAttempts()).toBe(1);
    expect(await autoScaling.config.maxAttempts()).toBe(1);
  });

  it('is not multiplied by AWS_MAX_ATTEMPTS from the environment', async () => {
    const before = process.env.AWS_MAX_ATTEMPTS;
    process.env.AWS_MAX_ATTEMPTS = '7';
    try {
      const { autoScaling } = createAwsClients({ region: 'us-east-1' });
      expect(await autoScaling.config.maxAttempts()).toBe(1);
    } finally {
      if (before === undefined) delete process.env.AWS_MAX_ATTEMPTS;
      else process.env.AWS_MAX_ATTEMPTS = before;
    }
  });
});
