// argv -> command name and flag values. node:util parseArgs tokenises; the checks (unknown flags,
// missing values, stray arguments) are ours so that messages are clear and never echo a secret.

import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { InvalidInputError } from '../shared/errors.ts';
import { META_FLAGS, SETTINGS, findSetting, type SettingSpec } from '../app/settings.ts';
import { closest } from '../app/suggest.ts';

export type FlagValue = string | boolean | string[];

export interface ParsedArgs {
  command: string | undefined;
  /** Settings given as flags, by option name. Lists accumulate; the last value wins otherwise. */
  flags: Map<string, FlagValue>;
  configFile: string | undefined;
  help: boolean;
  version: boolean;
}

const parseConfig: ParseArgsOptionsConfig = {
  config: { type: 'string', short: 'c', multiple: true },
  help: { type: 'boolean', short: 'h', multiple: true },
  version: { type: 'boolean', short: 'V', multiple: true },
};
for (const s of SETTINGS as readonly SettingSpec[]) {
  parseConfig[s.name] = { type: s.value.kind === 'boolean' ? 'boolean' : 'string', multiple: true };
}

const KNOWN_FLAGS = [...SETTINGS.map((s) => s.name as string), ...META_FLAGS.map((m) => m.name)];
const SHORT_TO_LONG = new Map<string, string>(META_FLAGS.filter((m) => 'short' in m).map((m) => [m.short as string, m.name]));

export function parseArgv(argv: readonly string[]): ParsedArgs {
  const { tokens } = parseArgs({
    args: [...argv],
    options: parseConfig,
    strict: false,
    allowPositionals: true,
    allowNegative: true,
    tokens: true,
  });

  const problems: string[] = [];
  const flags = new Map<string, FlagValue>();
  const positionals: string[] = [];
  let configFile: string | undefined;
  let help = false;
  /** The version flag as given (-V or --version), when given. */
  let version: string | undefined;
  let afterTerminator = false;

  for (const token of tokens) {
    if (token.kind === 'option-terminator') {
      afterTerminator = true;
      continue;
    }
    if (token.kind === 'positional') {
      positionals.push(token.value);
      continue;
    }
    const negated = token.rawName.startsWith('--no-');
    const name = token.rawName.startsWith('--') ? token.name : (SHORT_TO_LONG.get(token.name) ?? token.name);
    const shown = token.rawName.startsWith('--') ? `--${negated ? 'no-' : ''}${name}` : token.rawName;

    if (name === 'help' || name === 'version') {
      if (negated || token.value !== undefined) problems.push(`${shown} takes no value`);
      else if (name === 'help') help = true;
      else version = shown;
      continue;
    }

    const spec = findSetting(name);
    if (name !== 'config' && spec === undefined) {
      const hint = closest(name, KNOWN_FLAGS);
      problems.push(`unknown flag ${shown}${hint ? ` (did you mean --${hint}?)` : ''}; see --help`);
      continue;
    }

    const isBoolean = spec?.value.kind === 'boolean';
    if (isBoolean) {
      if (token.value !== undefined) {
        problems.push(`${shown} takes no value (use --${name} or --no-${name})`);
        continue;
      }
      flags.set(name, !negated);
      continue;
    }

    if (negated) {
      problems.push(`unknown flag ${shown}; only on/off flags have a --no- form`);
      continue;
    }
    // parseArgs in non-strict mode takes the next token as the value even if it looks like a flag.
    if (token.value === undefined || (!token.inlineValue && token.value.startsWith('-') && token.value.length > 1)) {
      problems.push(
        `${shown} needs a value${spec?.valueName ? ` (${spec.valueName})` : ''}; to give a value starting with "-" write ${shown}=VALUE`,
      );
      continue;
    }
    if (name === 'config') {
      configFile = token.value;
      continue;
    }
    if (spec?.value.kind === 'list') {
      const previous = flags.get(name);
      flags.set(name, [...(Array.isArray(previous) ? previous : []), token.value]);
    } else {
      flags.set(name, token.value);
    }
  }

  let [command, ...extra] = positionals;
  // `help plan` is `plan --help`.
  if (command === 'help' && extra.length === 1) {
    [command] = extra;
    extra = [];
    help = true;
  }
  if (version !== undefined) {
    // Like --help, but it prints one line and nothing else: anything with it is a mistake.
    const others = [
      ...(command !== undefined ? [`"${command}"`] : []),
      ...(help ? ['--help'] : []),
      ...(configFile !== undefined ? ['--config'] : []),
      ...[...flags.keys()].map((name) => `--${name}`),
    ];
    if (others.length > 0) {
      problems.push(`${version} prints the version and takes nothing else (got ${others.join(', ')}); run "es-rolling-upgrade --version" alone`);
    }
  }
  if (extra.length > 0 && problems.length === 0) {
    // Do not echo the values: after a mistyped flag the stray argument may be a password.
    problems.push(
      `unexpected argument${extra.length > 1 ? 's' : ''} after "${command ?? ''}" (${extra.length.toString()} more)${afterTerminator ? '' : '; every setting is a --flag'}`,
    );
  }
  if (problems.length > 0) throw new InvalidInputError(problems.join('\n'));

  return { command, flags, configFile, help, version: version !== undefined };
}
