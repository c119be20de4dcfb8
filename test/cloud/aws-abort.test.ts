// An interrupt must never wait for a slow answer: AWS calls take the run's abort signal, against a
// real HTTP endpoint that never answers.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../src/cloud/aws-clients.ts';
import { AwsFleet } from '../../src/cloud/aws-fleet.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { startHangingServer, timeToAbort, type HangingServer } from '../support/hanging-server.ts';

describe('AWS calls abort within 2 s against an endpoint that never answers', () => {
  let server: HangingServer;
  let fleet: AwsFleet;
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = 'testing';
    process.env.AWS_SECRET_ACCESS_KEY = 'testing';
    server = await startHangingServer();
    const aws = createAwsClients({ region: 'ap-southeast-2', endpoint: server.url });
    fleet = new AwsFleet(aws.ec2, aws.autoScaling, silentLogger());
  });
  afterAll(async () => {
    await server.close();
    if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
    else process.env.AWS_ACCESS_KEY_ID = saved.id;
    if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
    else process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
  });

  it.each([
    ['observe', (signal: AbortSignal) => fleet.observe({ privateIps: ['10.0.0.1'], instanceIds: [], groupNames: ['es-data'] }, signal)],
    ['terminateInGroup', (signal: AbortSignal) => fleet.terminateInGroup('i-0123456789abcdef0', signal)],
  ])('%s', async (_name, call) => {
    const { settledAfterAbortMs, error } = await timeToAbort(call);
    expect(error).toMatchObject({ message: 'interrupted by test' });
    expect(settledAfterAbortMs).toBeLessThan(2_000);
    expect(server.requests.length).toBeGreaterThan(0);
  });
});
