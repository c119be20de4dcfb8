import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { instanceIdsFromReport, instancesFromReport } from '../../deploy/octopus/deregister-tentacles.ts';
import { startFakeOctopus, type FakeOctopus } from '../support/fake-octopus.ts';
import { aReport } from '../support/report-builder.ts';

const script = join(import.meta.dirname, '../../deploy/octopus/deregister-tentacles.ts');
const apiKey = 'API-TESTKEY0123456789ABCDEF';

async function runScript(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [script, ...args], {
      env: { PATH: process.env.PATH ?? '', OCTOPUS_API_KEY: apiKey, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('deregister-tentacles against a fake Octopus', () => {
  let octopus: FakeOctopus;

  beforeEach(async () => {
    octopus = await startFakeOctopus(apiKey, [
      { Id: 'Machines-1', Name: 'es-i-0aaa', SpaceId: 'Spaces-1' },
      { Id: 'Machines-2', Name: 'es-i-0aaa-canary', SpaceId: 'Spaces-1' },
      { Id: 'Machines-3', Name: 'es-i-0bbb', SpaceId: 'Spaces-1' },
      { Id: 'Machines-4', Name: 'es-i-0bbb', SpaceId: 'Spaces-2' },
      { Id: 'Machines-5', Name: 'es-i-0zzz', SpaceId: 'Spaces-1' },
    ]);
  });
  afterEach(() => octopus.close());

  it('deletes exactly the targets named after the terminated instances, with the API key header', async () => {
    const result = await runScript(['--octopus-url', octopus.url, '--space-id', 'Spaces-1', '--instance-ids', 'i-0aaa,i-0bbb']);

    expect(result.code).toBe(0);
    expect(octopus.machines.map((m) => m.Id)).toEqual(['Machines-2', 'Machines-4', 'Machines-5']);
    expect(octopus.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /api/Spaces-1/machines?name=es-i-0aaa&take=100',
      'DELETE /api/Spaces-1/machines/Machines-1',
      'GET /api/Spaces-1/machines?name=es-i-0bbb&take=100',
      'DELETE /api/Spaces-1/machines/Machines-3',
    ]);
    expect(octopus.requests.every((r) => r.headers['x-octopus-apikey'] === apiKey)).toBe(true);
    expect(result.stdout + result.stderr).not.toContain(apiKey);
    expect(result.stdout).toContain('2 target(s) deleted for 2 instance(s)');
  });

  it('reads the instance ids from the report, including earlier interrupted runs, and a custom name template', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'esru-dereg-'));
    const report = join(dir, 'report.json');
    writeFileSync(report, JSON.stringify(aReport('completed').withReplacedNode('es-1', 'i-0bbb').withPreviouslyTerminated('i-0zzz').build()));

    const result = await runScript(['--report', report, '--name-template', 'es-{instanceId}'], {
      OCTOPUS_URL: octopus.url,
      OCTOPUS_SPACE_ID: 'Spaces-1',
    });

    expect(result.code).toBe(0);
    expect(octopus.machines.map((m) => m.Id)).toEqual(['Machines-1', 'Machines-2', 'Machines-4']);
  });

  it('an instance with no registered target is reported and skipped, not an error', async () => {
    const result = await runScript(['--octopus-url', octopus.url, '--instance-ids', 'i-0ccc']);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('i-0ccc: no target named es-i-0ccc; nothing to deregister');
    expect(octopus.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
  });

  it('a dry run looks up but deletes nothing', async () => {
    const result = await runScript(['--octopus-url', octopus.url, '--instance-ids', 'i-0aaa', '--dry-run']);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('would delete target es-i-0aaa (Machines-1)');
    expect(octopus.machines).toHaveLength(5);
    expect(octopus.requests.map((r) => r.method)).toEqual(['GET']);
  });

  it('a rejected API key fails without printing the key', async () => {
    const result = await runScript(['--octopus-url', octopus.url, '--instance-ids', 'i-0aaa'], {
      OCTOPUS_API_KEY: 'API-WRONGKEY0123456789',
    });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('HTTP 401');
    expect(result.stdout + result.stderr).not.toContain('API-WRONGKEY0123456789');
    expect(octopus.machines).toHaveLength(5);
  });

  it('refuses to start without an API key in the environment', async () => {
    const result = await runScript(['--octopus-url', octopus.url, '--instance-ids', 'i-0aaa'], { OCTOPUS_API_KEY: '' });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('OCTOPUS_API_KEY must be set');
    expect(octopus.requests).toEqual([]);
  });
});

describe('deregister-tentacles by Name tag', () => {
  let octopus: FakeOctopus;

  beforeEach(async () => {
    octopus = await startFakeOctopus(apiKey, [
      { Id: 'Machines-1', Name: 'es-data-7', SpaceId: 'Spaces-1' },
      { Id: 'Machines-2', Name: 'es-data-8', SpaceId: 'Spaces-1' },
      { Id: 'Machines-3', Name: 'es-data', SpaceId: 'Spaces-1' },
      { Id: 'Machines-4', Name: 'es-data-70', SpaceId: 'Spaces-1' },
    ]);
  });
  afterEach(() => octopus.close());

  it('reads the TerminatedInstances output variable and deletes the targets named by {name}', async () => {
    const instances = JSON.stringify([
      { instanceId: 'i-0aaa', name: 'es-data-7', groupName: 'es-data' },
      { instanceId: 'i-0bbb', name: 'es-data-8', groupName: 'es-data' },
    ]);

    const result = await runScript(['--octopus-url', octopus.url, '--instances', instances, '--name-template', '{name}']);

    expect(result.code).toBe(0);
    expect(octopus.machines.map((m) => m.Id)).toEqual(['Machines-3', 'Machines-4']);
    expect(result.stdout).toContain('2 target(s) deleted for 2 instance(s)');
  });

  it('skips a name several instances share, and an instance whose Name tag is unknown', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'esru-dereg-'));
    const report = join(dir, 'report.json');
    const built = aReport('completed')
      .withReplacedNode('es-1', 'i-0aaa', undefined, 'es-data')
      .withReplacedNode('es-2', 'i-0bbb', undefined, 'es-data')
      .withReplacedNode('es-3', 'i-0ccc', undefined, 'es-data-7')
      .withPreviouslyTerminated('i-0999')
      .build();
    writeFileSync(report, JSON.stringify(built));

    const result = await runScript(['--octopus-url', octopus.url, '--report', report, '--name-template', '{name}']);

    expect(result.code).toBe(0);
    expect(octopus.machines.map((m) => m.Id)).toEqual(['Machines-2', 'Machines-3', 'Machines-4']);
    expect(result.stdout).toContain('i-0999: its Name tag is not known; nothing to deregister by {name}');
    expect(result.stdout).toContain('i-0aaa: 2 instances would name the same target es-data; skipped');
    expect(result.stdout).toContain('i-0bbb: 2 instances would name the same target es-data; skipped');
    expect(octopus.requests.filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual(['/api/Spaces-1/machines/Machines-1']);
  });

  it('refuses --instances that is not the output variable, before any request', async () => {
    const result = await runScript(['--octopus-url', octopus.url, '--instances', 'i-0aaa,i-0bbb']);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--instances (or TERMINATED_INSTANCES) is not JSON');
    expect(octopus.requests).toEqual([]);
  });
});

describe('instancesFromReport', () => {
  it('names this run\'s instances from terminatedInstances; earlier runs\' have ids only', () => {
    const report = aReport('completed').withPreviouslyTerminated('i-1').withReplacedNode('a', 'i-2', undefined, 'es-a').withReplacedNode('b', 'i-3').build();
    expect(instancesFromReport(JSON.stringify(report))).toEqual([{ instanceId: 'i-1' }, { instanceId: 'i-2', name: 'es-a' }, { instanceId: 'i-3' }]);
  });

  it('a report of an older version, without terminatedInstances: ids only', () => {
    const report = aReport('completed').withReplacedNode('a', 'i-2').build();
    expect(instancesFromReport(JSON.stringify(report))).toEqual([{ instanceId: 'i-2' }]);
  });
});

describe('instanceIdsFromReport', () => {
  it('lists earlier runs first, without duplicates', () => {
    const report = aReport('completed').withPreviouslyTerminated('i-1').withReplacedNode('a', 'i-2').withReplacedNode('b', 'i-1').build();
    expect(instanceIdsFromReport(JSON.stringify(report))).toEqual(['i-1', 'i-2']);
  });
});
