// --help text, generated from the setting table so it cannot drift from what the parser accepts:
// all commands, or one command with only the flags it takes. Wrapped to a width; no line is longer.

import {
  COMMAND_NAMES,
  META_FLAGS,
  SETTING_GROUPS,
  SETTINGS,
  defaultText,
  settingsFor,
  type CommandName,
  type SettingGroup,
  type SettingSpec,
} from '../app/settings.ts';
import type { CommandEntry } from './commands.ts';

/** Width when stdout is not a terminal. */
const DEFAULT_HELP_WIDTH = 80;
const MIN_WIDTH = 40;
const MAX_WIDTH = 100;

/** The terminal's width within reason, 80 when there is no terminal. */
export function helpWidth(columns: number | undefined): number {
  if (columns === undefined || !Number.isFinite(columns) || columns <= 0) return DEFAULT_HELP_WIDTH;
  return Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, Math.floor(columns)));
}

const EXIT_CODES: [string, string][] = [
  ['0', 'done, or nothing to do (lease: shown, broken, or nothing to break)'],
  ['1', 'internal error'],
  ['2', 'invalid input (bad flag, environment variable or config file); nothing was contacted'],
  ['3', 'refused to start (a safety rule said no, another controller holds the lock, or not confirmed: see --yes); lease --break: the holder may be alive'],
  ['4', 'halted mid-run (a wait timed out or the cluster became unsafe)'],
  ['5', 'done, but the report file could not be written (a failed run keeps its own code)'],
  ['130', 'interrupted by SIGINT'],
  ['143', 'interrupted by SIGTERM'],
];

const PROGRAM = 'es-rolling-upgrade';
/** Where descriptions start, so that the longest flag (--safe-to-proceed-timeout DURATION) fits. */
const FLAG_COLUMN = 38;

export function formatHelp(commands: readonly CommandEntry[], command?: CommandEntry, width = DEFAULT_HELP_WIDTH): string {
  const w = Math.max(MIN_WIDTH, width);
  const lines: string[] = [];
  const para = (text: string, indent = 0): void => void lines.push(...wrap(text, w, indent));
  if (command === undefined) {
    para(`${PROGRAM}: rolling upgrade of a self-managed Elasticsearch cluster on EC2 Auto Scaling Groups, one node at a time: terminate a stale instance, wait for its replacement and for recovery, repeat.`);
    lines.push('');
    para(`Usage: ${PROGRAM} <command> [flags]`);
    lines.push('', 'Commands:');
    for (const c of commands) lines.push(...columns(`  ${c.name}`, c.summary, w, 9));
    lines.push('');
    para(`Run "${PROGRAM} <command> --help" for the flags and examples of one command.`);
    lines.push('');
  } else {
    para(`Usage: ${PROGRAM} ${command.name} [flags]`);
    lines.push('');
    para(`${command.summary.charAt(0).toUpperCase()}${command.summary.slice(1)}.`);
    lines.push('');
  }

  const shown = command === undefined ? (SETTINGS as readonly SettingSpec[]) : settingsFor(command.name);
  for (const group of Object.keys(SETTING_GROUPS) as SettingGroup[]) {
    const inGroup = shown.filter((s) => s.group === group);
    if (inGroup.length === 0) continue;
    const takers = union(inGroup.map((s) => s.commands));
    const title = command === undefined ? `${SETTING_GROUPS[group]} (${takers.join(', ')})` : SETTING_GROUPS[group];
    para(`${title}:`);
    for (const s of inGroup) lines.push(...describeSetting(s, command?.name, takers, w));
    lines.push('');
  }
  para('General:');
  for (const m of META_FLAGS) {
    const flag = `  -${m.short}, --${m.name}${'valueName' in m ? ` ${m.valueName}` : ''}`;
    lines.push(...columns(flag, `${m.help}${'env' in m ? ` [${m.env}]` : ''}`, w, FLAG_COLUMN));
  }
  lines.push('');
  para('Every setting can also come from the environment variable in brackets, or from the --config file (JSON or YAML, keys are the flag names). Flags win over the environment, which wins over the file. Durations: 500ms, 90s, 15m, 1h, 1h30m, 2d.');
  lines.push('');

  if (command !== undefined) {
    for (const note of command.notes ?? []) {
      para(note);
      lines.push('');
    }
    para('Examples:');
    for (const e of command.examples) {
      para(`# ${e.note}`, 2);
      lines.push(...shellLines([...(e.env !== undefined ? [e.env] : []), PROGRAM, ...e.argv.map(shellQuote)], w));
    }
    lines.push('');
  }

  para('Exit codes:');
  for (const [code, meaning] of EXIT_CODES) lines.push(...columns(`  ${code}`, meaning, w, 7));
  lines.push('');
  return lines.join('\n');
}

function describeSetting(s: SettingSpec, command: CommandName | undefined, groupTakers: readonly CommandName[], width: number): string[] {
  const flag = s.value.kind === 'boolean' ? `--[no-]${s.name}` : `--${s.name} ${s.valueName ?? 'VALUE'}`;
  const notes: string[] = [];
  if (command !== undefined ? s.requiredBy?.includes(command) : s.requiredBy !== undefined) {
    notes.push(command !== undefined ? 'required' : `required by ${(s.requiredBy ?? []).join(', ')}`);
  }
  const byDefault = defaultText(s);
  if (byDefault !== undefined) notes.push(`default ${byDefault}`);
  if (command === undefined && !sameMembers(s.commands, groupTakers)) notes.push(`${s.commands.join(', ')} only`);
  if (s.commandLineOnly === true) notes.push('command line only');
  const env = s.env.length > 0 ? ` [${s.env.join(', ')}]` : '';
  return columns(`  ${flag}`, `${s.help}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}${env}`, width, FLAG_COLUMN);
}

/**
 * A left cell and a wrapped right cell starting at `column`; on a narrow width, or when the left
 * cell reaches the column, the right cell goes under it, indented.
 */
function columns(left: string, right: string, width: number, column: number): string[] {
  const col = width - column >= 30 ? column : 6;
  if (left.length + 1 <= col) {
    const [first = '', ...rest] = wrap(right, width - col, 0);
    return [`${left.padEnd(col)}${first}`, ...rest.map((l) => `${' '.repeat(col)}${l}`)];
  }
  return [...wrap(left.trimStart(), width, left.length - left.trimStart().length), ...wrap(right, width, col)];
}

/** Words into lines of at most `width` (indent included); a word longer than a line is cut. */
export function wrap(text: string, width: number, indent = 0): string[] {
  const room = Math.max(1, width - indent);
  const pad = ' '.repeat(indent);
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    let rest = word;
    while (rest.length > room) {
      if (line !== '') {
        lines.push(line);
        line = '';
      }
      lines.push(rest.slice(0, room));
      rest = rest.slice(room);
    }
    if (line === '') line = rest;
    else if (line.length + 1 + rest.length <= room) line += ` ${rest}`;
    else {
      lines.push(line);
      line = rest;
    }
  }
  if (line !== '' || lines.length === 0) lines.push(line);
  return lines.map((l) => `${pad}${l}`);
}

/** An argument as a shell reads it back: quoted when it holds a space or anything the shell would take. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A shell command as lines of at most `width`, continued with " \" and indented. */
function shellLines(words: readonly string[], width: number): string[] {
  // A flag and its value stay on one line.
  const units: string[] = [];
  for (const word of words) {
    const last = units.at(-1);
    if (last !== undefined && /^--[a-z-]+$/.test(last) && !word.startsWith('-')) units[units.length - 1] = `${last} ${word}`;
    else units.push(word);
  }
  const lines: string[] = [];
  let line = '  ';
  for (const word of units) {
    const fresh = line.trim() === '';
    if (!fresh && line.length + 1 + word.length + 2 > width) {
      lines.push(`${line} \\`);
      line = '      ';
    }
    line += line.trim() === '' ? word : ` ${word}`;
  }
  lines.push(line);
  // A single word longer than a line (never in our examples) is cut rather than overflow.
  return lines.flatMap((l) => (l.length <= width ? [l] : wrap(l, width, 0)));
}

function union(lists: readonly (readonly CommandName[])[]): CommandName[] {
  const all = new Set(lists.flat());
  return COMMAND_NAMES.filter((c) => all.has(c));
}

function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
