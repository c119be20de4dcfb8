import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { META_FLAGS, SETTINGS, type SettingSpec } from '../../src/app/settings.ts';
import { COMMANDS } from '../../src/cli/main.ts';
import { ExitCode } from '../../src/shared/errors.ts';
import { RULE_NAMES } from '../../src/upgrade/predicates.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** Rows of the README's flag table: | Flag | Environment | Default | Commands | Meaning |. */
const flagRows = readme.split('\n').filter((line) => line.startsWith('| `--'));

function rowOf(name: string): string[] {
  const row = flagRows.find((line) => line.startsWith(`| \`--${name} `) || line.startsWith(`| \`--${name}\``));
  if (row === undefined) throw new Error(`the README's flag table has no row for --${name}`);
  // Cells split on unescaped pipes; back-quotes dropped.
  return row
    .split(/(?<!\\)\|/)
    .slice(1, -1)
    .map((cell) => cell.replace(/`/g, '').trim());
}

const settings = (SETTINGS as readonly SettingSpec[]).map((s) => [s.name, s] as const);

describe('the README documents the command line', () => {
  it.each(settings)('flag --%s with its environment variables', (name, setting) => {
    const [, env = ''] = rowOf(name);
    for (const variable of setting.env) expect(env).toContain(variable);
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
    const documented = flagRows.map((line) => /^\| `--([a-z-]+)/.exec(line)?.[1] ?? '');
    expect(documented.length).toBeGreaterThan(0);
    expect(documented.filter((name) => !names.has(name))).toEqual([]);
  });

  it.each(META_FLAGS.map((m) => m.name))('general flag --%s', (name) => {
    expect(readme).toContain(`--${name}`);
  });

  it.each(COMMANDS.map((c) => c.name))('command %s', (name) => {
    expect(readme).toContain(`| \`${name}\` |`);
  });

  it.each(Object.values(ExitCode))('exit code %i', (code) => {
    expect(readme).toContain(`| ${code.toString()} |`);
  });

  it('every safety rule --disable-rule accepts', () => {
    for (const rule of RULE_NAMES) expect(readme).toContain(`\`${rule}\``);
  });

  it('the two commands for newcomers', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm test');
  });
});
