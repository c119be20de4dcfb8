// Settings from flags, environment and an optional file, merged with precedence
// flags > environment > file > defaults, validated by the one schema (config-schema.ts) and mapped
// to what the upgrade logic and the adapters take. Nothing here touches the network.

import { InvalidInputError } from '../shared/errors.ts';
import { redactSecrets, registerSecret } from '../shared/redact.ts';
import type { InstanceMatch } from '../upgrade/model.ts';
import { RULE_NAMES } from '../upgrade/predicates.ts';
import type { UpgradeOptions } from '../upgrade/plan-model.ts';
import type { FlagValue } from './args.ts';
import { readConfigFile } from './config-file.ts';
import { createConfigSchema, DEFAULTS, type ConfigKey, type ValidConfig } from './config-schema.ts';
import { META_FLAGS, OPTIONS, SECRET_ENV_VARS, findOption, type OptionScope, type OptionSpec } from './options.ts';
import { closest } from './suggest.ts';

/** What a command reads and what it cannot do without. */
export interface CommandProfile {
  name: string;
  scopes: readonly OptionScope[];
  required: readonly ConfigKey[];
  /** Values used when no source sets them (e.g. the demo's target version). */
  defaults?: Partial<Record<ConfigKey, string>>;
}

export interface ConfigSources {
  flags: ReadonlyMap<string, FlagValue>;
  env: Readonly<Record<string, string | undefined>>;
  /** --config, else ESRU_CONFIG. */
  configFile?: string | undefined;
}

export interface EsConnection {
  urls: string[];
  apiKey?: string;
  username?: string;
  password?: string;
  caFile?: string;
  tlsVerify: boolean;
}

export interface AwsConnection {
  region: string;
  profile?: string;
  endpoint?: string;
}

export interface ConnectionOptions {
  es: EsConnection;
  aws: AwsConnection;
}

export type OutputFormat = 'table' | 'json';

export interface CliConfig {
  upgrade: UpgradeOptions;
  /** Present for commands that talk to a real cluster. */
  connection?: ConnectionOptions;
  output: OutputFormat;
  reportFile?: string;
  logLevel: string;
  dryRun: boolean;
  yes: boolean;
  /** Undefined: decide from whether stderr is a terminal. */
  progress?: boolean;
  /** Undefined: decide from whether Octopus runs the command. */
  octopus?: boolean;
  /** Where `serve` listens; the other commands ignore it. */
  service: { host: string; port: number };
}

type Source = { kind: 'flag' } | { kind: 'env'; name: string } | { kind: 'file'; path: string } | { kind: 'default' };

interface Merged {
  values: Record<string, unknown>;
  sources: Map<string, Source>;
}

const CONFIG_ENV = META_FLAGS[0].env;

/** Valid values to suggest from, where the schema's issue does not list them. */
const SUGGESTIONS: Partial<Record<string, readonly string[]>> = {
  'disable-rule': RULE_NAMES,
  match: ['private-ip', 'node-name'],
};

export function loadConfig(profile: CommandProfile, sources: ConfigSources): CliConfig {
  registerSecretsFrom(sources);
  const inScope = OPTIONS.filter((o: OptionSpec) => profile.scopes.includes(o.scope));

  const outOfScope = [...sources.flags.keys()].filter((name) => !inScope.some((o) => o.name === name));
  if (outOfScope.length > 0) {
    throw new InvalidInputError(
      outOfScope.map((name) => `--${name} is not used by the ${profile.name} command`).join('\n'),
    );
  }

  const filePath = sources.configFile ?? nonEmpty(sources.env[CONFIG_ENV]);
  const file = filePath === undefined ? {} : readConfigFile(filePath);
  checkFileKeys(filePath ?? '', file);
  for (const o of OPTIONS.filter((o: OptionSpec) => o.secret)) {
    const value = file[o.name];
    if (typeof value === 'string') registerSecret(value);
  }

  const merged = merge(inScope, sources, file, filePath ?? '', profile);
  const schema = createConfigSchema({ required: profile.required });
  const result = schema.safeParse(merged.values, { reportInput: true });
  if (!result.success) {
    const lines = result.error.issues.map((issue) => describeIssue(issue, merged));
    throw new InvalidInputError(redactSecrets([...new Set(lines)].join('\n')));
  }
  return toCliConfig(result.data);
}

function merge(
  options: readonly OptionSpec[],
  sources: ConfigSources,
  file: Record<string, unknown>,
  filePath: string,
  profile: CommandProfile,
): Merged {
  const values: Record<string, unknown> = {};
  const origin = new Map<string, Source>();
  for (const option of options) {
    const flag = sources.flags.get(option.name);
    if (flag !== undefined) {
      values[option.name] = flag;
      origin.set(option.name, { kind: 'flag' });
      continue;
    }
    const envName = option.env.find((name) => nonEmpty(sources.env[name]) !== undefined);
    if (envName !== undefined) {
      values[option.name] = sources.env[envName];
      origin.set(option.name, { kind: 'env', name: envName });
      continue;
    }
    if (option.name in file && file[option.name] !== null) {
      values[option.name] = file[option.name];
      origin.set(option.name, { kind: 'file', path: filePath });
      continue;
    }
    const fallback = profile.defaults?.[option.name as ConfigKey];
    if (fallback !== undefined) {
      values[option.name] = fallback;
      origin.set(option.name, { kind: 'default' });
    }
  }
  return { values, sources: origin };
}

function checkFileKeys(path: string, file: Record<string, unknown>): void {
  const known = OPTIONS.map((o: OptionSpec) => o.name);
  const problems = Object.keys(file)
    .filter((key) => !known.includes(key))
    .map((key) => {
      const hint = closest(key, known) ?? closest(kebab(key), known);
      return `${path}: unknown setting "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}; keys are the flag names, e.g. target-version`;
    });
  if (problems.length > 0) throw new InvalidInputError(redactSecrets(problems.join('\n')));
}

interface IssueLike {
  code?: string;
  path: PropertyKey[];
  message: string;
  input?: unknown;
  values?: unknown[];
  params?: Record<string, unknown>;
}

function describeIssue(issue: IssueLike, merged: Merged): string {
  const key = String(issue.path[0] ?? '');
  const option = findOption(key);
  if (option === undefined) return issue.message;
  const source = merged.sources.get(key);

  if (issue.params?.['missing'] === true || source === undefined) {
    const alternatives = [...option.env, `"${option.name}" in the config file`].join(', ');
    return `--${option.name} ${issue.message} (or set ${alternatives})`;
  }

  const where =
    source.kind === 'flag'
      ? `--${option.name}`
      : source.kind === 'env'
        ? source.name
        : source.kind === 'file'
          ? `${option.name} (in ${source.path})`
          : `--${option.name}`;
  const value = issue.path.length > 1 || isPrimitive(issue.input) ? issue.input : merged.values[key];
  const shown = option.secret === true || value === undefined ? '' : `${showValue(value)} `;
  let hint = '';
  const candidates = Array.isArray(issue.values) ? issue.values.map(String) : SUGGESTIONS[key];
  if (typeof value === 'string' && candidates !== undefined) {
    const near = closest(value, candidates);
    if (near !== undefined && near !== value) hint = ` (did you mean ${near}?)`;
  }
  return `${where}: ${shown}${issue.message}${hint}`;
}

/**
 * Validated settings -> what the upgrade logic and the adapters take. `connection` is set when the
 * Elasticsearch URLs and the region are (the commands that need them require them in the schema).
 */
export function toCliConfig(c: ValidConfig): CliConfig {
  const match: InstanceMatch = c.match ?? { kind: 'private-ip' };
  const upgrade: UpgradeOptions = {
    targetVersion: c['target-version'] ?? '',
    versionTagKey: c['version-tag-key'] ?? 'Version',
    order: c.order ?? 'masters-first',
    strategy: c.strategy ?? 'replace',
    versionConflicts: c['version-conflicts'] ?? 'accept',
    match,
    groupNames: c['group-name'] ?? [],
    orphans: c.orphans ?? 'refuse',
    disabledRules: c['disable-rule'] ?? [],
    timeouts: {
      nodeLeaveMs: c['node-leave-timeout'] ?? 0,
      nodeJoinMs: c['node-join-timeout'] ?? 0,
      yellowMs: c['yellow-timeout'] ?? 0,
      greenMs: c['green-timeout'] ?? 0,
      drainMs: c['drain-timeout'] ?? 0,
      safeToProceedMs: c['safe-to-proceed-timeout'] ?? 0,
    },
    pollIntervalMs: c['poll-interval'] ?? 0,
    lockTtlMs: c['lock-ttl'] ?? 0,
    ...(c['expected-es-version'] !== undefined ? { expectedEsVersion: c['expected-es-version'] } : {}),
  };
  const config: CliConfig = {
    upgrade,
    output: c.output ?? 'table',
    logLevel: c['log-level'] ?? 'info',
    dryRun: c['dry-run'] ?? false,
    yes: c.yes ?? false,
    service: { host: c.host ?? DEFAULTS.host, port: c.port ?? DEFAULTS.port },
    ...(c.report !== undefined ? { reportFile: c.report } : {}),
    ...(c.progress !== undefined ? { progress: c.progress } : {}),
    ...(c.octopus !== undefined ? { octopus: c.octopus } : {}),
  };
  if (c['es-url'] !== undefined && c['es-url'].length > 0 && c.region !== undefined) {
    config.connection = {
      es: {
        urls: c['es-url'],
        tlsVerify: c['tls-verify'] ?? true,
        ...(c['es-api-key'] !== undefined ? { apiKey: c['es-api-key'] } : {}),
        ...(c['es-username'] !== undefined ? { username: c['es-username'] } : {}),
        ...(c['es-password'] !== undefined ? { password: c['es-password'] } : {}),
        ...(c['es-ca-file'] !== undefined ? { caFile: c['es-ca-file'] } : {}),
      },
      aws: {
        region: c.region,
        ...(c.profile !== undefined ? { profile: c.profile } : {}),
        ...(c['aws-endpoint'] !== undefined ? { endpoint: c['aws-endpoint'] } : {}),
      },
    };
  }
  return config;
}

/** A loggable view of the settings: secrets shown only as set or not. */
export function describeConfig(config: CliConfig): Record<string, unknown> {
  const es = config.connection?.es;
  return {
    ...config,
    ...(config.connection && es
      ? {
          connection: {
            ...config.connection,
            es: {
              urls: es.urls,
              tlsVerify: es.tlsVerify,
              caFile: es.caFile,
              auth: es.apiKey !== undefined ? 'api-key' : es.username !== undefined ? `basic (${es.username})` : 'none',
            },
          },
        }
      : {}),
  };
}

function registerSecretsFrom(sources: ConfigSources): void {
  for (const o of OPTIONS.filter((o: OptionSpec) => o.secret)) {
    const value = sources.flags.get(o.name);
    if (typeof value === 'string') registerSecret(value);
  }
  for (const name of SECRET_ENV_VARS) registerSecret(sources.env[name]);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function isPrimitive(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function showValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).replace(/_/g, '-');
}
