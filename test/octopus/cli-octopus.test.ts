// The command line under Octopus: with --octopus, or found by the variables Octopus sets, a plan or a
// run ends with the service messages; --no-octopus silences them.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/app/connect.ts';
import { main } from '../../src/cli/main.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { createSimulatedWorld } from '../../src/sim/index.ts';
import type { UpgradeReport } from '../../src/upgrade/plan-model.ts';
import { memoryIo } from '../support/memory-io.ts';

const ARGS = ['--es-url', 'https://es.internal:9200', '--region', 'ap-southeast-2', '--target-version', '9.5.4'];


function simulated(): Connection {
  const world = createSimulatedWorld({ masters: 3, data: 3, fromVersion: '9.4.5', launchVersion: '9.5.4' });
  return { cluster: world.cluster, fleet: world.fleet, lock: world.lock, close: () => Promise.resolve() };
}

function messages(out: string): { name: string; attrs: Record<string, string> }[] {
  return [...out.matchAll(/^##octopus\[(\w+)((?: \w+='[^']*')*)\]$/gm)].map((m) => ({
    name: m[1] ?? '',
    attrs: Object.fromEntries(
      [...(m[2] ?? '').matchAll(/ (\w+)='([^']*)'/g)].map(([, k, v]): [string, string] => [k ?? '', Buffer.from(v ?? '', 'base64').toString('utf8')]),
    ),
  }));
}

const cwd = process.cwd();
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'esru-octopus-cli-'));
  process.chdir(dir);
});
afterEach(() => process.chdir(cwd));

describe('the command line under Octopus', () => {
  it('--octopus: a plan ends with the output variables and its report as an artifact', async () => {
    const io = memoryIo();
    const code = await main(['plan', ...ARGS, '--octopus'], io, { connect: simulated, createLogger: silentLogger });

    expect(code).toBe(0);
    const found = messages(io.out);
    const variables = Object.fromEntries(
      found.filter((m) => m.name === 'setVariable').map((m): [string, string | undefined] => [m.attrs.name ?? '', m.attrs.value]),
    );
    expect(variables).toEqual({ UpgradeOutcome: 'planned', TerminatedInstanceIds: undefined, PreviouslyTerminatedInstanceIds: undefined, ReplacedNodes: undefined });
    const artifact = found.find((m) => m.name === 'createArtifact')?.attrs;
    expect(artifact?.path).toBe(join(dir, 'es-rolling-upgrade-report.json'));
    const report = readFileSync(join(dir, 'es-rolling-upgrade-report.json'));
    expect((JSON.parse(report.toString()) as UpgradeReport).outcome).toBe('planned');
    expect(artifact?.length).toBe(String(report.length));
    expect(found.map((m) => m.name)).not.toContain('resultMessage');
  });

  it('found by TentacleHome without the flag: a run reports what it terminated, and a failure has a result message', async () => {
    const io = memoryIo({ TentacleHome: '/etc/octopus', OctopusCalamariWorkingDirectory: dir });
    const reportFile = join(dir, 'run.json');
    const code = await main(['run', ...ARGS, '--yes', '--report', reportFile], io, { connect: simulated, createLogger: silentLogger });

    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as UpgradeReport;
    expect(code).toBe(report.exitCode);
    const found = messages(io.out);
    const variable = (name: string) => found.find((m) => m.name === 'setVariable' && m.attrs.name === name)?.attrs.value ?? '';
    expect(variable('UpgradeOutcome')).toBe(report.outcome);
    expect(variable('TerminatedInstanceIds')).toBe(report.terminatedInstanceIds.join(','));
    expect(found.find((m) => m.name === 'createArtifact')?.attrs.path).toBe(reportFile);
    const result = found.find((m) => m.name === 'resultMessage');
    if (report.exitCode === 0) expect(result).toBeUndefined();
    else expect(result?.attrs.message).toBe(report.message.replace(/\s*\n\s*/g, ' '));
  });

  it('--no-octopus silences them even under Octopus', async () => {
    const io = memoryIo({ TentacleHome: '/etc/octopus' });
    await main(['plan', ...ARGS, '--no-octopus'], io, { connect: simulated, createLogger: silentLogger });
    expect(io.out).not.toContain('##octopus[');
  });

  it('outside Octopus, without the flag, nothing of it is printed', async () => {
    const io = memoryIo({ CI: 'true' });
    await main(['plan', ...ARGS], io, { connect: simulated, createLogger: silentLogger });
    expect(io.out).not.toContain('##octopus[');
  });
});
