// Settings from flags, environment and an optional file, merged with precedence
// flags > environment > file > defaults, validated by the one schema (src/app/settings-schema.ts) and
// mapped to what the upgrade logic and the adapters take. Nothing here touches the network.

import { toConfig, type Config } from '../app/config.ts';
import { parseSettings } from '../app/settings-schema.ts';
import {
  META_FLAGS,
  SECRET_ENV_VARS,
  SETTINGS,
  findSetting,
  requiredFor,
  settingsFor,
  type CommandName,
  type SettingName,
  type Settings,
  type SettingSpec,
} from '../app/settings.ts';
import { InvalidInputError } from '../shared/errors.ts';
import { redactSecrets, registerCredentials, registerSecret } from '../shared/redact.ts';
import { RULE_NAMES } from '../upgrade/predicates.ts';
import type { FlagValue } from './args.ts';
import { readConfigFile } from './config-file.ts';
import { closest } from '../app/suggest.ts';

/** A command as the loader sees it. */
export interface CommandProfile {
  name: CommandName;
  /** Values used when no source sets them (e.g. the demo's target version). */
  defaults?: Partial<Record<SettingName, string>>;
}

export interface ConfigSources {
  flags: ReadonlyMap<string, FlagValue>;
  env: Readonly<Record<string, string | undefined>>;
  /** --config, else ESRU_CONFIG. */
  configFile?: string | undefined;
}

export interface LoadedConfig {
  /** What the commands take. */
  config: Config;
  /** The validated settings by flag name (the service lays requests over them). */
  settings: Settings;
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

export function loadConfig(command: CommandProfile, sources: ConfigSources): LoadedConfig {
  registerSecretsFrom(sources);
  const taken = settingsFor(command.name);

  const misplaced = [...sources.flags.keys()].filter((name) => !taken.some((s) => s.name === name));
  if (misplaced.length > 0) {
    throw new InvalidInputError(misplaced.map((name) => misplacedFlag(name, command.name)).join('\n'));
  }

  const filePath = sources.configFile ?? nonEmpty(sources.env[CONFIG_ENV]);
  const file = filePath === undefined ? {} : readConfigFile(filePath);
  checkFileKeys(filePath ?? '', file);
  for (const s of SETTINGS as readonly SettingSpec[]) {
    const value = file[s.name];
    if (s.secret === true && typeof value === 'string') registerSecret(value);
  }

  // Settings of other commands are ignored in the environment and the file: both are often shared.
  const merged = merge(taken, sources, file, filePath ?? '', command);
  const result = parseSettings(merged.values, { required: requiredFor(command.name) });
  if (!result.success) {
    const lines = result.error.issues.map((issue) => describeIssue(issue, merged));
    throw new InvalidInputError(redactSecrets([...new Set(lines)].join('\n')));
  }
  // Only now is it known which user the password belongs to: register what a Basic header carries.
  registerCredentials(result.data['es-username'], result.data['es-password']);
  return { config: toConfig(result.data), settings: result.data };
}

/** "--yes is not used by the plan command; only run takes it". */
function misplacedFlag(name: string, command: CommandName): string {
  const takers = findSetting(name)?.commands ?? [];
  const who = takers.length === 1 ? `only ${takers[0] ?? ''} takes it` : `it is for ${takers.join(', ')}`;
  return `--${name} is not used by the ${command} command; ${who}`;
}

function merge(
  settings: readonly SettingSpec[],
  sources: ConfigSources,
  file: Record<string, unknown>,
  filePath: string,
  command: CommandProfile,
): Merged {
  const values: Record<string, unknown> = {};
  const origin = new Map<string, Source>();
  for (const setting of settings) {
    const flag = sources.flags.get(setting.name);
    if (flag !== undefined) {
      values[setting.name] = flag;
      origin.set(setting.name, { kind: 'flag' });
      continue;
    }
    if (setting.commandLineOnly === true) continue;
    const envName = setting.env.find((name) => nonEmpty(sources.env[name]) !== undefined);
    if (envName !== undefined) {
      values[setting.name] = sources.env[envName];
      origin.set(setting.name, { kind: 'env', name: envName });
      continue;
    }
    if (setting.name in file && file[setting.name] !== null) {
      values[setting.name] = file[setting.name];
      origin.set(setting.name, { kind: 'file', path: filePath });
      continue;
    }
    const fallback = command.defaults?.[setting.name as SettingName];
    if (fallback !== undefined) {
      values[setting.name] = fallback;
      origin.set(setting.name, { kind: 'default' });
    }
  }
  return { values, sources: origin };
}

function checkFileKeys(path: string, file: Record<string, unknown>): void {
  const known = SETTINGS.map((s) => s.name as string);
  const problems = Object.keys(file)
    .filter((key) => !known.includes(key) || findSetting(key)?.commandLineOnly === true)
    .map((key) => {
      if (known.includes(key)) return `${path}: "${key}" is a command-line flag only (--${key}), never read from a file: remove it`;
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
  const setting = findSetting(key);
  if (setting === undefined) return issue.message;
  const source = merged.sources.get(key);

  // A flag that is only on the command line, or a message about the flag rather than its value.
  if (issue.params?.['aboutFlag'] === true || ((issue.params?.['missing'] === true || source === undefined) && setting.commandLineOnly === true)) {
    return `--${setting.name} ${issue.message}`;
  }
  if (issue.params?.['missing'] === true || source === undefined) {
    const alternatives = [...setting.env, `"${setting.name}" in the config file`].join(', ');
    return `--${setting.name} ${issue.message} (or set ${alternatives})`;
  }

  const where =
    source.kind === 'flag'
      ? `--${setting.name}`
      : source.kind === 'env'
        ? source.name
        : source.kind === 'file'
          ? `${setting.name} (in ${source.path})`
          : `--${setting.name}`;
  const value = issue.path.length > 1 || isPrimitive(issue.input) ? issue.input : merged.values[key];
  const shown = setting.secret === true || value === undefined ? '' : `${showValue(value)} `;
  let hint = '';
  const candidates = Array.isArray(issue.values) ? issue.values.map(String) : SUGGESTIONS[key];
  if (typeof value === 'string' && candidates !== undefined) {
    const near = closest(value, candidates);
    if (near !== undefined && near !== value) hint = ` (did you mean ${near}?)`;
  }
  return `${where}: ${shown}${issue.message}${hint}`;
}

function registerSecretsFrom(sources: ConfigSources): void {
  for (const s of SETTINGS as readonly SettingSpec[]) {
    const value = sources.flags.get(s.name);
    if (s.secret === true && typeof value === 'string') registerSecret(value);
  }
  for (const name of SECRET_ENV_VARS) registerSecret(sources.env[name]);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function isPrimitive(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** A value as a message shows it; a number JSON cannot spell (1e999 read as Infinity) as JavaScript does. */
function showValue(value: unknown): string {
  const text = typeof value === 'number' && !Number.isFinite(value) ? String(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).replace(/_/g, '-');
}
