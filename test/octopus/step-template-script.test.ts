// The step template's script, taken from the committed template, run as Octopus runs it (see
// octopus-script-runner.ts) with the template's parameters as variables, against the demo's
// simulated cluster: the plan step of a plan → approval → run process, the run step, how the tool
// gets onto the worker (already there, an npm package, a container image), the AWS account, and bad
// input. What Octopus would receive is read back from the service messages.

import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { STEP_TEMPLATE_FILE } from '../../scripts/generate-octopus-template.ts';
import type { StepTemplate } from '../../src/octopus/step-template.ts';
import type { UpgradeReport } from '../../src/upgrade/plan-model.ts';
import { outputVariables, runStepScript, type StepRun } from './octopus-script-runner.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const NODE = existsSync(`${REPO}node_modules/.bin/node`) ? `${REPO}node_modules/.bin/node` : process.execPath;
const SIMULATED_CLI = fileURLToPath(new URL('./fixtures/simulated-cli.ts', import.meta.url));
const FAKE_DOCKER = fileURLToPath(new URL('./fixtures/fake-docker.ts', import.meta.url));

const template = JSON.parse(readFileSync(STEP_TEMPLATE_FILE, 'utf8')) as StepTemplate;
const script = template.Properties['Octopus.Action.Script.ScriptBody'] ?? '';

/** As Octopus gives a step's variables: each parameter's default, then what the step sets. */
function variables(set: Record<string, string>): Record<string, string> {
  const defaults = Object.fromEntries(template.Parameters.map((p) => [p.Name, p.DefaultValue]));
  return {
    ...defaults,
    'EsRollingUpgrade.ElasticsearchUrl': 'https://es-1.internal:9200, https://es-2.internal:9200',
    'EsRollingUpgrade.AwsRegion': 'ap-southeast-2',
    'EsRollingUpgrade.TargetVersion': '9.5.4',
    'Octopus.Environment.Name': 'Production',
    ...set,
  };
}

/** A directory for the PATH holding `name`, a shell script that runs a TypeScript file with Node 24. */
function binWith(name: string, file: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'esru-bin-'));
  writeFileSync(join(dir, name), `#!/bin/sh\nexec "${NODE}" "${file}" "$@"\n`);
  chmodSync(join(dir, name), 0o755);
  return dir;
}

/** The worker's PATH: `dirs` first, then Node 24 and the system's tools, but no es-rolling-upgrade. */
function workerPath(...dirs: string[]): string {
  return [...dirs, dirname(NODE), '/usr/local/bin', '/usr/bin', '/bin'].join(':');
}

interface Recorded {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
}

async function step(set: Record<string, string>, worker: { path?: string; env?: Record<string, string> } = {}) {
  const record = join(mkdtempSync(join(tmpdir(), 'esru-record-')), 'cli.json');
  const run = await runStepScript(script, {
    variables: variables(set),
    env: { PATH: worker.path ?? workerPath(binWith('es-rolling-upgrade', SIMULATED_CLI)), SIMULATED_CLI_RECORD: record, ...worker.env },
  });
  const recorded = (): Recorded => JSON.parse(readFileSync(record, 'utf8')) as Recorded;
  return { run, recorded, cliStarted: () => existsSync(record) };
}

function named(run: StepRun, name: string) {
  return run.messages.filter((m) => m.name === name);
}

function artifacts(run: StepRun) {
  return named(run, 'createArtifact').map((m) => m.attrs);
}

// Each test starts bash, openssl and Node processes (npm too): seconds each on a busy machine.
describe('the step template script, as Octopus runs it, against the simulated cluster', { timeout: 60_000 }, () => {
  it('plan step: changes nothing, sets what a manual intervention shows, attaches the plan', async () => {
    const { run, recorded } = await step({ 'EsRollingUpgrade.Mode': 'plan' });

    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe('##octopus[stderr-progress]');
    const vars = outputVariables(run.messages);
    expect(vars.UpgradeOutcome).toBe('planned');
    expect(vars.NodesToReplace).toBe('6');
    expect(vars.ReplacementOrder?.split(',')).toEqual(['es-master-2', 'es-master-3', 'es-master-1', 'es-data-1', 'es-data-2', 'es-data-3']);
    expect(vars.PlanSummary).toContain('Target 9.5.4: 6 of 6 node(s) to replace, masters-first, strategy replace.');
    expect(vars.PlanSummary).toContain('| 3 | es-master-1 (elected master) | master |');
    expect(vars.TerminatedInstanceIds).toBe('');
    expect(named(run, 'progress')).toEqual([]);
    expect(named(run, 'delete-target')).toEqual([]);
    expect(artifacts(run)).toEqual([
      { path: join(run.workdir, 'es-rolling-upgrade-plan.json'), name: 'es-rolling-upgrade-plan.json', length: String(statSync(join(run.workdir, 'es-rolling-upgrade-plan.json')).size) },
      { path: join(run.workdir, 'es-rolling-upgrade-plan.html'), name: 'es-rolling-upgrade-plan.html', length: String(statSync(join(run.workdir, 'es-rolling-upgrade-plan.html')).size) },
    ]);
    const report = JSON.parse(readFileSync(join(run.workdir, 'es-rolling-upgrade-plan.json'), 'utf8')) as UpgradeReport;
    expect(report.mode).toBe('plan');
    // Settings in the environment, none on the command line.
    const cli = recorded();
    expect(cli.argv).toEqual(['plan', '--octopus']);
    expect(cli.cwd).toBe(run.workdir);
    expect(cli.env).toMatchObject({
      ESRU_ES_URL: 'https://es-1.internal:9200, https://es-2.internal:9200',
      ESRU_TARGET_VERSION: '9.5.4',
      AWS_REGION: 'ap-southeast-2',
      ESRU_ORDER: 'masters-first',
      ESRU_TLS_VERIFY: 'True',
      ESRU_GREEN_TIMEOUT: '2h',
    });
  });

  it('run step: progress per node, the output variables, target deletions, the reports; secrets only in the environment', async () => {
    const password = "pa55 w0rd!'$(touch pwned)";
    const secretKey = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const { run, recorded } = await step(
      {
        'EsRollingUpgrade.Mode': 'run',
        'EsRollingUpgrade.AwsAccount': 'amazon-web-services-account-production',
        'EsRollingUpgrade.AwsAccount.AccessKey': 'AKIAIOSFODNN7EXAMPLE',
        'EsRollingUpgrade.AwsAccount.SecretKey': secretKey,
        'EsRollingUpgrade.ElasticsearchUsername': 'upgrader',
        'EsRollingUpgrade.ElasticsearchPassword': password,
        'EsRollingUpgrade.DeleteTargets': 'es-{instanceId}',
      },
      // The worker's own settings and credentials must not leak into the step.
      { env: { ESRU_EXPECTED_ES_VERSION: '7.17.0', ESRU_CONFIG: '/nonexistent/esru.yaml', AWS_PROFILE: 'someone-else', AWS_SESSION_TOKEN: 'stale-token' } },
    );

    expect(run.code, run.stdout + run.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(run.workdir, 'es-rolling-upgrade-run.json'), 'utf8')) as UpgradeReport;
    expect(report.outcome).toBe('completed');
    const vars = outputVariables(run.messages);
    expect(vars).toMatchObject({
      UpgradeOutcome: 'completed',
      TerminatedInstanceIds: report.terminatedInstanceIds.join(','),
      ReplacedNodes: 'es-master-2,es-master-3,es-master-1,es-data-1,es-data-2,es-data-3',
      DeletedTargets: report.terminatedInstanceIds.map((id) => `es-${id}`).join(','),
    });
    expect(JSON.parse(vars.TerminatedInstances ?? '')).toEqual(report.terminatedInstances);

    const bar = named(run, 'progress').map((m) => ({ percentage: Number(m.attrs.percentage), message: m.attrs.message ?? '' }));
    expect(bar).toHaveLength(14);
    expect(bar.map((b) => b.percentage)).toEqual([0, 0, 16, 16, 33, 33, 50, 50, 66, 66, 83, 83, 100, 100]);
    expect(bar[0]?.message).toBe('plan: 6 node(s) to replace → 9.5.4 (masters-first, replace)');
    expect(bar.at(-1)?.message).toBe('completed: 6 of 6 node(s) replaced');
    expect(named(run, 'delete-target').map((m) => m.attrs.machine)).toEqual(report.terminatedInstanceIds.map((id) => `es-${id}`));
    expect(artifacts(run).map((a) => a.name)).toEqual(['es-rolling-upgrade-run.json', 'es-rolling-upgrade-run.html']);
    expect(named(run, 'resultMessage')).toEqual([]);
    // The step log (stdout) has a line per step of the run; the logs went to stderr, now verbose.
    expect(run.stdout).toMatch(/^\d\d:\d\d:\d\d node 1 of 6: es-master-2/m);
    expect(run.stdout).toContain('Outcome: completed (exit 0)');

    const cli = recorded();
    expect(cli.argv).toEqual(['run', '--octopus', '--yes', '--no-progress']);
    expect(cli.env).toMatchObject({
      ESRU_ES_USERNAME: 'upgrader',
      ESRU_ES_PASSWORD: password,
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: secretKey,
      ESRU_OCTOPUS_DELETE_TARGETS: 'es-{instanceId}',
    });
    for (const dropped of ['ESRU_EXPECTED_ES_VERSION', 'ESRU_CONFIG', 'AWS_PROFILE', 'AWS_SESSION_TOKEN']) expect(cli.env, dropped).not.toHaveProperty(dropped);
    for (const secret of [password, secretKey]) {
      expect(run.stdout + run.stderr).not.toContain(secret);
      expect(cli.argv.join(' ')).not.toContain(secret);
    }
    expect(existsSync(join(run.workdir, 'pwned'))).toBe(false);
  });

  it('an AWS account by OpenID Connect: a role and a web identity token file only the step can read', async () => {
    const { run, recorded } = await step({
      'EsRollingUpgrade.Mode': 'plan',
      'EsRollingUpgrade.AwsAccount': 'aws-oidc',
      'EsRollingUpgrade.AwsAccount.RoleArn': 'arn:aws:iam::123456789012:role/es-upgrader',
      'EsRollingUpgrade.AwsAccount.OpenIdConnect.Jwt': 'eyJhbGciOi.payload.signature',
    });

    expect(run.code, run.stdout + run.stderr).toBe(0);
    const env = recorded().env;
    expect(env.AWS_ROLE_ARN).toBe('arn:aws:iam::123456789012:role/es-upgrader');
    const tokenFile = env.AWS_WEB_IDENTITY_TOKEN_FILE ?? '';
    expect(dirname(tokenFile)).toBe(run.workdir);
    expect(readFileSync(tokenFile, 'utf8')).toBe('eyJhbGciOi.payload.signature');
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(env).not.toHaveProperty('AWS_ACCESS_KEY_ID');
  });

  it('from an npm package: installed into the working directory, then run', async () => {
    const tarball = fakePackage();
    const { run, recorded } = await step({ 'EsRollingUpgrade.Mode': 'plan', 'EsRollingUpgrade.NpmPackage': tarball }, { path: workerPath() });

    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain(`Installing ${tarball} with npm`);
    expect(existsSync(join(run.workdir, '.es-rolling-upgrade/node_modules/.bin/es-rolling-upgrade'))).toBe(true);
    expect(recorded().argv).toEqual(['plan', '--octopus']);
    expect(outputVariables(run.messages).NodesToReplace).toBe('6');
  });

  it('from a container image: docker runs it in the working directory, settings passed by name only', async () => {
    const password = 's3cret-in-the-environment';
    const dockerRecord = join(mkdtempSync(join(tmpdir(), 'esru-docker-')), 'docker.json');
    // The image's own directory (WORKDIR /app), where the command line starts.
    const imageDir = mkdtempSync(join(tmpdir(), 'esru-image-'));
    const { run, recorded } = await step(
      {
        'EsRollingUpgrade.Mode': 'run',
        'EsRollingUpgrade.ContainerImage': 'registry.example.com/es-rolling-upgrade:0.1.0',
        'EsRollingUpgrade.ElasticsearchPassword': password,
        'EsRollingUpgrade.ElasticsearchUsername': 'upgrader',
        'EsRollingUpgrade.ReportPath': 'upgrade-report.json',
      },
      {
        path: workerPath(binWith('docker', FAKE_DOCKER)),
        env: { FAKE_DOCKER_RECORD: dockerRecord, FAKE_DOCKER_IMAGE_CLI: SIMULATED_CLI, FAKE_DOCKER_WORKDIR: imageDir },
      },
    );

    expect(run.code, run.stdout + run.stderr).toBe(0);
    const docker = (JSON.parse(readFileSync(dockerRecord, 'utf8')) as { argv: string[] }).argv;
    const image = docker.indexOf('registry.example.com/es-rolling-upgrade:0.1.0');
    const uid = execFileSync('id', ['-u'], { encoding: 'utf8' }).trim();
    const gid = execFileSync('id', ['-g'], { encoding: 'utf8' }).trim();
    expect(docker.slice(0, 6)).toEqual(['run', '--rm', '--user', `${uid}:${gid}`, '--volume', `${run.workdir}:${run.workdir}`]);
    expect(docker.slice(image + 1)).toEqual(['run', '--octopus', '--yes', '--no-progress']);
    const passed = docker.slice(6, image).filter((_, i) => i % 2 === 1);
    expect(docker.slice(6, image).filter((_, i) => i % 2 === 0).every((flag) => flag === '--env')).toBe(true);
    expect(passed).toEqual(expect.arrayContaining(['ESRU_ES_URL', 'ESRU_ES_PASSWORD', 'ESRU_TARGET_VERSION', 'ESRU_REPORT', 'ESRU_HTML', 'AWS_REGION']));
    expect(docker.join(' ')).not.toContain(password);
    // Inside, the settings arrived, and the reports landed where Octopus collects them.
    expect(recorded().env).toMatchObject({ ESRU_ES_PASSWORD: password, ESRU_ES_USERNAME: 'upgrader', ESRU_REPORT: join(run.workdir, 'upgrade-report.json') });
    expect(recorded().cwd).toBe(imageDir);
    expect(artifacts(run).map((a) => a.path)).toEqual([join(run.workdir, 'upgrade-report.json'), join(run.workdir, 'es-rolling-upgrade-run.html')]);
    expect(readdirSync(imageDir)).toEqual([]);
    expect(outputVariables(run.messages).UpgradeOutcome).toBe('completed');
  });

  it.each([
    ['an unknown mode', { 'EsRollingUpgrade.Mode': 'yolo' }, "EsRollingUpgrade.Mode must be plan or run, not 'yolo'", {}],
    ['an AWS account with no keys', { 'EsRollingUpgrade.AwsAccount': 'aws-empty' }, "the AWS account 'aws-empty' gave neither an access key and secret key nor an OpenID Connect role", {}],
    ['an AWS account and a profile', { 'EsRollingUpgrade.AwsAccount': 'aws-x', 'EsRollingUpgrade.AwsProfile': 'dev' }, 'set EsRollingUpgrade.AwsAccount or EsRollingUpgrade.AwsProfile, not both', {}],
    ['both an image and a package', { 'EsRollingUpgrade.ContainerImage': 'img', 'EsRollingUpgrade.NpmPackage': 'pkg' }, 'set EsRollingUpgrade.ContainerImage or EsRollingUpgrade.NpmPackage, not both', {}],
    ['no tool on the worker', {}, 'es-rolling-upgrade is not on the PATH of the worker', { path: workerPath() }],
  ])('refuses %s: exit 2, the error shown and the step result, nothing run', async (_title, set, message, worker) => {
    const { run, cliStarted } = await step(set, worker);

    expect(run.code).toBe(2);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 2)).toEqual(['##octopus[stderr-progress]', '##octopus[stdout-error]']);
    expect(lines[2]).toContain(message);
    expect(named(run, 'resultMessage')[0]?.attrs.message).toContain(message);
    expect(cliStarted()).toBe(false);
  });

  it('bad input the CLI finds (a target version missing): exit 2, said on stdout and as the result', async () => {
    const { run, cliStarted } = await step({ 'EsRollingUpgrade.TargetVersion': '' });

    expect(cliStarted()).toBe(true);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('##octopus[stdout-error]');
    expect(run.stdout).toMatch(/^error: .*--target-version/m);
    expect(named(run, 'resultMessage')[0]?.attrs.message).toContain('--target-version');
  });
});

/** An npm package named es-rolling-upgrade whose executable is the simulated command line. */
function fakePackage(): string {
  const dir = mkdtempSync(join(tmpdir(), 'esru-package-'));
  const src = join(dir, 'src');
  mkdirSync(src);
  writeFileSync(join(src, 'package.json'), JSON.stringify({ name: 'es-rolling-upgrade', version: '0.0.0-test', bin: { 'es-rolling-upgrade': 'cli.sh' } }));
  writeFileSync(join(src, 'cli.sh'), `#!/bin/sh\nexec "${NODE}" "${SIMULATED_CLI}" "$@"\n`);
  chmodSync(join(src, 'cli.sh'), 0o755);
  const name = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: src, encoding: 'utf8' }).trim();
  return join(dir, name);
}
