// --events: every progress event as a line of JSON, to a file or to stdout, the lines the service
// streams. Every line is parsed; stdout carries nothing else when the events go there.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/app/connect.ts';
import { main } from '../../src/cli/main.ts';
import { eventLine } from '../../src/shared/event-line.ts';
import { ExitCode } from '../../src/shared/errors.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { createSimulatedWorld } from '../../src/sim/index.ts';
import type { UpgradeEvent, UpgradeReport } from '../../src/upgrade/plan-model.ts';
import { memoryIo } from '../support/memory-io.ts';
import { runCli } from './run-cli.ts';

const ARGS = ['--es-url', 'https://es.internal:9200', '--region', 'ap-southeast-2', '--target-version', '9.5.4'];

function simulatedConnection(): Connection {
  const world = createSimulatedWorld({ masters: 3, data: 3, fromVersion: '9.4.5', launchVersion: '9.5.4' });
  return { cluster: world.cluster, fleet: world.fleet, lock: world.lock, close: () => Promise.resolve() };
}

type Line = UpgradeEvent & { seq: number };

/** Every line parsed (a line that is not JSON fails the test); the text must end with a newline. */
function parseLines(text: string): Line[] {
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as Line);
}

function expectWholeRun(lines: Line[], mode: 'plan' | 'run'): UpgradeReport {
  expect(lines.length).toBeGreaterThan(2);
  expect(lines.map((l) => l.seq)).toEqual(lines.map((_, i) => i + 1));
  for (const l of lines) expect(l.at, JSON.stringify(l)).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  // Observing comes first (its calls), then the plan.
  expect(lines.find((l) => l.type !== 'call')?.type).toBe('plan');
  const last = lines.at(-1);
  if (last?.type !== 'finished') throw new Error(`the last event is ${String(last?.type)}, not finished`);
  expect(last.report.mode).toBe(mode);
  expect(lines.filter((l) => l.type === 'finished')).toHaveLength(1);
  return last.report;
}

const dir = (): string => mkdtempSync(join(tmpdir(), 'esru-events-'));

describe('--events FILE', () => {
  it('run: every event a line, numbered from 1, ending with the report --report writes', async () => {
    const d = dir();
    const io = memoryIo();
    const code = await main(['run', ...ARGS, '--yes', '--events', join(d, 'events.ndjson'), '--report', join(d, 'report.json')], io, {
      connect: simulatedConnection,
      createLogger: silentLogger,
    });

    expect(code).toBe(ExitCode.ok);
    const lines = parseLines(readFileSync(join(d, 'events.ndjson'), 'utf8'));
    const report = expectWholeRun(lines, 'run');
    expect(report).toEqual(JSON.parse(readFileSync(join(d, 'report.json'), 'utf8')));
    expect(lines.filter((l) => l.type === 'node-start')).toHaveLength(6);
    expect(lines.filter((l) => l.type === 'node-done')).toHaveLength(6);
    expect(lines.some((l) => l.type === 'call')).toBe(true);
    // stdout keeps the summary for people.
    expect(io.out).toContain('Outcome: completed (exit 0)');
  });

  it('plan: its events too', async () => {
    const file = join(dir(), 'plan.ndjson');
    const code = await main(['plan', ...ARGS, '--events', file], memoryIo(), { connect: simulatedConnection, createLogger: silentLogger });

    expect(code).toBe(ExitCode.ok);
    expect(expectWholeRun(parseLines(readFileSync(file, 'utf8')), 'plan').outcome).toBe('planned');
  });
});

describe('--events - (stdout)', () => {
  it.each([
    ['plan', ['plan', ...ARGS]],
    ['run', ['run', ...ARGS, '--yes']],
  ] as const)('%s: stdout is the events alone; the summary goes to stderr', async (mode, argv) => {
    const io = memoryIo();
    const code = await main([...argv, '--events', '-'], io, { connect: simulatedConnection, createLogger: silentLogger });

    expect(code).toBe(ExitCode.ok);
    expectWholeRun(parseLines(io.out), mode);
    expect(io.err).toContain(mode === 'plan' ? 'Plan: upgrade to 9.5.4' : 'Outcome: completed (exit 0)');
  });

  it('demo, as a process: every line of stdout is an event of the run', async () => {
    const result = await runCli(['demo', '--events', '-', '--log-level', 'warn'], { timeoutMs: 30_000 });

    expect(result.code).toBe(ExitCode.ok);
    const report = expectWholeRun(parseLines(result.stdout), 'run');
    expect(report.outcome).toBe('completed');
    expect(result.stderr).toContain('Outcome: completed (exit 0)');
  }, 40_000);

  it('with --output json is refused: both would write stdout (exit 2, nothing contacted)', async () => {
    const io = memoryIo();
    let connected = false;
    const code = await main(['run', ...ARGS, '--yes', '--events', '-', '--output', 'json'], io, {
      connect: () => {
        connected = true;
        return simulatedConnection();
      },
      createLogger: silentLogger,
    });

    expect(code).toBe(ExitCode.invalidInput);
    expect(io.err).toContain('error: --events');
    expect(io.err).toContain('--output json');
    expect(io.out).toBe('');
    expect(connected).toBe(false);
  });

  it('under Octopus is refused (stdout carries its service messages), unless --no-octopus', async () => {
    const env = { TentacleHome: '/etc/octopus' };
    const refused = memoryIo(env);
    expect(await main(['plan', ...ARGS, '--events', '-'], refused, { connect: simulatedConnection, createLogger: silentLogger })).toBe(ExitCode.invalidInput);
    expect(refused.err).toContain('Octopus');

    const allowed = memoryIo(env);
    expect(await main(['plan', ...ARGS, '--events', '-', '--no-octopus'], allowed, { connect: simulatedConnection, createLogger: silentLogger })).toBe(ExitCode.ok);
    expectWholeRun(parseLines(allowed.out), 'plan');
  });

  it('a file in a directory that does not exist is bad input', async () => {
    const io = memoryIo();
    const code = await main(['plan', ...ARGS, '--events', join(tmpdir(), 'esru-no-such-dir', 'e.ndjson')], io, { connect: simulatedConnection, createLogger: silentLogger });

    expect(code).toBe(ExitCode.invalidInput);
    expect(io.err).toContain('--events');
    expect(io.err).toContain('or - for stdout');
  });
});

describe('eventLine', () => {
  it('is one line of JSON: the sequence number, then the event, newlines inside escaped', () => {
    const event: UpgradeEvent = { type: 'action', at: '2026-01-01T10:00:00.000Z', action: 'prepare', detail: 'two\nlines' };
    const line = eventLine(7, event);

    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(line.startsWith('{"seq":7,')).toBe(true);
    expect(JSON.parse(line)).toEqual({ seq: 7, ...event });
  });
});
