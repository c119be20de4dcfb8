// The documentation says what the code does: the flag table of docs/flags.md, the commands of
// docs/usage.md, the exit codes of docs/troubleshooting.md and the rules of docs/safety-rules.md
// are held to the tables in the code; the README keeps the two commands a newcomer starts with.

import { describe, expect, it } from 'vitest';
import { META_FLAGS, requestSettings, SETTINGS, type SettingSpec } from '../../src/app/settings.ts';
import { COMMANDS } from '../../src/cli/main.ts';
import { ExitCode } from '../../src/shared/errors.ts';
import { RULE_NAMES, RULES } from '../../src/upgrade/predicates.ts';
import { readDoc, tableRows } from '../docs/markdown.ts';

const readme = readDoc('README.md');
const flagsDoc = readDoc('docs/flags.md');
const usageDoc = readDoc('docs/usage.md');
const troubleshooting = readDoc('docs/troubleshooting.md');
const rulesDoc = readDoc('docs/safety-rules.md');
const serviceDoc = readDoc('docs/service.md');

/** Rows of the flag table: | Flag | Environment | Default | Commands | Meaning |, back-quotes dropped. */
const flagRows = tableRows(flagsDoc)
  .filter((cells) => cells[0]?.startsWith('`--') === true)
  .map((cells) => cells.map((cell) => cell.replace(/`/g, '')));

function rowOf(name: string): string[] {
  const row = flagRows.find(([flag = '']) => flag.startsWith(`--${name} `) || flag === `--${name}` || flag.startsWith(`--${name} /`));
  if (row === undefined) throw new Error(`docs/flags.md's flag table has no row for --${name}`);
  return row;
}

/** The first cell of each row of a file's tables, back-quotes dropped. */
function firstCells(markdown: string): string[] {
  return tableRows(markdown).map(([first = '']) => first.replace(/`/g, ''));
}

const settings = (SETTINGS as readonly SettingSpec[]).map((s) => [s.name, s] as const);

describe('docs/flags.md documents every setting', () => {
  it('has a row per setting to check', () => {
    expect(settings.length).toBeGreaterThan(0);
    expect(flagRows.length).toBe(settings.length);
  });

  it.each(settings)('flag --%s with its environment variables', (name, setting) => {
    const [, env = ''] = rowOf(name);
    for (const variable of setting.env) expect(env).toContain(variable);
    if (setting.env.length === 0) expect(env).toBe('(command line only)');
  });

  it.each(settings)('flag --%s with the commands that take it', (name, setting) => {
    const [, , , commands = ''] = rowOf(name);
    expect(commands).toBe(setting.commands.join(', '));
  });

  it.each(settings)('flag --%s with its default', (name, setting) => {
    const [, , byDefault = ''] = rowOf(name);
    if (setting.requiredBy !== undefined) expect(byDefault).toBe(`(required by ${setting.requiredBy.join(', ')})`);
    else if (typeof setting.default === 'string' || typeof setting.default === 'boolean') expect(byDefault).toBe(String(setting.default));
    else if (setting.defaultNote === undefined) expect(byDefault).toBe('');
  });

  it('has no row for a flag that does not exist', () => {
    const names = new Set<string>(SETTINGS.map((s) => s.name));
    const documented = flagRows.map(([flag = '']) => /^--([a-z-]+)/.exec(flag)?.[1] ?? '');
    expect(documented.length).toBeGreaterThan(0);
    expect(documented.filter((name) => !names.has(name))).toEqual([]);
  });

  it.each(META_FLAGS.map((m) => m.name))('general flag --%s', (name) => {
    expect(flagsDoc).toContain(`--${name}`);
  });
});

describe('docs/usage.md documents every command', () => {
  it.each(COMMANDS.map((c) => c.name))('command %s', (name) => {
    expect(firstCells(usageDoc)).toContain(name);
  });

  it('has no row for a command that does not exist', () => {
    const rows = tableRows(usageDoc).filter(([, second]) => second !== undefined && second !== '---' && second !== 'What it does');
    const names = new Set<string>(COMMANDS.map((c) => c.name));
    expect(rows.length).toBe(COMMANDS.length);
    expect(rows.map(([first = '']) => first.replace(/`/g, '')).filter((name) => !names.has(name))).toEqual([]);
  });
});

describe('docs/troubleshooting.md lists every exit code', () => {
  it.each(Object.values(ExitCode))('exit code %i in the table', (code) => {
    expect(firstCells(troubleshooting)).toContain(code.toString());
  });
});

describe('docs/safety-rules.md documents every rule', () => {
  const rows = new Map(tableRows(rulesDoc).map(([rule = '', kind = '']) => [rule.replace(/`/g, ''), kind]));

  it('has a row per rule, and none for a rule that does not exist', () => {
    expect(RULE_NAMES.length).toBeGreaterThan(0);
    const documented = [...rows.keys()].filter((name) => /^[a-z_]+$/.test(name));
    expect(documented.sort()).toEqual([...RULE_NAMES].sort());
  });

  it.each(RULES.map((r) => [r.name, r.kind] as const))('rule %s is %s', (name, kind) => {
    expect(rows.get(name)).toBe(kind);
  });
});

describe('docs/service.md names every option a run request may set', () => {
  it.each(requestSettings().map((s) => s.name))('%s', (name) => {
    expect(serviceDoc).toContain(`\`${name}\``);
  });
});

describe('the README', () => {
  it('has the two commands for newcomers', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm test');
  });
});
