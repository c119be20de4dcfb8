import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/shared/errors.ts';
import type { UpgradeReport } from '../../src/upgrade/plan-model.ts';
import { runCli, startRecordingServer, type RecordingServer } from './run-cli.ts';

let server: RecordingServer;
beforeAll(async () => {
  server = await startRecordingServer();
});
afterAll(async () => {
  await server.close();
});

describe('es-rolling-upgrade as a process', () => {
  it('prints help on stdout and exits 0', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(ExitCode.ok);
    expect(result.stdout).toContain('Usage: es-rolling-upgrade <command> [flags]');
    expect(result.stdout).toContain('--target-version VERSION');
    expect(result.stdout).toContain('Exit codes:');
  });

  it('prints the flags of one command', async () => {
    const result = await runCli(['demo', '--help']);
    expect(result.code).toBe(ExitCode.ok);
    expect(result.stdout).toContain('Usage: es-rolling-upgrade demo [flags]');
    expect(result.stdout).not.toContain('--es-url');
  });

  it('runs through the bin launcher', async () => {
    const result = await runCli(['--version'], { viaBin: true });
    expect(result.code).toBe(ExitCode.ok);
    expect(result.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('exits 2 with the usage on stderr when no command is given', async () => {
    const result = await runCli([]);
    expect(result.code).toBe(ExitCode.invalidInput);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('Usage:');
  });

  describe('invalid input: exit 2, a clear message, nothing contacted', () => {
    const cases: [string, string[], Record<string, string>, string][] = [
      ['a bad order', ['plan', '--target-version', '2.14.0', '--order', 'sideways'], {}, 'error: --order: "sideways" is not one of masters-first, data-first'],
      ['an unknown flag', ['run', '--target-version', '2.14.0', '--yolo'], {}, 'error: unknown flag --yolo'],
      ['a missing target version', ['run'], {}, 'error: --target-version is required'],
      ['a bad duration in the environment', ['run', '--target-version', '2.14.0'], { ESRU_GREEN_TIMEOUT: 'forever' }, 'error: ESRU_GREEN_TIMEOUT: "forever" is not a duration'],
      ['an unknown command', ['upgrade'], {}, 'error: unknown command "upgrade"'],
    ];
    it.each(cases)('%s', async (_name, args, env, expected) => {
      const before = server.requests.length;
      const result = await runCli([...args, '--es-url', server.url, '--aws-endpoint', server.url, '--region', 'ap-southeast-2'], {
        env: { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', ...env },
      });
      expect(result.code).toBe(ExitCode.invalidInput);
      expect(result.stderr).toContain(expected);
      expect(result.stdout).toBe('');
      expect(server.requests.length - before).toBe(0);
    });
  });

  it('does contact the cluster when the input is valid (the recording server works)', async () => {
    const before = server.requests.length;
    const result = await runCli(['plan', '--target-version', '2.14.0', '--es-url', server.url, '--aws-endpoint', server.url, '--region', 'ap-southeast-2', '--log-level', 'silent'], {
      env: { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' },
    });
    expect(server.requests.length - before).toBeGreaterThan(0);
    expect(result.code).not.toBe(ExitCode.ok);
    expect(result.stderr).toMatch(/^error: |^internal error: /m);
  });

  it('runs the demo: plan, then run, against the simulated cluster; report printed and written', async () => {
    const report = join(mkdtempSync(join(tmpdir(), 'esru-demo-')), 'report.json');
    const started = Date.now();
    const result = await runCli(['demo', '--report', report, '--log-level', 'warn'], { timeoutMs: 30_000 });
    expect(result.signal).toBeNull();
    expect(result.code).toBe(ExitCode.ok);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(result.stdout).toContain('Plan: upgrade to 9.5.4; 6 of 6 nodes to replace');
    expect(result.stdout).toContain('Outcome: completed (exit 0)');
    const written = JSON.parse(readFileSync(report, 'utf8')) as UpgradeReport;
    expect(written).toMatchObject({ tool: 'es-rolling-upgrade', mode: 'run', outcome: 'completed', exitCode: 0 });
    expect(written.terminatedInstanceIds).toHaveLength(6);
  }, 40_000);
});
