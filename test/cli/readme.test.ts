import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/main.ts';
import { META_FLAGS, OPTIONS, type OptionSpec } from '../../src/cli/options.ts';
import { ExitCode } from '../../src/shared/errors.ts';
import { RULE_NAMES } from '../../src/upgrade/predicates.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('the README documents the command line', () => {
  it.each((OPTIONS as readonly OptionSpec[]).map((o) => [o.name, o] as const))('flag --%s with its environment variables', (name, option) => {
    expect(readme).toContain(`\`--${name}`);
    for (const env of option.env) expect(readme).toContain(`\`${env}\``);
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
