// The compose sandbox's fleet helper against a real moto (the proving ground's, from
// scripts/setup-moto.sh, which CI runs): seeding gives each container a distinct instance, reruns
// change nothing, and after a roll and a termination the replacement is found for a new container.

import { TerminateInstanceInAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { next, roll, seed, status, type FleetEnv } from '../../deploy/compose/fleet.ts';
import { createAwsClients, SANDBOX_REGION } from '../../sandbox/aws-clients.ts';
import { startMoto, stopMoto } from '../../sandbox/moto-server.ts';
import { motoServerBin } from '../../sandbox/paths.ts';

const hasMoto = existsSync(motoServerBin);
if (!hasMoto) console.warn('moto not installed: skipping the compose fleet test (run scripts/setup-moto.sh)');

describe.skipIf(!hasMoto)('deploy/compose/fleet.ts against moto', () => {
  const motoDir = mkdtempSync(join(tmpdir(), 'esru-compose-moto-'));
  let e: FleetEnv;

  beforeAll(async () => {
    const moto = await startMoto(motoDir);
    e = { endpoint: moto.endpoint, region: SANDBOX_REGION, dir: mkdtempSync(join(tmpdir(), 'esru-fleet-')), cluster: 'esru' };
  }, 90_000);
  afterAll(() => stopMoto(motoDir));

  it('seeds one distinct instance per container slot, and a rerun changes nothing', async () => {
    const first = await seed(e, '9.4.5', { master: 3, data: 2 });

    const ids = ['master-1', 'master-2', 'master-3', 'data-1', 'data-2'].map((slot) => readFileSync(join(e.dir, slot), 'utf8').trim());
    expect(new Set(ids).size).toBe(5);
    expect(ids.every((id) => /^i-[0-9a-f]+$/.test(id))).toBe(true);
    expect(readFileSync(join(e.dir, 'initial-masters'), 'utf8').trim()).toBe(ids.slice(0, 3).join(','));
    expect(await seed(e, '9.4.5', { master: 3, data: 2 })).toEqual(first);
    const lines = await status(e);
    expect(lines).toHaveLength(5);
    expect(lines.every((l) => l.includes('Version=9.4.5'))).toBe(true);
  }, 30_000);

  it('after a roll and a termination, names the replacement instance of the new version', async () => {
    await roll(e, '9.5.4');
    const old = readFileSync(join(e.dir, 'data-1'), 'utf8').trim();
    const aws = createAwsClients(e.endpoint, e.region);
    await aws.autoScaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: old, ShouldDecrementDesiredCapacity: false }));

    const replacement = await next(e, 'data');

    expect(replacement).toBeDefined();
    expect(replacement).not.toBe(old);
    expect((await status(e)).find((l) => l.startsWith(replacement ?? '?'))).toMatch(/esru-data {2}Version=9\.5\.4 .*\(no container yet\)/);
    expect(await next(e, 'master')).toBeUndefined();
  }, 30_000);
});
