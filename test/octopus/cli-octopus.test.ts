// The command line under Octopus: with --octopus, or found by the variables Octopus sets, stderr is
// made verbose first, a run moves the progress bar node by node, a plan or a run ends with the
// service messages, and an error is said where Octopus shows it; --no-octopus silences all of it.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/app/connect.ts';
import { main } from '../../src/cli/main.ts';
import { UpgradeError } from '../../src/shared/errors.ts';
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
  return [...out.matchAll(/^##octopus\[([\w-]+)((?: \w+='[^']*')*)\]$/gm)].map((m) => ({
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
    expect(io.out.split('\n')[0]).toBe('##octopus[stderr-progress]');
    const found = messages(io.out);
    const variables = Object.fromEntries(
      found.filter((m) => m.name === 'setVariable').map((m): [string, string | undefined] => [m.attrs.name ?? '', m.attrs.value]),
    );
    expect(variables).toMatchObject({
      UpgradeOutcome: 'planned',
      TerminatedInstanceIds: undefined,
      PreviouslyTerminatedInstanceIds: undefined,
      ReplacedNodes: undefined,
      NodesToReplace: '6',
    });
    expect(variables.ReplacementOrder?.split(',')).toHaveLength(6);
    expect(variables.PlanSummary).toContain('| 1 | es-master-');
    // A plan moves no progress bar and deletes nothing.
    expect(found.map((m) => m.name)).not.toContain('progress');
    expect(found.map((m) => m.name)).not.toContain('delete-target');
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

  it('a run: progress per node on the bar, and its progress lines on stdout, the step log', async () => {
    const io = memoryIo();
    const code = await main(['run', ...ARGS, '--yes', '--octopus', '--no-progress'], io, { connect: simulated, createLogger: silentLogger });

    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'es-rolling-upgrade-report.json'), 'utf8')) as UpgradeReport;
    const bar = messages(io.out).filter((m) => m.name === 'progress');
    const percentages = bar.map((m) => Number(m.attrs.percentage));
    // The plan, then each node's start and end, then the end.
    expect(bar).toHaveLength(2 + 2 * report.terminatedInstanceIds.length);
    expect(percentages).toEqual([...percentages].sort((a, b) => a - b));
    expect(percentages.at(0)).toBe(0);
    expect(percentages.at(-1)).toBe(100);
    expect(bar[1]?.attrs.message).toMatch(/^node 1 of 6: es-master-\d \(i-[0-9a-f]+\) · ETA once the first node is done$/);
    expect(bar[2]?.attrs.message).toMatch(/^es-master-\d replaced by es-master-\d \(1 of 6\) · ETA \S+ \(about \d\d:\d\d UTC\)$/);
    expect(bar.at(-1)?.attrs.message).toBe('completed: 6 of 6 node(s) replaced');
    expect(io.out).toMatch(/^\d\d:\d\d:\d\d node 1 of 6: es-master-/m);
    expect(io.err).not.toMatch(/node 1 of 6/);
  });

  it('an error once stderr is verbose: on stdout at the error level and as the result message', async () => {
    const io = memoryIo({ OctopusCalamariWorkingDirectory: dir });
    const unreachable = (): Connection => {
      throw new UpgradeError('Elasticsearch at https://es.internal:9200 is unreachable:\nECONNREFUSED');
    };
    const code = await main(['run', ...ARGS, '--yes'], io, { connect: unreachable, createLogger: silentLogger });

    expect(code).toBe(1);
    expect(io.out.trimEnd().split('\n')).toEqual([
      '##octopus[stderr-progress]',
      '##octopus[stdout-error]',
      'error: Elasticsearch at https://es.internal:9200 is unreachable:',
      'ECONNREFUSED',
      '##octopus[stdout-default]',
      expect.stringMatching(/^##octopus\[resultMessage message='[^']+'\]$/) as unknown as string,
    ]);
    expect(messages(io.out).find((m) => m.name === 'resultMessage')?.attrs.message).toBe('Elasticsearch at https://es.internal:9200 is unreachable: ECONNREFUSED');
    expect(io.err).toContain('error: Elasticsearch at https://es.internal:9200 is unreachable:');
  });

  it('an error before the settings are read: on stdout and as the result message too (the step may have made stderr verbose)', async () => {
    const io = memoryIo({ TentacleHome: '/etc/octopus' });
    const code = await main(['run', '--no-such-flag'], io, { connect: simulated, createLogger: silentLogger });

    expect(code).toBe(2);
    expect(io.out).not.toContain('stderr-progress');
    expect(io.out.split('\n')[0]).toBe('##octopus[stdout-error]');
    expect(io.out).toMatch(/^error: .*--no-such-flag/m);
    expect(messages(io.out).find((m) => m.name === 'resultMessage')?.attrs.message).toContain('--no-such-flag');
    expect(io.err).toContain('--no-such-flag');
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

describe('demo --octopus', () => {
  it('prints what a run step gives Octopus: verbose stderr first, progress, output variables, the deletions, the reports as artifacts', async () => {
    const io = memoryIo();
    const code = await main(['demo', '--octopus', '--html', 'demo.html', '--octopus-delete-targets', 'es-{instanceId}'], io, { createLogger: silentLogger });

    expect(code).toBe(0);
    expect(io.out.split('\n')[0]).toBe('##octopus[stderr-progress]');
    const report = JSON.parse(readFileSync(join(dir, 'es-rolling-upgrade-report.json'), 'utf8')) as UpgradeReport;
    expect(report.outcome).toBe('completed');
    const found = messages(io.out);
    const names = found.map((m) => m.name);
    expect(names.filter((n) => n === 'progress')).toHaveLength(2 + 2 * 6);
    const variable = (name: string) => found.find((m) => m.name === 'setVariable' && m.attrs.name === name)?.attrs.value;
    expect(variable('UpgradeOutcome')).toBe('completed');
    expect(variable('TerminatedInstanceIds')).toBe(report.terminatedInstanceIds.join(','));
    expect(JSON.parse(variable('TerminatedInstances') ?? '')).toEqual(report.terminatedInstances);
    expect(found.filter((m) => m.name === 'delete-target').map((m) => m.attrs.machine)).toEqual(report.terminatedInstanceIds.map((id) => `es-${id}`));
    expect(found.filter((m) => m.name === 'createArtifact').map((m) => m.attrs)).toEqual([
      { path: join(dir, 'es-rolling-upgrade-report.json'), name: 'es-rolling-upgrade-report.json', length: String(readFileSync(join(dir, 'es-rolling-upgrade-report.json')).length) },
      { path: join(dir, 'demo.html'), name: 'demo.html', length: String(readFileSync(join(dir, 'demo.html')).length) },
    ]);
    // Progress first, then the variables, the deletions and the artifacts.
    expect(names.lastIndexOf('progress')).toBeLessThan(names.indexOf('setVariable'));
    expect(names.lastIndexOf('setVariable')).toBeLessThan(names.indexOf('delete-target'));
    expect(names.lastIndexOf('delete-target')).toBeLessThan(names.indexOf('createArtifact'));
  });

  it('without --octopus, outside Octopus, the demo prints no service message and writes no report', async () => {
    const io = memoryIo();
    expect(await main(['demo'], io, { createLogger: silentLogger })).toBe(0);
    expect(io.out).not.toContain('##octopus[');
    expect(() => readFileSync(join(dir, 'es-rolling-upgrade-report.json'))).toThrow();
  });

  it('--octopus-delete-targets refuses a template that names no instance, exit 2', async () => {
    const io = memoryIo();
    const code = await main(['demo', '--octopus', '--octopus-delete-targets', 'es-{id}'], io, { createLogger: silentLogger });
    expect(code).toBe(2);
    expect(io.err).toContain('--octopus-delete-targets');
    expect(io.err).toContain('uses {id}; a template may use {name} and {instanceId}');
  });
});
