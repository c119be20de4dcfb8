// The setting table is the one definition of every setting: these tests hold it to what its readers
// (parser, loader, help, service, step template) rely on.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSettings } from '../../src/app/settings-schema.ts';
import {
  COMMAND_NAMES,
  SETTINGS,
  octopusParameters,
  requestSettings,
  requiredFor,
  settingsFor,
  type SettingSpec,
} from '../../src/app/settings.ts';

const all = SETTINGS as readonly SettingSpec[];

describe('the setting table', () => {
  it('names each setting, flag and environment variable once', () => {
    const names = all.map((s) => s.name);
    const env = all.flatMap((s) => s.env);
    expect(names.length).toBeGreaterThan(30);
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(env).size).toBe(env.length);
  });

  it('gives every command at least one setting, and each setting at least one command', () => {
    for (const command of COMMAND_NAMES) expect(settingsFor(command).length).toBeGreaterThan(0);
    for (const s of all) expect(s.commands.length, s.name).toBeGreaterThan(0);
  });

  it('requires a setting only of a command that takes it', () => {
    for (const s of all) for (const c of s.requiredBy ?? []) expect(s.commands, s.name).toContain(c);
    expect(requiredFor('run').sort()).toEqual(['es-url', 'region', 'target-version']);
    expect(requiredFor('serve').sort()).toEqual(['es-url', 'region']);
  });

  it('has defaults that validate, to the values help shows', () => {
    const parsed = parseSettings({});
    expect(parsed.success).toBe(true);
    if (!parsed.success) return;
    expect(parsed.data).toMatchObject({
      'tls-verify': true,
      'green-timeout': 2 * 3_600_000,
      'poll-interval': 5000,
      match: { kind: 'private-ip' },
      'group-name': [],
      port: 8080,
      host: '127.0.0.1',
    });
    const defaulted = all.filter((s) => s.default !== undefined).map((s) => s.name);
    expect(defaulted.length).toBeGreaterThan(20);
    for (const name of defaulted) expect(parsed.data, name).toHaveProperty(name);
  });
});

describe('the flags for the command line only', () => {
  const only = all.filter((s) => s.commandLineOnly === true);

  it('are the actions of lease, with no environment variable, never for a request or a step template', () => {
    expect(only.map((s) => s.name).sort()).toEqual(['break', 'even-if-alive', 'force', 'reason']);
    for (const s of only) {
      expect(s.env, s.name).toEqual([]);
      expect(s.request, s.name).not.toBe('allowed');
      expect(s.octopus, s.name).toBeNull();
    }
  });

  it('lease takes Elasticsearch settings but no AWS one', () => {
    const names = settingsFor('lease').map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['es-url', 'es-api-key', 'es-ca-file', 'tls-verify', 'output', 'watch', 'break']));
    expect(names.filter((n) => all.find((s) => s.name === n)?.group === 'aws')).toEqual([]);
    expect(requiredFor('lease')).toEqual(['es-url']);
  });
});

describe('breaking the lease is judged with the other settings', () => {
  it.each([
    ['--break alone', { break: true }, ['force', 'reason']],
    ['--break --force', { break: true, force: true }, ['reason']],
    ['--break --reason', { break: true, reason: 'x' }, ['force']],
    ['--force alone', { force: true }, ['force']],
    ['--even-if-alive alone', { 'even-if-alive': true }, ['even-if-alive']],
  ])('%s is an issue on %j', (_name, raw, paths) => {
    const parsed = parseSettings(raw);
    expect(parsed.success).toBe(false);
    if (parsed.success) return;
    expect(parsed.error.issues.map((i) => i.path[0])).toEqual(paths);
  });

  it('--break --reason --force is valid', () => {
    expect(parseSettings({ break: true, reason: 'host lost', force: true }).success).toBe(true);
  });
});

describe('what a service request may set', () => {
  const allowed = requestSettings();

  it('is the upgrade\'s own settings, each one a run takes', () => {
    expect(allowed.length).toBeGreaterThan(10);
    for (const s of allowed) expect(s.commands, s.name).toContain('run');
    expect(allowed.map((s) => s.name)).toEqual(expect.arrayContaining(['target-version', 'order', 'strategy', 'green-timeout', 'lock-ttl']));
  });

  it('never a secret, nor a connection, output or listener setting', () => {
    for (const s of allowed) {
      expect(s.secret, s.name).toBeUndefined();
      expect(['elasticsearch', 'aws', 'service'], s.name).not.toContain(s.group);
    }
  });
});

describe('Octopus step-template parameters', () => {
  const parameters = octopusParameters();
  const byName = new Map(parameters.map((p) => [p.setting as string, p]));

  it('are unique by name, each carried by an environment variable of its setting', () => {
    expect(parameters.length).toBeGreaterThan(20);
    expect(new Set(parameters.map((p) => p.name)).size).toBe(parameters.length);
    for (const p of parameters) {
      const setting = all.find((s) => s.name === p.setting);
      expect(setting?.env, p.name).toContain(p.env);
      expect(p.label.length, p.name).toBeGreaterThan(0);
      expect(p.helpText.length, p.name).toBeGreaterThan(0);
      expect(p.name, p.name).toMatch(/^EsRollingUpgrade\.[A-Z][A-Za-z]+$/);
    }
  });

  it('a secret is Sensitive, an on/off a Checkbox, a fixed list a drop-down of its values', () => {
    expect(byName.get('es-password')?.control).toEqual({ type: 'Sensitive' });
    expect(byName.get('es-api-key')?.control).toEqual({ type: 'Sensitive' });
    expect(byName.get('tls-verify')).toMatchObject({ control: { type: 'Checkbox' }, defaultValue: 'True' });
    expect(byName.get('dry-run')).toMatchObject({ control: { type: 'Checkbox' }, defaultValue: 'False' });
    expect(byName.get('order')).toMatchObject({
      control: { type: 'Select', options: [{ value: 'masters-first', label: 'masters-first' }, { value: 'data-first', label: 'data-first' }] },
      defaultValue: 'masters-first',
    });
    expect(byName.get('green-timeout')).toMatchObject({ control: { type: 'SingleLineText' }, defaultValue: '2h' });
    for (const s of all.filter((x) => x.secret)) expect(byName.get(s.name)?.control.type, s.name).toBe('Sensitive');
  });

  it('mark what a run requires', () => {
    expect(parameters.filter((p) => p.required).map((p) => p.setting).sort()).toEqual(['es-url', 'region', 'target-version']);
  });

  it('keep the variable names deploy/octopus/PostDeploy.sh reads', () => {
    const script = readFileSync(new URL('../../deploy/octopus/PostDeploy.sh', import.meta.url), 'utf8');
    const read = [...script.matchAll(/setting (\w+) (\w+)\)/g)].map((m) => ({ name: `EsRollingUpgrade.${m[1] ?? ''}`, env: m[2] ?? '' }));
    const settingsRead = read.filter((r) => !['ESRU_MODE', 'ESRU_CONFIG', 'ESRU_COMMAND'].includes(r.env));
    expect(settingsRead.length).toBeGreaterThan(5);
    for (const r of settingsRead) {
      const parameter = parameters.find((p) => p.env === r.env);
      expect(parameter?.name, r.env).toBe(r.name);
    }
  });
});
