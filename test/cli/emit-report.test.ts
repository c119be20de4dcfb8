// A report file that cannot be written at the end of a run: the run still says how it ended, which
// instances it terminated and (under Octopus) the output variables; the failure is said on stderr;
// the exit code is the run's own, or 5 instead of 0.

import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toConfig } from '../../src/app/config.ts';
import { parseSettings } from '../../src/app/settings-schema.ts';
import type { CommandContext } from '../../src/cli/context.ts';
import { emitReport } from '../../src/cli/emit-report.ts';
import { formatReport } from '../../src/cli/format-report.ts';
import { main } from '../../src/cli/main.ts';
import { ExitCode } from '../../src/shared/errors.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { createSimulatedWorld } from '../../src/sim/index.ts';
import type { UpgradeReport } from '../../src/upgrade/plan-model.ts';
import { memoryIo } from '../support/memory-io.ts';
import { aReport } from '../support/report-builder.ts';

const ARGS = ['--es-url', 'https://es.internal:9200', '--region', 'ap-southeast-2', '--target-version', '9.5.4', '--yes'];

/** Octopus output variables printed on stdout, decoded. */
function variables(out: string): Record<string, string> {
  return Object.fromEntries(
    [...out.matchAll(/^##octopus\[setVariable name='([^']*)'(?: value='([^']*)')?\]$/gm)].map((m) => [
      Buffer.from(m[1] ?? '', 'base64').toString(),
      Buffer.from(m[2] ?? '', 'base64').toString(),
    ]),
  );
}

describe('a run whose report directory vanished while it ran', () => {
  it.each([
    ['outside Octopus', []],
    ['under Octopus', ['--octopus']],
  ])('%s: prints the outcome, the terminated instances and says what failed; exit 5', async (_name, extra) => {
    const dir = mkdtempSync(join(tmpdir(), 'esru-vanishing-'));
    const reportDir = join(dir, 'reports');
    mkdirSync(reportDir);
    const report = join(reportDir, 'run.json');
    const world = createSimulatedWorld({ masters: 3, data: 3, fromVersion: '9.4.5', launchVersion: '9.5.4' });
    const terminate = world.fleet.terminateInGroup.bind(world.fleet);
    world.fleet.terminateInGroup = (id) => {
      rmSync(reportDir, { recursive: true, force: true });
      return terminate(id);
    };
    const io = memoryIo();

    const code = await main(['run', ...ARGS, '--report', report, ...extra], io, {
      createLogger: silentLogger,
      connect: () => ({ cluster: world.cluster, fleet: world.fleet, lock: world.lock, close: () => Promise.resolve() }),
    });

    const terminated = world.terminatedInstanceIds();
    expect(terminated.length).toBeGreaterThan(0);
    expect(existsSync(reportDir)).toBe(false);
    expect(code).toBe(ExitCode.reportNotWritten);
    expect(io.out).toContain('Outcome: completed (exit 0)');
    expect(io.out).toContain(`Terminated instances: ${terminated.join(', ')}`);
    expect(io.err).toContain(`error: the report could not be written to ${report}: its directory no longer exists. The run itself ended completed (exit 0), terminated ${terminated.join(', ')}; see above. Exit code 5.`);
    if (extra.length > 0) {
      expect(variables(io.out)).toMatchObject({ UpgradeOutcome: 'completed', TerminatedInstanceIds: terminated.join(',') });
      expect(io.out).not.toContain('##octopus[createArtifact');
      expect(io.out).toMatch(/^##octopus\[resultMessage message='[^']+'\]$/m);
    } else {
      expect(io.out).not.toContain('##octopus[');
    }
  });
});

describe('emitReport when the file cannot be written', () => {
  function context(reportFile: string, octopus = false): { ctx: CommandContext; io: ReturnType<typeof memoryIo> } {
    const parsed = parseSettings({ report: join(tmpdir(), 'placeholder.json'), octopus });
    if (!parsed.success) throw parsed.error;
    const io = memoryIo();
    const config = { ...toConfig(parsed.data), reportFile };
    const ctx: CommandContext = {
      config,
      settings: parsed.data,
      log: silentLogger(),
      io,
      signal: new AbortController().signal,
      holder: 'test:1:emit',
      connect: () => {
        throw new Error('not used');
      },
    };
    return { ctx, io };
  }
  const gone = join(tmpdir(), `esru-gone-${process.pid.toString()}`, 'report.json');

  it.each([
    ['a completed run', ExitCode.reportNotWritten, aReport('completed').withReplacedNode('es-data-1', 'i-0aaa').build()],
    ['a halted run keeps its own code', ExitCode.halted, aReport('halted').withReplacedNode('es-data-1', 'i-0aaa').build()],
    ['a refused run keeps its own code', ExitCode.refused, aReport('refused').build()],
  ] as [string, number, UpgradeReport][])('%s: exit %i', async (_name, expected, report) => {
    const { ctx, io } = context(gone, true);
    const code = await emitReport(ctx, report, formatReport);
    expect(code).toBe(expected);
    expect(io.out).toContain(`Outcome: ${report.outcome} (exit ${report.exitCode.toString()})`);
    expect(variables(io.out)).toMatchObject({ UpgradeOutcome: report.outcome });
    expect(io.err).toContain(`error: the report could not be written to ${gone}: its directory no longer exists.`);
  });

  it('writes nothing half-way: no temporary file is left behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'esru-emit-'));
    const { ctx } = context(join(dir, 'report.json'));
    expect(await emitReport(ctx, aReport('completed').build(), formatReport)).toBe(ExitCode.ok);
    expect(readdirSync(dir)).toEqual(['report.json']);
  });
});
