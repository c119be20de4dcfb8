// The Octopus step template, as Octopus exports and imports it (Library > Step templates > Import):
// an inline Bash script (deploy/octopus/step-template.sh) that runs once, on a worker or the Octopus
// Server, with a parameter for every setting a step needs, from the settings table. Ids are derived
// from names, so the template regenerates byte for byte and an import updates the same template.
// Pure: the script text and the version come in.

import { createHash } from 'node:crypto';
import { octopusParameters, type OctopusControl, type OctopusParameter } from '../app/settings.ts';

/** The line of the script that the settings replace: `<parameter> <environment variable>` a line. */
const SETTINGS_MARKER = '# @settings';

export interface StepTemplateParameter {
  Id: string;
  Name: string;
  Label: string;
  HelpText: string;
  DefaultValue: string;
  DisplaySettings: Record<string, string>;
}

export interface StepTemplate {
  Id: string;
  Name: string;
  Description: string;
  ActionType: 'Octopus.Script';
  Version: number;
  CommunityActionTemplateId: null;
  Packages: [];
  GitDependencies: [];
  Properties: Record<string, string>;
  Parameters: StepTemplateParameter[];
  StepPackageId: 'Octopus.Script';
  $Meta: { Type: 'ActionTemplate' };
  Category: string;
}

/** A parameter of the template's own, not a setting of the CLI. */
interface TemplateOnly {
  name: string;
  label: string;
  helpText: string;
  control: OctopusControl | { type: 'AmazonWebServicesAccount' };
  defaultValue?: string;
}

const TEMPLATE_ONLY: readonly TemplateOnly[] = [
  {
    name: 'EsRollingUpgrade.Mode',
    label: 'Mode',
    helpText:
      'plan: change nothing, show which nodes would be replaced and set the output variables a manual intervention shows (NodesToReplace, ReplacementOrder, PlanSummary). run: replace them, one at a time.',
    control: { type: 'Select', options: [{ value: 'run', label: 'run: replace the stale nodes' }, { value: 'plan', label: 'plan: change nothing' }] },
    defaultValue: 'run',
  },
  {
    name: 'EsRollingUpgrade.AwsAccount',
    label: 'AWS account',
    helpText:
      'An Octopus AWS account (access key, or a role by OpenID Connect) for the EC2 and Auto Scaling calls; it reaches the tool as AWS_* environment variables. Leave empty to use the worker\'s own credentials (its instance role, environment or profile).',
    control: { type: 'AmazonWebServicesAccount' },
  },
  {
    name: 'EsRollingUpgrade.NpmPackage',
    label: 'npm package of the tool',
    helpText:
      'Where to get es-rolling-upgrade when the worker has none on its PATH: what `npm install` takes, e.g. the URL or worker path of the release tarball (https://artifacts.example.com/es-rolling-upgrade-0.1.0.tgz) or es-rolling-upgrade@0.1.0 from your registry. Installed into the step\'s working directory; needs Node.js 22.18 or later and npm on the worker.',
    control: { type: 'SingleLineText' },
  },
  {
    name: 'EsRollingUpgrade.ContainerImage',
    label: 'Container image of the tool',
    helpText:
      'Or run es-rolling-upgrade from this image with docker on the worker, e.g. registry.example.com/es-rolling-upgrade:0.1.0. The working directory is mounted at the same path; settings pass by name in the environment.',
    control: { type: 'SingleLineText' },
  },
];

export function buildStepTemplate(options: { script: string; toolVersion: string }): StepTemplate {
  const settings = octopusParameters();
  return {
    Id: stableUuid('step-template'),
    Name: 'Elasticsearch - Rolling upgrade on EC2 Auto Scaling',
    Description: [
      'Upgrades a self-managed Elasticsearch cluster on EC2 Auto Scaling groups one node at a time with es-rolling-upgrade: it terminates each instance whose version tag is not the target, the group launches its replacement, and it waits for the cluster to recover before the next.',
      '',
      'Runs once, on a worker or the Octopus Server, never on the cluster\'s own targets. Use it twice around a manual intervention: Mode plan sets `NodesToReplace`, `ReplacementOrder` and `PlanSummary` (Markdown) for the approver, then Mode run replaces the nodes and sets `UpgradeOutcome`, `TerminatedInstanceIds`, `TerminatedInstances` and `ReplacedNodes`. The JSON and HTML reports are attached as artifacts. Set-up: docs/octopus.md of es-rolling-upgrade.',
    ].join('\n'),
    ActionType: 'Octopus.Script',
    Version: templateVersion(options.toolVersion),
    CommunityActionTemplateId: null,
    Packages: [],
    GitDependencies: [],
    Properties: {
      'Octopus.Action.Script.ScriptSource': 'Inline',
      'Octopus.Action.Script.Syntax': 'Bash',
      'Octopus.Action.Script.ScriptBody': scriptBody(options.script, settings),
      // Once, on a worker: never once per target, never on an instance it may terminate.
      'Octopus.Action.RunOnServer': 'true',
    },
    Parameters: [...TEMPLATE_ONLY.map(fromTemplateOnly), ...settings.map(fromSetting)],
    StepPackageId: 'Octopus.Script',
    $Meta: { Type: 'ActionTemplate' },
    Category: 'elasticsearch',
  };
}

/** The script with the settings in place of the marker line. */
export function scriptBody(script: string, settings: readonly OctopusParameter[] = octopusParameters()): string {
  const lines = script.split('\n');
  const at = lines.indexOf(SETTINGS_MARKER);
  if (at < 0 || lines.indexOf(SETTINGS_MARKER, at + 1) >= 0) throw new Error(`the script must have the line "${SETTINGS_MARKER}" once`);
  lines.splice(at, 1, ...settings.map((p) => `${p.name} ${p.env}`));
  return lines.join('\n');
}

/** Octopus's template version is a whole number: 0.1.0 is 100, 1.2.3 is 10203. */
export function templateVersion(toolVersion: string): number {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(toolVersion);
  if (!m) throw new Error(`not a version: ${toolVersion}`);
  const [major, minor, patch] = [m[1], m[2], m[3]].map(Number) as [number, number, number];
  if (minor > 99 || patch > 99) throw new Error(`${toolVersion}: minor and patch above 99 do not fit the template version`);
  return major * 10_000 + minor * 100 + patch;
}

function fromSetting(p: OctopusParameter): StepTemplateParameter {
  const required = p.required ? 'Required. ' : '';
  return parameter(p.name, p.label, `${required}${p.helpText}`, p.control, p.defaultValue);
}

function fromTemplateOnly(t: TemplateOnly): StepTemplateParameter {
  return parameter(t.name, t.label, t.helpText, t.control, t.defaultValue);
}

function parameter(name: string, label: string, helpText: string, control: TemplateOnly['control'], defaultValue?: string): StepTemplateParameter {
  const display: Record<string, string> = { 'Octopus.ControlType': control.type };
  if (control.type === 'Select') display['Octopus.SelectOptions'] = control.options.map((o) => `${o.value}|${o.label}`).join('\n');
  return { Id: stableUuid(`parameter:${name}`), Name: name, Label: label, HelpText: helpText, DefaultValue: defaultValue ?? '', DisplaySettings: display };
}

/** A UUID (version 5 layout) from a name: the same every time the template is generated. */
function stableUuid(name: string): string {
  const bytes = createHash('sha1').update(`es-rolling-upgrade:octopus:${name}`).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
