// The report's published JSON Schema: the committed file is what the zod schema generates, and real
// reports (the demo's plan and run through the CLI, a refusal and a halt on the simulated world) are
// valid against both the zod schema and, with a JSON Schema validator, the committed file.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { REPORT_SCHEMA_FILE, reportSchemaText } from '../../scripts/generate-report-schema.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { createSimulatedWorld, type SimulatedWorld } from '../../src/sim/index.ts';
import { REPORT_SCHEMA_VERSION, type UpgradeReport } from '../../src/upgrade/plan-model.ts';
import { upgradeReportSchema } from '../../src/upgrade/report-schema.ts';
import { runUpgrade } from '../../src/upgrade/run-upgrade.ts';
import { runCli } from '../cli/run-cli.ts';
import { defaultOptions, OLD, TARGET } from '../upgrade/builders.ts';

const committed = readFileSync(REPORT_SCHEMA_FILE, 'utf8');
const jsonSchema = JSON.parse(committed) as Record<string, unknown>;
const validate = new Ajv({ allErrors: true }).compile(jsonSchema);
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const dir = mkdtempSync(join(tmpdir(), 'esru-report-schema-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Valid for zod with nothing stripped (every field is named), and for the JSON Schema. */
function expectValid(report: unknown): void {
  const parsed = upgradeReportSchema.safeParse(report);
  expect(parsed.error?.issues ?? []).toEqual([]);
  expect(parsed.data).toEqual(report);
  expect(validate(report) ? [] : validate.errors).toEqual([]);
}

async function run(world: SimulatedWorld): Promise<UpgradeReport> {
  const { cluster, fleet, lock, clock } = world;
  return runUpgrade({ cluster, fleet, lock, clock, log: silentLogger(), holder: 'schema-test' }, defaultOptions());
}

const aWorld = (options: Partial<Parameters<typeof createSimulatedWorld>[0]> = {}): SimulatedWorld =>
  createSimulatedWorld({ masters: 3, data: 3, fromVersion: OLD, launchVersion: TARGET, ...options });

describe('schema/report.schema.json', () => {
  it('is what the zod schema generates (npm run schema writes it)', () => {
    expect(committed).toBe(reportSchemaText());
  });

  it('carries the report schema version, and a draft-07 $schema', () => {
    expect(jsonSchema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(jsonSchema).toMatchObject({ properties: { schemaVersion: { const: REPORT_SCHEMA_VERSION } } });
  });
});

describe('real reports are valid', () => {
  it('the demo run by the CLI: the plan and the run it prints, and the report file it writes', async () => {
    const file = join(dir, 'demo.json');
    const result = await runCli(['demo', '--output', 'json', '--report', file, '--log-level', 'silent'], { timeoutMs: 60_000 });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as { plan: UpgradeReport; run: UpgradeReport };
    const written = JSON.parse(readFileSync(file, 'utf8')) as UpgradeReport;

    expect(printed.plan).toMatchObject({ mode: 'plan', outcome: 'planned' });
    expect(printed.run).toMatchObject({ mode: 'run', outcome: 'completed' });
    expect(written.nodes.length).toBeGreaterThan(0);
    for (const report of [printed.plan, printed.run, written]) {
      expect(report).toMatchObject({ tool: 'es-rolling-upgrade', toolVersion: pkg.version, schemaVersion: REPORT_SCHEMA_VERSION });
      expectValid(report);
    }
  }, 60_000);

  it('a refusal (a red cluster): refusals named by rule', async () => {
    const report = await run(aWorld({ indices: [{ name: 'broken', primaries: 1, replicas: 0, requireName: 'nowhere' }] }));
    expect(report.outcome).toBe('refused');
    expect(report.refusals.length).toBeGreaterThan(0);
    expectValid(JSON.parse(JSON.stringify(report)));
  });

  it('a halt (a replacement that never joins): a wait that timed out', async () => {
    const world = aWorld();
    world.injectLaunchFault({ group: 'data', nth: 1, neverJoins: true });
    const report = await run(world);
    expect(report.outcome).toBe('halted');
    expect(report.nodes.flatMap((n) => n.waits).some((w) => w.outcome === 'timed-out')).toBe(true);
    expectValid(JSON.parse(JSON.stringify(report)));
  });
});

describe('the schemas refuse what is not a report', () => {
  const good = async (): Promise<Record<string, unknown>> => JSON.parse(JSON.stringify(await run(aWorld()))) as Record<string, unknown>;

  it.each([
    ['an unknown outcome', { outcome: 'exploded' }],
    ['another schema version', { schemaVersion: 2 }],
    ['a duration that is not a whole number', { durationMs: 1.5 }],
    ['a time that is not ISO 8601', { startedAt: 'yesterday' }],
    ['no tool version', { toolVersion: undefined }],
  ])('%s', async (_name, change) => {
    const bad = { ...(await good()), ...change };
    expect(upgradeReportSchema.safeParse(bad).success).toBe(false);
    expect(validate(JSON.parse(JSON.stringify(bad)))).toBe(false);
  });

  it('the JSON Schema accepts a field a later release may add; the zod schema, which names every field, notices it', async () => {
    const later = { ...(await good()), somethingNew: true };
    expect(validate(later)).toBe(true);
    expect(upgradeReportSchema.parse(later)).not.toEqual(later);
  });
});
