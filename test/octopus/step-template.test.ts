// The committed step template is what the settings table and the script generate, in the format
// Octopus exports and imports step templates (as the OctopusDeploy/Library templates are).

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { STEP_TEMPLATE_FILE, stepTemplateText } from '../../scripts/generate-octopus-template.ts';
import { octopusParameters } from '../../src/app/settings.ts';
import { scriptBody, templateVersion, type StepTemplate } from '../../src/octopus/step-template.ts';

const committed = readFileSync(STEP_TEMPLATE_FILE, 'utf8');
const template = JSON.parse(committed) as StepTemplate;
const body = template.Properties['Octopus.Action.Script.ScriptBody'] ?? '';
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CONTROL_TYPES = ['SingleLineText', 'Sensitive', 'Checkbox', 'Select', 'AmazonWebServicesAccount'];

describe('deploy/octopus/es-rolling-upgrade.step-template.json', () => {
  it('is what the settings and deploy/octopus/step-template.sh generate (npm run octopus:template)', () => {
    expect(committed).toBe(stepTemplateText());
  });

  it('is an exported Octopus.Script template: an inline Bash script that runs once, on a worker or the server', () => {
    expect(template).toMatchObject({
      ActionType: 'Octopus.Script',
      StepPackageId: 'Octopus.Script',
      Version: templateVersion(pkg.version),
      $Meta: { Type: 'ActionTemplate' },
      Properties: {
        'Octopus.Action.Script.Syntax': 'Bash',
        'Octopus.Action.Script.ScriptSource': 'Inline',
        'Octopus.Action.RunOnServer': 'true',
      },
    });
    expect(template.Id).toMatch(GUID);
    expect(template.Name.length).toBeGreaterThan(10);
    expect(template.Description).toContain('never on the cluster');
    expect(Number.isInteger(template.Version)).toBe(true);
  });

  it('every parameter has the fields Octopus reads, a known control type and a unique name and id', () => {
    expect(template.Parameters.length).toBeGreaterThan(25);
    for (const p of template.Parameters) {
      expect(Object.keys(p).sort(), p.Name).toEqual(['DefaultValue', 'DisplaySettings', 'HelpText', 'Id', 'Label', 'Name']);
      expect(p.Id, p.Name).toMatch(GUID);
      expect(p.Label.length, p.Name).toBeGreaterThan(0);
      expect(p.HelpText.length, p.Name).toBeGreaterThan(10);
      expect(typeof p.DefaultValue, p.Name).toBe('string');
      expect(CONTROL_TYPES, p.Name).toContain(p.DisplaySettings['Octopus.ControlType']);
    }
    expect(new Set(template.Parameters.map((p) => p.Name)).size).toBe(template.Parameters.length);
    expect(new Set(template.Parameters.map((p) => p.Id)).size).toBe(template.Parameters.length);
  });

  it('offers every setting of the table that has an Octopus parameter, with its control, default and help', () => {
    const settings = octopusParameters();
    expect(settings.length).toBeGreaterThan(20);
    for (const s of settings) {
      const p = template.Parameters.find((x) => x.Name === s.name);
      expect(p, s.name).toBeDefined();
      expect(p?.DisplaySettings['Octopus.ControlType'], s.name).toBe(s.control.type);
      expect(p?.DefaultValue, s.name).toBe(s.defaultValue ?? '');
      expect(p?.HelpText, s.name).toContain(s.helpText);
      if (s.required) expect(p?.HelpText, s.name).toMatch(/^Required\. /);
      if (s.control.type === 'Select') {
        expect(p?.DisplaySettings['Octopus.SelectOptions'], s.name).toBe(s.control.options.map((o) => `${o.value}|${o.label}`).join('\n'));
      }
    }
  });

  it('a secret is Sensitive with no default; the AWS account is an account parameter; the mode a drop-down, run by default', () => {
    const byName = new Map(template.Parameters.map((p) => [p.Name, p]));
    for (const name of ['EsRollingUpgrade.ElasticsearchPassword', 'EsRollingUpgrade.ElasticsearchApiKey']) {
      expect(byName.get(name)).toMatchObject({ DefaultValue: '', DisplaySettings: { 'Octopus.ControlType': 'Sensitive' } });
    }
    expect(byName.get('EsRollingUpgrade.AwsAccount')?.DisplaySettings).toEqual({ 'Octopus.ControlType': 'AmazonWebServicesAccount' });
    expect(byName.get('EsRollingUpgrade.Mode')).toMatchObject({
      DefaultValue: 'run',
      DisplaySettings: { 'Octopus.ControlType': 'Select', 'Octopus.SelectOptions': 'run|run: replace the stale nodes\nplan|plan: change nothing' },
    });
  });

  it('its script reads every parameter, carries each setting in its environment variable, and is valid Bash', () => {
    for (const p of template.Parameters) expect(body, p.Name).toContain(p.Name);
    for (const s of octopusParameters()) expect(body.split('\n'), s.name).toContain(`${s.name} ${s.env}`);
    expect(() => execFileSync('bash', ['-n'], { input: body })).not.toThrow();
  });

  it('its script holds nothing Octopus would take for a variable to substitute', () => {
    // Octopus substitutes #{...} in an inline script before it runs; values come from get_octopusvariable.
    expect(body).not.toContain('#{');
  });
});

describe('scriptBody', () => {
  it('puts the settings in place of the marker line, once', () => {
    expect(scriptBody('a\n# @settings\nb', [{ name: 'X.Y', env: 'ESRU_Y' } as never])).toBe('a\nX.Y ESRU_Y\nb');
    expect(() => scriptBody('a\nb')).toThrow(/once/);
    expect(() => scriptBody('# @settings\n# @settings')).toThrow(/once/);
  });
});

describe('templateVersion', () => {
  it.each([
    ['0.1.0', 100],
    ['1.2.3', 10203],
    ['2.0.0-rc.1', 20000],
  ])('%s is %i', (version, expected) => {
    expect(templateVersion(version)).toBe(expected);
  });

  it('refuses what does not fit', () => {
    expect(() => templateVersion('1.100.0')).toThrow(/above 99/);
    expect(() => templateVersion('latest')).toThrow(/not a version/);
  });
});
