// Deregister the Octopus deployment targets (Tentacles) of the EC2 instances a rolling upgrade
// terminated, through the Octopus REST API. The fallback to the step template's own clean-up
// (EsRollingUpgrade.DeleteTargets, which needs no API key but an environment that allows dynamic
// infrastructure). Targets are found by a name made from a template of the instance's Name tag and
// id, e.g. "{name}" or "es-{instanceId}" (the default).
//
//   OCTOPUS_API_KEY=... node deregister-tentacles.ts --octopus-url https://octopus.example.com \
//     --space-id Spaces-1 --instances '#{Octopus.Action[Upgrade].Output.TerminatedInstances}' \
//     [--name-template '{name}'] [--dry-run]
//   ... --instance-ids i-0abc,i-0def              (ids only: the template cannot use {name})
//   ... --report upgrade-report.json              (terminatedInstances, previouslyTerminatedInstanceIds)
//
// Every option can come from the environment instead: OCTOPUS_URL, OCTOPUS_SPACE_ID,
// TERMINATED_INSTANCES, TERMINATED_INSTANCE_IDS, UPGRADE_REPORT, TENTACLE_NAME_TEMPLATE, DRY_RUN=true.
// The API key comes only from OCTOPUS_API_KEY, never from the command line, and is never printed. A
// name that several of the instances share (a Name tag a group gives all its members) is skipped:
// deleting it could remove the wrong Tentacle.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/** A terminated instance, with its Name tag when known. */
export interface TerminatedInstanceRef {
  instanceId: string;
  name?: string;
}

export interface DeregisterOptions {
  octopusUrl: string;
  apiKey: string;
  spaceId: string;
  instances: TerminatedInstanceRef[];
  /** Target name for an instance: `{name}` is replaced by its Name tag, `{instanceId}` by its id. */
  nameTemplate: string;
  dryRun: boolean;
}

export interface DeregisterResult {
  instanceId: string;
  /** Empty when no name could be made (skipped). */
  targetName: string;
  /** Machine ids deleted (or that would be, on a dry run). */
  machineIds: string[];
  outcome: 'deleted' | 'would-delete' | 'not-registered' | 'skipped';
}

interface Machine {
  Id: string;
  Name: string;
}

export async function deregisterTentacles(
  options: DeregisterOptions,
  deps: { fetch: typeof fetch; log: (line: string) => void },
): Promise<DeregisterResult[]> {
  const base = `${options.octopusUrl.replace(/\/+$/, '')}/api/${encodeURIComponent(options.spaceId)}/machines`;
  const headers = { 'X-Octopus-ApiKey': options.apiKey, Accept: 'application/json' };
  const results: DeregisterResult[] = [];
  const names = options.instances.map((i) => targetNameFor(options.nameTemplate, i));
  const sharing = (name: string) => names.filter((n) => n === name).length;

  for (const [index, { instanceId }] of options.instances.entries()) {
    const targetName = names[index];
    if (targetName === undefined) {
      deps.log(`${instanceId}: its Name tag is not known; nothing to deregister by ${options.nameTemplate}`);
      results.push({ instanceId, targetName: '', machineIds: [], outcome: 'skipped' });
      continue;
    }
    if (sharing(targetName) > 1) {
      deps.log(`${instanceId}: ${sharing(targetName).toString()} instances would name the same target ${targetName}; skipped`);
      results.push({ instanceId, targetName, machineIds: [], outcome: 'skipped' });
      continue;
    }
    const found = await deps.fetch(`${base}?name=${encodeURIComponent(targetName)}&take=100`, { headers });
    if (!found.ok) throw new Error(`GET machines?name=${targetName}: HTTP ${found.status}`);
    const body = (await found.json()) as { Items?: Machine[] };
    // The name filter is not documented as exact: keep only exact matches, never a neighbour.
    const matches = (body.Items ?? []).filter((m) => m.Name === targetName);
    if (matches.length === 0) {
      deps.log(`${instanceId}: no target named ${targetName}; nothing to deregister`);
      results.push({ instanceId, targetName, machineIds: [], outcome: 'not-registered' });
      continue;
    }
    for (const machine of matches) {
      if (options.dryRun) {
        deps.log(`${instanceId}: would delete target ${machine.Name} (${machine.Id})`);
        continue;
      }
      const deleted = await deps.fetch(`${base}/${encodeURIComponent(machine.Id)}`, { method: 'DELETE', headers });
      // 404: deleted meanwhile by someone else, which is the state we want.
      if (!deleted.ok && deleted.status !== 404) {
        throw new Error(`DELETE machines/${machine.Id}: HTTP ${deleted.status}`);
      }
      deps.log(`${instanceId}: deleted target ${machine.Name} (${machine.Id})`);
    }
    results.push({
      instanceId,
      targetName,
      machineIds: matches.map((m) => m.Id),
      outcome: options.dryRun ? 'would-delete' : 'deleted',
    });
  }
  return results;
}

/** The target name for an instance, or undefined when the template needs a Name tag it lacks. */
export function targetNameFor(template: string, instance: TerminatedInstanceRef): string | undefined {
  if (template.includes('{name}') && !instance.name) return undefined;
  return template.split('{name}').join(instance.name ?? '').split('{instanceId}').join(instance.instanceId);
}

/**
 * The instances of a JSON report of es-rolling-upgrade: earlier interrupted runs' (ids only), then
 * this run's, with their Name tags when the report has them.
 */
export function instancesFromReport(reportJson: string): TerminatedInstanceRef[] {
  const report = JSON.parse(reportJson) as { terminatedInstances?: unknown };
  const named = new Map(instanceList(report.terminatedInstances).map((i) => [i.instanceId, i]));
  return instanceIdsFromReport(reportJson).map((id) => named.get(id) ?? { instanceId: id });
}

/** The TerminatedInstances output variable: a JSON array of {instanceId, name?, groupName?}. */
export function instancesFromJson(json: string): TerminatedInstanceRef[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new Error('--instances (or TERMINATED_INSTANCES) is not JSON: give the TerminatedInstances output variable');
  }
  if (!Array.isArray(value)) throw new Error('--instances (or TERMINATED_INSTANCES) must be a JSON array of {"instanceId", "name"}');
  return instanceList(value);
}

function instanceList(value: unknown): TerminatedInstanceRef[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((v: unknown) => {
    const o = v as { instanceId?: unknown; name?: unknown } | null;
    if (typeof o?.instanceId !== 'string') return [];
    return [{ instanceId: o.instanceId, ...(typeof o.name === 'string' && o.name !== '' ? { name: o.name } : {}) }];
  });
}

/** Instance ids from a JSON report of es-rolling-upgrade: this run's and earlier interrupted runs'. */
export function instanceIdsFromReport(reportJson: string): string[] {
  const report = JSON.parse(reportJson) as { terminatedInstanceIds?: unknown; previouslyTerminatedInstanceIds?: unknown };
  const ids = [report.previouslyTerminatedInstanceIds, report.terminatedInstanceIds].flatMap((v) =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [],
  );
  return [...new Set(ids)];
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): DeregisterOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      'octopus-url': { type: 'string' },
      'space-id': { type: 'string' },
      instances: { type: 'string' },
      'instance-ids': { type: 'string' },
      report: { type: 'string' },
      'name-template': { type: 'string' },
      'dry-run': { type: 'boolean' },
    },
  });
  const octopusUrl = values['octopus-url'] ?? env.OCTOPUS_URL ?? '';
  const apiKey = env.OCTOPUS_API_KEY ?? '';
  const spaceId = values['space-id'] ?? env.OCTOPUS_SPACE_ID ?? 'Spaces-1';
  const report = values.report ?? env.UPGRADE_REPORT;
  const instancesJson = values.instances ?? env.TERMINATED_INSTANCES;
  const idList = values['instance-ids'] ?? env.TERMINATED_INSTANCE_IDS;
  const nameTemplate = values['name-template'] ?? env.TENTACLE_NAME_TEMPLATE ?? 'es-{instanceId}';
  const problems: string[] = [];
  if (!/^https?:\/\//.test(octopusUrl)) problems.push('--octopus-url (or OCTOPUS_URL) must be an http(s) URL');
  if (!apiKey) problems.push('OCTOPUS_API_KEY must be set');
  if (!nameTemplate.includes('{instanceId}') && !nameTemplate.includes('{name}')) {
    problems.push('--name-template must contain {name} (the Name tag) or {instanceId}');
  }
  if (instancesJson === undefined && idList === undefined && report === undefined) problems.push('give --instances, --instance-ids or --report');
  if (problems.length > 0) throw new Error(problems.join('; '));
  const instances =
    instancesJson !== undefined
      ? instancesFromJson(instancesJson)
      : idList !== undefined
        ? idList.split(',').map((s) => s.trim()).filter(Boolean).map((instanceId) => ({ instanceId }))
        : instancesFromReport(readFileSync(report ?? '', 'utf8'));
  return {
    octopusUrl,
    apiKey,
    spaceId,
    instances,
    nameTemplate,
    dryRun: values['dry-run'] === true || env.DRY_RUN === 'true',
  };
}

async function main(): Promise<number> {
  let apiKey = '';
  try {
    const options = parseOptions(process.argv.slice(2), process.env);
    apiKey = options.apiKey;
    const results = await deregisterTentacles(options, { fetch, log: (line) => console.log(line) });
    const deleted = results.reduce((n, r) => n + (r.outcome === 'deleted' ? r.machineIds.length : 0), 0);
    console.log(`${options.dryRun ? 'dry run: ' : ''}${deleted} target(s) deleted for ${results.length} instance(s)`);
    return 0;
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    console.error(`deregister-tentacles: ${apiKey ? text.split(apiKey).join('[redacted]') : text}`);
    return 1;
  }
}

if (import.meta.main) process.exitCode = await main();
