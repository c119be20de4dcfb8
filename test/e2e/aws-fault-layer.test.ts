// The AWS fault layer against real moto through the real AWS SDK v3 (no Elasticsearch): lifecycle
// lags of a terminate and of its replacement, a repeated terminate, and injected errors as the SDK
// sees them (name, HTTP status, whether its retry strategy retries them) with the call record.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DescribeAutoScalingGroupsCommand, DescribeAutoScalingInstancesCommand, TerminateInstanceInAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAwsClients, SANDBOX_REGION, type AwsClients } from '../../sandbox/aws-clients.ts';
import { readAwsCalls } from '../../sandbox/aws-calls.ts';
import { startAwsFaultProxy, type AwsFaultProxy } from '../../sandbox/aws-fault-proxy.ts';
import { clearAwsFaults, updateAwsFaults, writeAwsFaults, type AwsErrorKind, type ReplacementTiming } from '../../sandbox/aws-faults.ts';
import { createFleet } from '../../sandbox/fleet-setup.ts';
import { startMoto, stopMoto } from '../../sandbox/moto-server.ts';
import { waitFor } from '../../sandbox/wait-for.ts';
import { ensurePrerequisites } from './sandbox-harness.ts';

const GROUP = 'lag-data';

describe('AWS fault layer in front of moto', () => {
  let tmp = '';
  let dir = '';
  let moto: { endpoint: string };
  let proxy: AwsFaultProxy;
  /** Stands in for the controller: unmarked, so faults apply and its calls are recorded; one attempt. */
  let client: AwsClients;

  beforeAll(async () => {
    ensurePrerequisites([]);
    tmp = mkdtempSync(join(tmpdir(), 'esru-aws-faults-'));
    dir = join(tmp, 'aws');
    moto = await startMoto(join(tmp, 'moto'));
    await createFleet(createAwsClients(moto.endpoint), 'lag', '9.4.5', { master: 1, data: 3 });
    proxy = await startAwsFaultProxy({ port: 0, upstream: moto.endpoint, dir, tickMs: 20 });
    client = createAwsClients(proxy.endpoint, SANDBOX_REGION, { sandboxClient: false, maxAttempts: 1 });
  });

  afterAll(async () => {
    await proxy?.close();
    await stopMoto(join(tmp, 'moto'));
    rmSync(tmp, { recursive: true, force: true });
  });

  beforeEach(() => clearAwsFaults(dir));

  async function members(): Promise<Map<string, string>> {
    const answer = await client.autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [GROUP] }));
    return new Map((answer.AutoScalingGroups?.[0]?.Instances ?? []).map((i) => [i.InstanceId ?? '', i.LifecycleState ?? '']));
  }

  async function ec2States(ids: string[]): Promise<Map<string, string>> {
    const answer = await client.ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
    return new Map((answer.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => [i.InstanceId ?? '', i.State?.Name ?? '']));
  }

  async function inServiceVictim(): Promise<string> {
    return waitFor(async () => [...(await members())].find(([, state]) => state === 'InService')?.[0], { timeoutMs: 10_000, what: 'an InService member' });
  }

  interface Sample { at: number; victim: string; victimAsi: string; victimEc2: string; replacementState: string; replacementEc2: string }

  it.each<ReplacementTiming>(['at-terminate', 'after-terminate'])(
    'a terminate shows Terminating, then Terminating:Wait with EC2 running, then shutting down; the replacement (%s) is Pending, Pending:Wait, InService',
    async (replacement) => {
      writeAwsFaults(dir, {
        terminateLag: { terminatingMs: 500, waitMs: 700, shuttingDownMs: 400 },
        launchLag: { pendingMs: 500, waitMs: 500 },
        replacement,
      });
      const victim = await inServiceVictim();
      const before = new Set((await members()).keys());
      const started = Date.now();
      const answer = await client.autoScaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: victim, ShouldDecrementDesiredCapacity: false }));
      expect(answer.Activity?.StatusCode).toBe('InProgress');
      expect(answer.Activity?.Description).toBe(`Terminating EC2 instance: ${victim}`);

      const samples: Sample[] = [];
      let replacementId: string | undefined;
      const settled = (s: Sample | undefined): boolean => s?.victimEc2 === 'terminated' && s.replacementState === 'InService';
      while (Date.now() - started < 8_000 && !settled(samples.at(-1))) {
        // EC2 of the victim before its lifecycle state, the replacement's lifecycle state before its
        // EC2 state: then "Terminating* => running" and "pending => Pending" hold without a race.
        const victimEc2 = (await ec2States([victim])).get(victim) ?? '?';
        const group = await members();
        const asked = await client.autoScaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [victim] }));
        replacementId ??= [...group.keys()].find((id) => !before.has(id));
        const replacementEc2 = replacementId ? (await ec2States([replacementId])).get(replacementId) ?? '?' : 'absent';
        samples.push({
          at: Date.now() - started,
          victim: group.get(victim) ?? 'absent',
          victimAsi: asked.AutoScalingInstances?.[0]?.LifecycleState ?? 'absent',
          victimEc2,
          replacementState: replacementId ? group.get(replacementId) ?? '?' : 'absent',
          replacementEc2,
        });
        await sleep(25);
      }

      const phases = (pick: (s: Sample) => string): string[] => samples.map(pick).filter((v, i, all) => i === 0 || v !== all[i - 1]);
      const firstAt = (pick: (s: Sample) => boolean): number | undefined => samples.find(pick)?.at;
      console.log(`[aws-fault-layer] ${replacement}: victim ${phases((s) => `${s.victim}/${s.victimEc2}`).join(' -> ')}; `
        + `replacement ${phases((s) => `${s.replacementState}/${s.replacementEc2}`).join(' -> ')}; first seen (ms after the call): `
        + `Terminating:Wait ${firstAt((s) => s.victim === 'Terminating:Wait')}, shutting-down ${firstAt((s) => s.victimEc2 === 'shutting-down')}, `
        + `terminated ${firstAt((s) => s.victimEc2 === 'terminated')}, replacement Pending ${firstAt((s) => s.replacementState === 'Pending')}, `
        + `Pending:Wait ${firstAt((s) => s.replacementState === 'Pending:Wait')}, InService ${firstAt((s) => s.replacementState === 'InService')}`);

      expect(settled(samples.at(-1))).toBe(true);
      expect(phases((s) => s.victim)).toEqual(['Terminating', 'Terminating:Wait', 'absent']);
      // DescribeAutoScalingInstances tells the same story as DescribeAutoScalingGroups.
      expect(phases((s) => s.victimAsi)).toEqual(['Terminating', 'Terminating:Wait', 'absent']);
      expect(phases((s) => s.victimEc2)).toEqual(['running', 'shutting-down', 'terminated']);
      expect(samples.filter((s) => s.victim.startsWith('Terminating')).every((s) => s.victimEc2 === 'running')).toBe(true);
      expect(phases((s) => s.replacementState)).toEqual([...(replacement === 'after-terminate' ? ['absent'] : []), 'Pending', 'Pending:Wait', 'InService']);
      expect(phases((s) => s.replacementEc2)).toEqual([...(replacement === 'after-terminate' ? ['absent'] : []), 'pending', 'running']);
      expect(samples.filter((s) => s.replacementEc2 === 'pending').every((s) => s.replacementState === 'Pending')).toBe(true);
      const waitAt = firstAt((s) => s.victim === 'Terminating:Wait') ?? NaN;
      const goneAt = firstAt((s) => s.victim === 'absent') ?? NaN;
      const pendingAt = firstAt((s) => s.replacementState === 'Pending') ?? NaN;
      expect(waitAt).toBeGreaterThanOrEqual(500);
      expect(goneAt).toBeGreaterThanOrEqual(1_200);
      // With the terminate (AWS's default), or once the old instance is shut down.
      if (replacement === 'at-terminate') expect(pendingAt).toBeLessThan(500);
      else expect(pendingAt).toBeGreaterThanOrEqual(1_200);

      const terminates = readAwsCalls(dir, { operation: 'TerminateInstanceInAutoScalingGroup', instanceId: victim });
      expect(terminates.map((c) => [c.status, c.activityStatus, c.attempt])).toEqual([[200, 'InProgress', 1]]);
      const seen = readAwsCalls(dir, { operation: 'DescribeAutoScalingInstances', instanceId: victim }).map((c) => c.lifecycleStates?.[victim]);
      expect(seen).toContain('Terminating:Wait');
    },
  );

  it('a repeated terminate of a terminating instance is refused with a ValidationError naming its state (reject)', async () => {
    writeAwsFaults(dir, { terminateLag: { terminatingMs: 60_000, waitMs: 0 }, repeatTerminate: 'reject' });
    const victim = await inServiceVictim();
    await client.autoScaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: victim, ShouldDecrementDesiredCapacity: false }));
    const error = await client.autoScaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: victim, ShouldDecrementDesiredCapacity: false }))
      .then(() => undefined, (e: unknown) => e as Error & { $metadata: { httpStatusCode?: number }; $fault: string });
    expect(error?.name).toBe('ValidationError');
    expect(error?.message).toContain(`${victim} is not in InService or Standby; it is Terminating`);
    expect(error?.$metadata.httpStatusCode).toBe(400);
    const calls = readAwsCalls(dir, { operation: 'TerminateInstanceInAutoScalingGroup', instanceId: victim });
    expect(calls.map((c) => [c.status, c.errorCode ?? null, c.repeat ?? false])).toEqual([[200, null, false], [400, 'ValidationError', true]]);
    expect(proxy.state().terminations.find((t) => t.instanceId === victim)?.requests).toBe(1);
  });

  it('a repeated terminate is answered with the same activity and counted (accept)', async () => {
    writeAwsFaults(dir, { terminateLag: { terminatingMs: 60_000, waitMs: 0 }, repeatTerminate: 'accept' });
    const victim = await inServiceVictim();
    const send = (): Promise<string | undefined> => client.autoScaling
      .send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: victim, ShouldDecrementDesiredCapacity: false }))
      .then((a) => a.Activity?.ActivityId);
    const first = await send();
    expect(await send()).toBe(first);
    expect(await send()).toBe(first);
    expect(proxy.state().terminations.find((t) => t.instanceId === victim)?.requests).toBe(3);
    expect(readAwsCalls(dir, { operation: 'TerminateInstanceInAutoScalingGroup', instanceId: victim }).map((c) => c.repeat ?? false))
      .toEqual([false, true, true]);
    expect((await members()).get(victim)).toBe('Terminating');
  });

  it('a terminate of an instance in no group gets AWS\'s ValidationError, not moto\'s HTML 500', async () => {
    const error = await client.autoScaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: 'i-0000000000000dead', ShouldDecrementDesiredCapacity: false }))
      .then(() => undefined, (e: unknown) => e as Error);
    expect(error?.name).toBe('ValidationError');
    expect(error?.message).toBe('Instance Id not found - No managed instance found for instance ID i-0000000000000dead');
  });

  const ERRORS: { operation: string; kind: AwsErrorKind; name: string; status?: number; fault?: string; retried: boolean }[] = [
    { operation: 'DescribeAutoScalingGroups', kind: 'throttling', name: 'Throttling', status: 400, fault: 'client', retried: true },
    { operation: 'DescribeInstances', kind: 'throttling', name: 'RequestLimitExceeded', status: 503, fault: 'server', retried: true },
    { operation: 'TerminateInstanceInAutoScalingGroup', kind: 'scaling-activity-in-progress', name: 'ScalingActivityInProgressFault', status: 400, fault: 'client', retried: false },
    { operation: 'TerminateInstanceInAutoScalingGroup', kind: 'resource-contention', name: 'ResourceContentionFault', status: 500, fault: 'server', retried: true },
    { operation: 'DescribeAutoScalingInstances', kind: 'internal-error', name: 'InternalFailure', status: 500, fault: 'server', retried: true },
    { operation: 'DescribeInstances', kind: 'internal-error', name: 'InternalError', status: 500, fault: 'server', retried: true },
    { operation: 'DescribeAutoScalingGroups', kind: 'unavailable', name: 'ServiceUnavailable', status: 503, fault: 'server', retried: true },
    { operation: 'DescribeInstances', kind: 'unavailable', name: 'Unavailable', status: 503, fault: 'server', retried: true },
    { operation: 'DescribeAutoScalingGroups', kind: 'connection-reset', name: 'ECONNRESET', retried: true },
  ];

  function send(aws: AwsClients, operation: string, instanceId: string): Promise<unknown> {
    switch (operation) {
      case 'DescribeAutoScalingGroups': return aws.autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [GROUP] }));
      case 'DescribeAutoScalingInstances': return aws.autoScaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] }));
      case 'DescribeInstances': return aws.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
      case 'TerminateInstanceInAutoScalingGroup':
        return aws.autoScaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: instanceId, ShouldDecrementDesiredCapacity: false }));
      default: throw new Error(`no sender for ${operation}`);
    }
  }

  it.each(ERRORS)('$kind on $operation reaches the SDK as $name', async ({ operation, kind, name, status, fault }) => {
    const victim = await inServiceVictim();
    updateAwsFaults(dir, { errors: [{ operation, error: kind, count: 1, instanceId: operation === 'DescribeAutoScalingGroups' ? undefined : victim }] });
    const error = await send(client, operation, victim).then(() => undefined, (e: unknown) => e as Error & {
      code?: string; $fault?: string; $metadata?: { httpStatusCode?: number };
    });
    expect(error).toBeDefined();
    if (kind === 'connection-reset') {
      expect(error?.code ?? error?.name).toBe(name);
    } else {
      expect(error?.name).toBe(name);
      expect(error?.$metadata?.httpStatusCode).toBe(status);
      expect(error?.$fault).toBe(fault);
    }
    const [call] = readAwsCalls(dir, { operation }).slice(-1);
    expect(call?.injected).toMatchObject({ kind, landed: false });
    expect(call?.status).toBe(kind === 'connection-reset' ? 0 : status);
    // Not landed: a refused terminate left the instance in service.
    expect((await members()).get(victim)).toBe('InService');
    // The count is used up: the next call goes through.
    await send(client, operation, victim);
    if (operation === 'TerminateInstanceInAutoScalingGroup') await waitFor(async () => ((await members()).has(victim) ? undefined : true), { timeoutMs: 5_000, what: 'the terminate to land' });
  });

  it.each(ERRORS.filter((e) => e.operation !== 'TerminateInstanceInAutoScalingGroup'))(
    'the SDK\'s own retry strategy treats $name as it would the real one (retried: $retried)',
    async ({ operation, kind, retried }) => {
      const victim = await inServiceVictim();
      const retrying = createAwsClients(proxy.endpoint, SANDBOX_REGION, { sandboxClient: false, maxAttempts: 2 });
      updateAwsFaults(dir, { errors: [{ operation, error: kind, count: 1 }] });
      const outcome = await send(retrying, operation, victim).then(() => 'ok', () => 'failed');
      const calls = readAwsCalls(dir, { operation }).slice(retried ? -2 : -1);
      expect(outcome).toBe(retried ? 'ok' : 'failed');
      expect(calls.map((c) => [c.attempt, c.injected?.kind ?? null])).toEqual(retried ? [[1, kind], [2, null]] : [[1, kind]]);
      if (retried) expect(calls[1]?.invocationId).toBe(calls[0]?.invocationId);
    },
  );

  it('an error that landed: the terminate is carried out, only its answer is lost', async () => {
    writeAwsFaults(dir, { terminateLag: { terminatingMs: 60_000, waitMs: 0 } });
    const victim = await inServiceVictim();
    const rule = updateAwsFaults(dir, { errors: [{ operation: 'TerminateInstanceInAutoScalingGroup', error: 'connection-reset', count: 1, landed: true }] }).errors?.[0]?.id;
    const error = await send(client, 'TerminateInstanceInAutoScalingGroup', victim).then(() => undefined, (e: unknown) => e as Error & { code?: string });
    expect(error?.code ?? error?.name).toBe('ECONNRESET');
    expect((await members()).get(victim)).toBe('Terminating');
    expect(readAwsCalls(dir, { operation: 'TerminateInstanceInAutoScalingGroup', instanceId: victim }).map((c) => c.injected))
      .toEqual([{ kind: 'connection-reset', rule, landed: true }]);
  });

  it('a probability with a seed hits the same calls every time, at most count of them', async () => {
    const pattern = async (seed: number): Promise<boolean[]> => {
      clearAwsFaults(dir);
      updateAwsFaults(dir, { errors: [{ operation: 'DescribeAutoScalingGroups', error: 'throttling', probability: 0.5, seed, count: 4 }] });
      const hits: boolean[] = [];
      for (let i = 0; i < 16; i++) hits.push(await send(client, 'DescribeAutoScalingGroups', '').then(() => false, () => true));
      return hits;
    };
    const first = await pattern(7);
    expect(first.filter(Boolean).length).toBeGreaterThan(0);
    expect(first.filter(Boolean).length).toBeLessThanOrEqual(4);
    expect(await pattern(7)).toEqual(first);
    expect(await pattern(8)).not.toEqual(first);
  });

  it('the sandbox\'s own clients get no injected error and are not recorded', async () => {
    updateAwsFaults(dir, { errors: [{ operation: 'DescribeAutoScalingGroups', error: 'throttling', count: 1 }] });
    const recorded = readAwsCalls(dir).length;
    const sandboxClient = createAwsClients(proxy.endpoint, SANDBOX_REGION, { label: 'test', maxAttempts: 1 });
    await send(sandboxClient, 'DescribeAutoScalingGroups', '');
    expect(readAwsCalls(dir).length).toBe(recorded);
    const error = await send(client, 'DescribeAutoScalingGroups', '').then(() => undefined, (e: unknown) => e as Error);
    expect(error?.name).toBe('Throttling');
  });
});
