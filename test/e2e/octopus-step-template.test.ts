// The Octopus step template on the proving ground: its script, taken from the committed template,
// run as Octopus runs it (test/octopus/octopus-script-runner.ts) with the real command line on the
// worker's PATH, against real Elasticsearch behind TLS and moto. A plan step changes nothing and
// sets what a manual intervention shows; a run step replaces every node and gives Octopus its
// progress, output variables, target deletions and report artifacts. The credentials come from
// parameters: the Elasticsearch password (sensitive), the CA file, an AWS account's keys.

import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { indexDocs } from '../../sandbox/commands/index-docs.ts';
import { roll } from '../../sandbox/commands/roll.ts';
import { repoRoot } from '../../sandbox/paths.ts';
import { STEP_TEMPLATE_FILE } from '../../scripts/generate-octopus-template.ts';
import type { StepTemplate } from '../../src/octopus/step-template.ts';
import type { UpgradeReport } from '../../src/upgrade/plan-model.ts';
import { outputVariables, runStepScript, type StepRun } from '../octopus/octopus-script-runner.ts';
import { motoInstances, suiteSandbox, summarize, terminatedIds, waitGreen } from './e2e-support.ts';
import { versions } from './sandbox-harness.ts';

const MASTERS = 3;
const DATA = 2;
const TOTAL = MASTERS + DATA;

const template = JSON.parse(readFileSync(STEP_TEMPLATE_FILE, 'utf8')) as StepTemplate;
const script = template.Properties['Octopus.Action.Script.ScriptBody'] ?? '';

/** The worker's es-rolling-upgrade: the real command line of this checkout. */
function workerBin(): string {
  const dir = mkdtempSync(join(tmpdir(), 'esru-worker-bin-'));
  writeFileSync(join(dir, 'es-rolling-upgrade'), `#!/bin/sh\nexec "${process.execPath}" "${join(repoRoot, 'src', 'cli', 'main.ts')}" "$@"\n`);
  chmodSync(join(dir, 'es-rolling-upgrade'), 0o755);
  return dir;
}

describe(`the Octopus step template: plan, then run ${versions.old} -> ${versions.new} on ${MASTERS} masters + ${DATA} data`, () => {
  const { sb, runs, diag, initial } = suiteSandbox('octopus step template', { masters: MASTERS, data: DATA, version: versions.old, tls: true }, async (box) => {
    await indexDocs({ indices: 2, replicas: 1, docs: 4_000, nodeLeftDelay: '5s' });
    await roll(versions.new);
    await waitGreen(box.es, TOTAL, 'green before the steps');
  });
  const bin = workerBin();

  /** As Octopus gives the step its variables: each parameter's default, then the step's values. */
  function variables(mode: 'plan' | 'run', extra: Record<string, string> = {}): Record<string, string> {
    const box = sb();
    const tls = box.tls;
    if (!tls) throw new Error('the sandbox has no TLS front');
    return {
      ...Object.fromEntries(template.Parameters.map((p) => [p.Name, p.DefaultValue])),
      'EsRollingUpgrade.Mode': mode,
      'EsRollingUpgrade.ElasticsearchUrl': tls.url,
      'EsRollingUpgrade.ElasticsearchCaFile': tls.caFile,
      'EsRollingUpgrade.ElasticsearchUsername': tls.username,
      'EsRollingUpgrade.ElasticsearchPassword': tls.password,
      'EsRollingUpgrade.AwsAccount': 'sandbox-account',
      'EsRollingUpgrade.AwsAccount.AccessKey': 'testing',
      'EsRollingUpgrade.AwsAccount.SecretKey': 'testing',
      'EsRollingUpgrade.AwsRegion': box.region,
      'EsRollingUpgrade.TargetVersion': versions.new,
      'EsRollingUpgrade.ExpectedEsVersion': versions.new,
      'EsRollingUpgrade.Match': 'node-attribute:instance_id',
      'EsRollingUpgrade.GroupNames': `${box.groups.master},${box.groups.data}`,
      // Bounded as in the other suites: a stuck run fails in minutes.
      'EsRollingUpgrade.NodeLeaveTimeout': '3m',
      'EsRollingUpgrade.NodeJoinTimeout': '5m',
      'EsRollingUpgrade.YellowTimeout': '5m',
      'EsRollingUpgrade.GreenTimeout': '6m',
      'EsRollingUpgrade.SafeToProceedTimeout': '5m',
      ...extra,
    };
  }

  async function step(label: string, vars: Record<string, string>): Promise<StepRun> {
    const started = Date.now();
    // moto's endpoint is no parameter (emulators only): the worker's environment carries it.
    const run = await runStepScript(script, {
      variables: vars,
      env: { PATH: `${bin}:${process.env.PATH ?? ''}`, ESRU_AWS_ENDPOINT: sb().awsEndpoint },
      timeoutMs: 20 * 60_000,
    });
    runs.push({ label, result: { code: run.code, stdout: run.stdout, stderr: run.stderr, durationMs: Date.now() - started } });
    return run;
  }

  it('plan step: changes nothing; the output variables for the approval; the plan attached', () => diag(async () => {
    const run = await step('octopus-plan', variables('plan'));

    expect(run.code).toBe(0);
    const vars = outputVariables(run.messages);
    expect(vars.UpgradeOutcome).toBe('planned');
    expect(vars.NodesToReplace).toBe(String(TOTAL));
    expect(vars.ReplacementOrder?.split(',').sort()).toEqual(initial().filter((i) => i.state === 'running').map((i) => i.id).sort());
    expect(vars.PlanSummary).toContain(`Target ${versions.new}: ${TOTAL} of ${TOTAL} node(s) to replace`);
    const json = join(run.workdir, 'es-rolling-upgrade-plan.json');
    expect(run.messages.filter((m) => m.name === 'createArtifact').map((m) => m.attrs.path)).toEqual([json, join(run.workdir, 'es-rolling-upgrade-plan.html')]);
    expect((JSON.parse(readFileSync(json, 'utf8')) as UpgradeReport).mode).toBe('plan');
    expect(summarize(await motoInstances(sb().aws))).toEqual(summarize(initial()));
    expect(run.stdout + run.stderr).not.toContain(sb().tls?.password ?? 'no password');
  }));

  it('run step: every node replaced, progress to 100, the variables, the deletions, the reports', () => diag(async () => {
    const run = await step('octopus-run', variables('run', { 'EsRollingUpgrade.DeleteTargets': 'es-{instanceId}' }));

    expect(run.code, run.stdout.slice(-3000)).toBe(0);
    const json = join(run.workdir, 'es-rolling-upgrade-run.json');
    const report = JSON.parse(readFileSync(json, 'utf8')) as UpgradeReport;
    expect(report.outcome).toBe('completed');
    const terminated = terminatedIds(await motoInstances(sb().aws));
    expect([...report.terminatedInstanceIds].sort()).toEqual([...terminated].sort());
    expect(terminated).toHaveLength(TOTAL);

    const vars = outputVariables(run.messages);
    expect(vars.UpgradeOutcome).toBe('completed');
    expect(vars.TerminatedInstanceIds).toBe(report.terminatedInstanceIds.join(','));
    // Each terminated instance with the Name tag moto had for it.
    const names = new Map(initial().map((i) => [i.id, i.tags.Name]));
    const instances = JSON.parse(vars.TerminatedInstances ?? '[]') as { instanceId: string; name?: string }[];
    expect(instances.map((i) => i.instanceId)).toEqual(report.terminatedInstanceIds);
    for (const i of instances) expect(i.name, i.instanceId).toBe(names.get(i.instanceId));
    expect(run.messages.filter((m) => m.name === 'delete-target').map((m) => m.attrs.machine)).toEqual(report.terminatedInstanceIds.map((id) => `es-${id}`));

    const bar = run.messages.filter((m) => m.name === 'progress').map((m) => Number(m.attrs.percentage));
    expect(bar.length).toBe(2 + 2 * TOTAL);
    expect(bar).toEqual([...bar].sort((a, b) => a - b));
    expect(bar.at(-1)).toBe(100);
    for (const file of [json, join(run.workdir, 'es-rolling-upgrade-run.html')]) {
      const artifact = run.messages.find((m) => m.name === 'createArtifact' && m.attrs.path === file);
      expect(artifact?.attrs.length, file).toBe(String(statSync(file).size));
    }
    expect(run.stdout).toContain('##octopus[stderr-progress]');
    expect(run.stdout + run.stderr).not.toContain(sb().tls?.password ?? 'no password');
    expect(existsSync(join(run.workdir, '.es-rolling-upgrade'))).toBe(false);
  }));
});
