// PostDeploy.sh as Octopus runs it (sourced after a bootstrap that defines get_octopusvariable) and
// by hand (environment only), with a fake CLI that records its argv and environment.

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const script = join(import.meta.dirname, '../../deploy/octopus/PostDeploy.sh');

function fakeCli(exitCode: number): { command: string; recorded: () => { argv: string[]; env: Record<string, string> } } {
  const dir = mkdtempSync(join(tmpdir(), 'esru-postdeploy-'));
  const out = join(dir, 'recorded.json');
  const cli = join(dir, 'fake-cli');
  writeFileSync(
    cli,
    `#!/usr/bin/env bash
node -e 'const fs=require("fs");fs.writeFileSync(process.argv[1],JSON.stringify({argv:process.argv.slice(2),env:{pw:process.env.ESRU_ES_PASSWORD??"",user:process.env.ESRU_ES_USERNAME??"",region:process.env.AWS_REGION??""}}))' ${JSON.stringify(out)} "$@"
exit ${exitCode}
`,
  );
  chmodSync(cli, 0o755);
  return { command: cli, recorded: () => JSON.parse(readFileSync(out, 'utf8')) as { argv: string[]; env: Record<string, string> } };
}

function run(bashScript: string, env: Record<string, string>) {
  return spawnSync('bash', ['-c', bashScript, 'octopus-bootstrap', script], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), ...env },
  });
}

describe('PostDeploy.sh', () => {
  it('under Octopus: reads EsRollingUpgrade.* variables, passes secrets only in the environment, and returns the CLI exit code', () => {
    const cli = fakeCli(4);
    const variables: Record<string, string> = {
      'EsRollingUpgrade.ElasticsearchUrl': 'http://es-1:9200, http://es-2:9200',
      'EsRollingUpgrade.TargetVersion': '9.5.4',
      'EsRollingUpgrade.Strategy': 'drain',
      'EsRollingUpgrade.ElasticsearchUsername': 'upgrader',
      'EsRollingUpgrade.ElasticsearchPassword': 'pa55 word!',
      'EsRollingUpgrade.AwsRegion': 'eu-west-1',
      'EsRollingUpgrade.Command': cli.command,
      // A package for one target outside the cluster, as the script requires on a target.
      'Octopus.Machine.Name': 'es-controller',
      'EsRollingUpgrade.RunOnThisTarget': 'True',
    };
    const cases = Object.entries(variables)
      .map(([k, v]) => `    ${k}) printf '%s' ${JSON.stringify(v)} ;;`)
      .join('\n');
    // Like Calamari: the bootstrap defines get_octopusvariable (unknown names give ""), then sources the script.
    const bootstrap = `get_octopusvariable() {\n  case "$1" in\n${cases}\n    *) echo "" ;;\n  esac\n}\nsource "$1"`;

    const result = run(bootstrap, { ESRU_TARGET_VERSION: 'ignored-when-octopus-has-it' });

    expect(result.status).toBe(4);
    const { argv, env } = cli.recorded();
    expect(argv).toEqual([
      'run',
      '--target-version', '9.5.4',
      '--report', expect.stringMatching(/\/es-rolling-upgrade-report\.json$/) as unknown as string,
      '--octopus', '--yes', '--no-progress',
      '--es-url', 'http://es-1:9200',
      '--es-url', 'http://es-2:9200',
      '--strategy', 'drain',
    ]);
    expect(argv.join(' ')).not.toContain('pa55');
    expect(env).toEqual({ pw: 'pa55 word!', user: 'upgrader', region: 'eu-west-1' });
    expect(result.stdout + result.stderr).not.toContain('pa55');
  });

  it('on a deployment target, without RunOnThisTarget: refuses, runs nothing, exit 2', () => {
    const cli = fakeCli(0);
    const variables: Record<string, string> = {
      'EsRollingUpgrade.ElasticsearchUrl': 'http://es-1:9200',
      'EsRollingUpgrade.TargetVersion': '9.5.4',
      'EsRollingUpgrade.Command': cli.command,
      'Octopus.Machine.Name': 'es-data-7',
    };
    const cases = Object.entries(variables)
      .map(([k, v]) => `    ${k}) printf '%s' ${JSON.stringify(v)} ;;`)
      .join('\n');
    const bootstrap = `get_octopusvariable() {\n  case "$1" in\n${cases}\n    *) echo "" ;;\n  esac\n}\nsource "$1"`;

    const result = run(bootstrap, {});

    expect(result.status).toBe(2);
    expect(result.stderr).toContain("on target 'es-data-7' it would start one of several runs, which may terminate this very host");
    expect(result.stderr).toContain('step template');
    expect(() => cli.recorded()).toThrow();
  });

  it('by hand: falls back to the environment and runs a plan', () => {
    const cli = fakeCli(0);

    const result = run('source "$1"', {
      ESRU_ES_URL: 'http://localhost:9200',
      ESRU_TARGET_VERSION: '9.5.4',
      ESRU_MODE: 'plan',
      ESRU_REPORT: '/tmp/plan.json',
      ESRU_HTML: '/tmp/plan.html',
      ESRU_COMMAND: cli.command,
    });

    expect(result.status).toBe(0);
    expect(cli.recorded().argv).toEqual([
      'plan', '--target-version', '9.5.4', '--report', '/tmp/plan.json', '--octopus',
      '--es-url', 'http://localhost:9200',
      '--html', '/tmp/plan.html',
    ]);
  });

  it('refuses to run without the Elasticsearch URL and the target version', () => {
    const result = run('"$1"', { ESRU_TARGET_VERSION: '9.5.4', ESRU_COMMAND: 'false' });

    expect(result.status).toBe(2);
    expect(result.stderr).toContain('EsRollingUpgrade.ElasticsearchUrl and EsRollingUpgrade.TargetVersion must be set');
  });

  it('refuses an unknown mode', () => {
    const result = run('"$1"', { ESRU_ES_URL: 'http://x:9200', ESRU_TARGET_VERSION: '9.5.4', ESRU_MODE: 'yolo', ESRU_COMMAND: 'false' });

    expect(result.status).toBe(2);
    expect(result.stderr).toContain("must be run or plan, not 'yolo'");
  });
});
