import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgv } from '../../src/cli/args.ts';
import type { Config } from '../../src/app/config.ts';
import { parseDuration } from '../../src/app/duration.ts';
import { SETTINGS, defaultText, type SettingSpec } from '../../src/app/settings.ts';
import { loadConfig } from '../../src/cli/config.ts';
import { COMMANDS } from '../../src/cli/main.ts';
import { ExitCode, InvalidInputError } from '../../src/shared/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'esru-config-'));
const BASE = ['--es-url', 'https://es.internal:9200', '--target-version', '2.14.0', '--region', 'ap-southeast-2'];

function writeFile(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

interface Input {
  argv?: string[];
  env?: Record<string, string>;
  /** Settings file content; the name picks the format. */
  file?: { name: string; content: string };
}

function load({ argv = [], env = {}, file }: Input): Config {
  const [command = 'plan', ...rest] = argv;
  const args = parseArgv([command, ...rest, ...(file ? ['--config', writeFile(file.name, file.content)] : [])]);
  const profile = COMMANDS.find((c) => c.name === args.command);
  if (!profile) throw new Error(`no command ${String(args.command)}`);
  return loadConfig(profile, { flags: args.flags, env, configFile: args.configFile }).config;
}

/** The message of the InvalidInputError that loading throws. */
function failure(input: Input): string {
  try {
    load(input);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).exitCode).toBe(ExitCode.invalidInput);
    return (error as Error).message;
  }
  throw new Error('expected invalid input');
}

describe('bad values are refused with the value and what would be valid', () => {
  const flagCases: [string, string[], string][] = [
    ['an unknown order', ['--order', 'sideways'], '--order: "sideways" is not one of masters-first, data-first'],
    ['a misspelt order, with a suggestion', ['--order', 'data-frist'], '(did you mean data-first?)'],
    ['an unknown strategy', ['--strategy', 'surge'], '--strategy: "surge" is not one of replace, drain'],
    ['an unknown version-conflict policy', ['--version-conflicts', 'maybe'], '--version-conflicts: "maybe" is not one of accept, reject'],
    ['an unknown orphan policy', ['--orphans', 'delete'], '--orphans: "delete" is not one of refuse, ignore'],
    ['an unknown match', ['--match', 'mac-address'], '--match: "mac-address" is not one of private-ip, node-name, node-attribute:<attr>'],
    ['a node-attribute match without attribute', ['--match', 'node-attribute:'], '--match: "node-attribute:" is not one of'],
    ['an unknown output format', ['--output', 'yaml'], '--output: "yaml" is not one of table, json'],
    ['an unknown log level', ['--log-level', 'loud'], '--log-level: "loud" is not one of trace, debug, info, warn, error, fatal, silent'],
    ['a duration without unit', ['--green-timeout', '90'], '--green-timeout: "90" needs a unit: ms, s, m, h or d'],
    ['a duration that is no duration', ['--node-join-timeout', 'soon'], '--node-join-timeout: "soon" is not a duration such as 90s, 15m or 1h30m'],
    ['a zero timeout', ['--yellow-timeout', '0s'], '--yellow-timeout: "0s" must be between 1s and 7d'],
    ['a poll interval too long', ['--poll-interval', '10m'], '--poll-interval: "10m" must be between 100ms and 5m'],
    ['a lease too short', ['--lock-ttl', '10s'], '--lock-ttl: "10s" must be between 20s and 24h'],
    ['an ftp URL', ['--es-url', 'ftp://es.internal'], '--es-url: "ftp://es.internal" must start with https:// or http://'],
    ['a URL that is no URL', ['--es-url', 'es internal'], '--es-url: "es internal" is not a URL such as https://es.internal:9200'],
    ['the bad one of several URLs', ['--es-url', 'https://a:9200,nope'], '--es-url: "nope" is not a URL'],
    ['an endpoint without scheme', ['--aws-endpoint', 'localhost:5000'], '--aws-endpoint: "localhost:5000" must start with https:// or http://'],
    ['a region that is a city', ['--region', 'Sydney'], '--region: "Sydney" is not an AWS region such as ap-southeast-2'],
    ['a version with a space', ['--target-version', '2.14 beta'], '--target-version: "2.14 beta" is not a version such as 2.14.0'],
    ['a reserved tag key', ['--version-tag-key', 'aws:version'], '--version-tag-key: "aws:version" must not start with "aws:"'],
    ['a misspelt rule, with a suggestion', ['--disable-rule', 'one-master-at-a-time'], '(did you mean one_master_at_a_time?)'],
    ['no data nodes at once', ['--max-unavailable', '0'], '--max-unavailable: "0" must be a count of data nodes (1 or more, e.g. 3) or a percentage of them (e.g. 34%)'],
    ['more than all of them', ['--max-unavailable', '150%'], '--max-unavailable: "150%" must be a count of data nodes'],
    ['an unknown batch mode', ['--batch', 'rack'], '--batch: "rack" is not one of none, zone'],
    ['a rule that does not exist', ['--disable-rule', 'one-master'], '--disable-rule: "one-master" is not a safety rule; rules: replacement_at_target, launch_template_at_target, '],
    ['a missing CA file', ['--es-ca-file', '/nonexistent/ca.pem'], '--es-ca-file: "/nonexistent/ca.pem" is not a readable file'],
    ['a report in a missing directory', ['--report', '/nonexistent/dir/report.json'], '--report: "/nonexistent/dir/report.json" cannot be written'],
    ['an API key with a user', ['--es-api-key', 'a2V5OnNlY3JldA==', '--es-username', 'elastic', '--es-password', 'pw-123456'], '--es-api-key: cannot be combined with --es-username/--es-password'],
    ['a user without password', ['--es-username', 'elastic'], '--es-password is required with --es-username'],
  ];
  it.each(flagCases)('%s', (_name, flags, expected) => {
    expect(failure({ argv: ['plan', ...BASE, ...flags] })).toContain(expected);
  });

  const envCases: [string, Record<string, string>, string][] = [
    ['an order from the environment', { ESRU_ORDER: 'sideways' }, 'ESRU_ORDER: "sideways" is not one of masters-first, data-first'],
    ['an on/off from the environment', { ESRU_TLS_VERIFY: 'maybe' }, 'ESRU_TLS_VERIFY: "maybe" is not one of true, false'],
    ['a duration from the environment', { ESRU_DRAIN_TIMEOUT: '2 hours' }, 'ESRU_DRAIN_TIMEOUT: "2 hours" is not a duration'],
    ['a region from the default-region variable', { AWS_DEFAULT_REGION: 'mars' }, 'AWS_DEFAULT_REGION: "mars" is not an AWS region'],
  ];
  it.each(envCases)('%s', (_name, env, expected) => {
    const argv = ['plan', '--es-url', 'https://es:9200', '--target-version', '2.14.0'];
    expect(failure({ argv, env: { AWS_REGION: '', ...env } })).toContain(expected);
  });

  it('names the file and key for a bad value in the config file', () => {
    const file = { name: 'bad-order.yaml', content: 'order: sideways\n' };
    expect(failure({ argv: ['plan', ...BASE], file })).toMatch(/^order \(in .*bad-order\.yaml\): "sideways" is not one of masters-first, data-first/);
  });

  it('reports every problem at once, missing settings included', () => {
    const message = failure({ argv: ['plan', '--order', 'sideways', '--strategy', 'surge'] });
    expect(message.split('\n')).toEqual([
      '--order: "sideways" is not one of masters-first, data-first',
      '--strategy: "surge" is not one of replace, drain',
      '--es-url is required (or set ESRU_ES_URL, "es-url" in the config file)',
      '--region is required (or set AWS_REGION, AWS_DEFAULT_REGION, "region" in the config file)',
      '--target-version is required (or set ESRU_TARGET_VERSION, "target-version" in the config file)',
    ]);
  });
});

describe('the command line itself', () => {
  const cases: [string, string[], string][] = [
    ['an unknown flag, with a suggestion', ['plan', '--targt-version', '1'], 'unknown flag --targt-version (did you mean --target-version?)'],
    ['an unknown short flag', ['plan', '-x'], 'unknown flag -x'],
    ['a value for an on/off flag', ['run', '--yes=please'], '--yes takes no value (use --yes or --no-yes)'],
    ['a --no- form of a valued flag', ['plan', '--no-order'], 'unknown flag --no-order'],
    ['a flag without its value', ['plan', '--order'], '--order needs a value (ORDER)'],
    ['a flag followed by another flag', ['plan', '--order', '--yes'], '--order needs a value (ORDER)'],
    ['a stray argument', ['plan', 'now'], 'unexpected argument after "plan"'],
  ];
  it.each(cases)('refuses %s', (_name, argv, expected) => {
    expect(() => parseArgv(argv)).toThrow(InvalidInputError);
    expect(() => parseArgv(argv)).toThrow(expected);
  });

  it('reads "help <command>" as "<command> --help"', () => {
    expect(parseArgv(['help', 'run'])).toMatchObject({ command: 'run', help: true });
  });

  it('refuses connection flags for the demo, which touches nothing real', () => {
    expect(failure({ argv: ['demo', '--es-url', 'https://es:9200'] })).toBe('--es-url is not used by the demo command; it is for plan, run, serve, lease');
  });

  it('ignores connection settings in the environment for the demo', () => {
    expect(load({ argv: ['demo'], env: { ESRU_ES_URL: 'not a url' } }).connection).toBeUndefined();
  });

  it.each(['plan', 'run', 'demo'])('refuses the service flags for %s, which does not listen', (command) => {
    expect(failure({ argv: [command, '--port', '8080', '--host', '0.0.0.0'] })).toBe(
      `--port is not used by the ${command} command; only serve takes it\n--host is not used by the ${command} command; only serve takes it`,
    );
  });

  it('ignores service settings in the environment and the file for the commands that do not listen', () => {
    const file = { name: 'shared.yaml', content: 'port: 70000\n' };
    expect(() => load({ argv: ['plan', ...BASE], env: { ESRU_SERVICE_HOST: 'http://x' }, file })).not.toThrow();
  });
});

describe('where serve listens', () => {
  /** The cluster serve needs to start. */
  const CLUSTER = { ESRU_ES_URL: 'https://es.internal:9200', AWS_REGION: 'eu-west-1' };
  const file = { name: 'service.yaml', content: 'host: 10.0.0.5\nport: 9300\n' };
  const env = { ESRU_SERVICE_HOST: 'localhost', ESRU_SERVICE_PORT: '9200' };

  it.each([
    ['the flags over all', ['--host', '0.0.0.0', '--port', '9100'], env, file, { host: '0.0.0.0', port: 9100 }],
    ['the environment over the file', [], env, file, { host: 'localhost', port: 9200 }],
    ['the file over the defaults', [], {}, file, { host: '10.0.0.5', port: 9300 }],
    ['the defaults when nothing is set', [], {}, undefined, { host: '127.0.0.1', port: 8080 }],
    ['a free port for --port 0, and an IPv6 address', ['--host', '::1', '--port', '0'], env, undefined, { host: '::1', port: 0 }],
  ] as const)('takes %s', (_name, flags, e, f, expected) => {
    expect(load({ argv: ['serve', ...flags], env: { ...CLUSTER, ...e }, ...(f ? { file: f } : {}) }).service).toEqual(expected);
  });

  it('defaults to what --help and docs/flags.md say', () => {
    const documented = new Map((SETTINGS as readonly SettingSpec[]).map((s) => [s.name, defaultText(s)]));
    expect(load({ argv: ['serve'], env: CLUSTER }).service).toEqual({ host: documented.get('host'), port: Number(documented.get('port')) });
  });

  const badValues: [string, Input, string][] = [
    ['a port out of range', { argv: ['serve', '--port', '70000'] }, '--port: "70000" is not a port number from 0 to 65535 (0 picks a free port)'],
    ['a port that is no number', { argv: ['serve', '--port', 'abc'] }, '--port: "abc" is not a port number from 0 to 65535'],
    ['a negative port', { argv: ['serve', '--port=-1'] }, '--port: "-1" is not a port number'],
    ['a fractional port', { argv: ['serve', '--port', '80.5'] }, '--port: "80.5" is not a port number'],
    ['a port out of range from the environment', { env: { ESRU_SERVICE_PORT: '65536' } }, 'ESRU_SERVICE_PORT: "65536" is not a port number'],
    ['a URL for an address', { env: { ESRU_SERVICE_HOST: 'http://0.0.0.0' } }, 'ESRU_SERVICE_HOST: "http://0.0.0.0" is not an IP address or host name'],
    ['an address with a port', { argv: ['serve', '--host', '0.0.0.0:8080'] }, '--host: "0.0.0.0:8080" is not an IP address or host name'],
  ];
  it.each(badValues)('refuses %s, naming the value', (_name, input, expected) => {
    expect(failure({ argv: ['serve'], ...input })).toContain(expected);
  });

  it('names the file and the number for a bad port in the file', () => {
    const file = { name: 'bad-port.yaml', content: 'port: 70000\n' };
    expect(failure({ argv: ['serve'], file })).toMatch(/^port \(in .*bad-port\.yaml\): 70000 is not a port number from 0 to 65535/);
  });
});

describe('precedence: flags > environment > file > defaults', () => {
  const file = { name: 'precedence.yaml', content: 'green-timeout: 1h\norder: data-first\n' };

  it.each([
    ['the flag over all', ['--green-timeout', '3h'], { ESRU_GREEN_TIMEOUT: '45m' }, file, 3 * 3_600_000],
    ['the environment over the file', [], { ESRU_GREEN_TIMEOUT: '45m' }, file, 45 * 60_000],
    ['the file over the default', [], {}, file, 3_600_000],
    ['the default when nothing is set', [], {}, undefined, 2 * 3_600_000],
    ['the file when the environment variable is empty', [], { ESRU_GREEN_TIMEOUT: '' }, file, 3_600_000],
  ] as const)('takes %s', (_name, flags, env, f, expected) => {
    const config = load({ argv: ['plan', ...BASE, ...flags], env, ...(f ? { file: f } : {}) });
    expect(config.upgrade.timeouts.greenMs).toBe(expected);
  });

  it('takes each setting from the strongest source that sets it', () => {
    const config = load({ argv: ['plan', ...BASE, '--strategy', 'drain'], env: { ESRU_ORPHANS: 'ignore' }, file });
    expect(config.upgrade).toMatchObject({ strategy: 'drain', orphans: 'ignore', order: 'data-first' });
  });

  it('prefers AWS_REGION over AWS_DEFAULT_REGION', () => {
    const argv = ['plan', '--es-url', 'https://es:9200', '--target-version', '2.14.0'];
    const config = load({ argv, env: { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'us-east-1' } });
    expect(config.connection?.aws.region).toBe('eu-west-1');
  });

  it('reads the config file named by ESRU_CONFIG', () => {
    const path = writeFile('from-env.yaml', 'strategy: drain\n');
    const config = load({ argv: ['plan', ...BASE], env: { ESRU_CONFIG: path } });
    expect(config.upgrade.strategy).toBe('drain');
  });
});

describe('config files', () => {
  const yaml = `
es-url:
  - https://es-1.internal:9200
  - https://es-2.internal:9200
region: ap-southeast-2
target-version: "2.14.0"
match: node-attribute:instance_id
group-name: [es-masters, es-data]
disable-rule: [no_orphans]
tls-verify: false
node-join-timeout: 25m
`;
  const json = JSON.stringify({
    'es-url': ['https://es-1.internal:9200', 'https://es-2.internal:9200'],
    region: 'ap-southeast-2',
    'target-version': '2.14.0',
    match: 'node-attribute:instance_id',
    'group-name': 'es-masters,es-data',
    'disable-rule': ['no_orphans'],
    'tls-verify': false,
    'node-join-timeout': '25m',
  });

  it.each([
    ['YAML', 'settings.yaml', yaml],
    ['JSON', 'settings.json', json],
  ])('reads %s', (_format, name, content) => {
    const config = load({ argv: ['plan'], file: { name, content } });
    expect(config.connection?.es).toMatchObject({ urls: ['https://es-1.internal:9200', 'https://es-2.internal:9200'], tlsVerify: false });
    expect(config.upgrade).toMatchObject({
      targetVersion: '2.14.0',
      match: { kind: 'node-attribute', attribute: 'instance_id' },
      groupNames: ['es-masters', 'es-data'],
      disabledRules: ['no_orphans'],
    });
    expect(config.upgrade.timeouts.nodeJoinMs).toBe(25 * 60_000);
  });

  it.each([
    ['an unknown key, with a suggestion', 'typo.yaml', 'targetVersion: "2.14.0"\n', 'unknown setting "targetVersion" (did you mean "target-version"?)'],
    ['a version YAML reads as a number', 'number.yaml', 'target-version: 2.10\n', 'was read as a number; quote it'],
    ['a duration as a bare number', 'bare.json', '{"green-timeout": 3600}', 'green-timeout (in '],
    ['broken YAML, by position only', 'broken.yaml', 'order: [data-first\n', 'is not valid YAML at line'],
    ['broken JSON, by position only', 'broken.json', '{"order": }', 'is not valid JSON'],
    ['a list at the top', 'list.yaml', '- order\n', 'must hold a mapping of settings'],
  ])('refuses %s', (_name, name, content, expected) => {
    expect(failure({ argv: ['plan', '--es-url', 'https://es:9200', '--region', 'eu-west-1'], file: { name, content } })).toContain(expected);
  });

  it('refuses a config file that does not exist', () => {
    expect(failure({ argv: ['plan', ...BASE, '--config', '/nonexistent/esru.yaml'] })).toBe(
      '--config: cannot read "/nonexistent/esru.yaml": no such file',
    );
  });
});

describe('mapping to the upgrade options and connection', () => {
  it('maps every setting', () => {
    const ca = writeFile('ca.pem', '-----BEGIN CERTIFICATE-----\n');
    const config = load({
      argv: [
        'run',
        '--es-url', 'https://es-1:9200', '--es-url', 'https://es-2:9200,https://es-3:9200',
        '--es-username', 'upgrader', '--es-password', 'pw-123456', '--es-ca-file', ca, '--no-tls-verify',
        '--region', 'ap-southeast-2', '--profile', 'prod', '--aws-endpoint', 'http://127.0.0.1:5000',
        '--target-version', '2.14.0', '--expected-es-version', '9.5.4', '--version-tag-key', 'Release',
        '--match', 'node-name', '--order', 'data-first', '--strategy', 'drain', '--batch', 'zone', '--max-unavailable', '34%', '--version-conflicts', 'reject',
        '--orphans', 'ignore', '--group-name', 'es-extra', '--disable-rule', 'no_orphans', '--disable-rule', 'cluster_not_red',
        '--node-leave-timeout', '90s', '--node-join-timeout', '15m', '--yellow-timeout', '1h', '--green-timeout', '1h30m',
        '--drain-timeout', '2d', '--safe-to-proceed-timeout', '5s', '--poll-interval', '2s', '--lock-ttl', '10m',
        '--report', join(dir, 'report.json'), '--output', 'json', '--log-level', 'debug', '--dry-run', '--yes', '--no-progress',
      ],
    });
    expect(config).toEqual({
      connection: {
        es: { urls: ['https://es-1:9200', 'https://es-2:9200', 'https://es-3:9200'], username: 'upgrader', password: 'pw-123456', caFile: ca, tlsVerify: false },
        aws: { region: 'ap-southeast-2', profile: 'prod', endpoint: 'http://127.0.0.1:5000' },
      },
      upgrade: {
        targetVersion: '2.14.0',
        expectedEsVersion: '9.5.4',
        versionTagKey: 'Release',
        match: { kind: 'node-name' },
        order: 'data-first',
        strategy: 'drain',
        batch: 'zone',
        maxUnavailable: { percent: 34 },
        versionConflicts: 'reject',
        orphans: 'ignore',
        groupNames: ['es-extra'],
        disabledRules: ['no_orphans', 'cluster_not_red'],
        timeouts: { nodeLeaveMs: 90_000, nodeJoinMs: 900_000, yellowMs: 3_600_000, greenMs: 5_400_000, drainMs: 172_800_000, safeToProceedMs: 5000 },
        pollIntervalMs: 2000,
        lockTtlMs: 600_000,
      },
      reportFile: join(dir, 'report.json'),
      output: 'json',
      logLevel: 'debug',
      dryRun: true,
      yes: true,
      progress: false,
      service: { host: '127.0.0.1', port: 8080 },
      // All that lease needs: Elasticsearch alone.
      es: { urls: ['https://es-1:9200', 'https://es-2:9200', 'https://es-3:9200'], username: 'upgrader', password: 'pw-123456', caFile: ca, tlsVerify: false },
      lease: { break: false, force: false, evenIfAlive: false },
    });
  });

  it('maps the settings of lease, which needs no AWS region', () => {
    const config = load({ argv: ['lease', '--es-url', 'https://es-1:9200', '--watch', '45s', '--break', '--reason', ' host lost ', '--force', '--even-if-alive'] });
    expect(config.es).toEqual({ urls: ['https://es-1:9200'], tlsVerify: true });
    expect(config.connection).toBeUndefined();
    expect(config.lease).toEqual({ watchMs: 45_000, break: true, force: true, evenIfAlive: true, reason: 'host lost' });
  });

  it('uses the documented defaults', () => {
    const config = load({ argv: ['plan', ...BASE] });
    const documented = new Map((SETTINGS as readonly SettingSpec[]).map((s) => [s.name, defaultText(s)]));
    const ms = (name: string): number | undefined => parseDuration(documented.get(name) ?? '');
    expect(config.upgrade).toMatchObject({
      versionTagKey: documented.get('version-tag-key'),
      match: { kind: documented.get('match') },
      order: documented.get('order'),
      strategy: documented.get('strategy'),
      versionConflicts: documented.get('version-conflicts'),
      orphans: documented.get('orphans'),
      timeouts: {
        nodeLeaveMs: ms('node-leave-timeout'),
        nodeJoinMs: ms('node-join-timeout'),
        yellowMs: ms('yellow-timeout'),
        greenMs: ms('green-timeout'),
        drainMs: ms('drain-timeout'),
        safeToProceedMs: ms('safe-to-proceed-timeout'),
      },
      pollIntervalMs: ms('poll-interval'),
      lockTtlMs: ms('lock-ttl'),
    });
    expect(config.output).toBe(documented.get('output'));
    expect(config.logLevel).toBe(documented.get('log-level'));
    expect(config.connection?.es.tlsVerify).toBe(true);
    expect(config.progress).toBeUndefined();
  });

  it('gives the demo the simulated fleet\'s launch version as target', () => {
    expect(load({ argv: ['demo'] }).upgrade.targetVersion).toBe('9.5.4');
  });
});
