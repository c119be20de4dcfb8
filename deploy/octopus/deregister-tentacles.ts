// Deregister the Octopus deployment targets (Tentacles) of the EC2 instances a rolling upgrade
// terminated, through the Octopus REST API. An example follow-up step: Tentacles are assumed to be
// registered under a name derived from the instance id (the template, e.g. "es-{instanceId}").
//
//   OCTOPUS_API_KEY=... node deregister-tentacles.ts --octopus-url https://octopus.example.com \
//     --space-id Spaces-1 --instance-ids i-0abc,i-0def [--name-template 'es-{instanceId}'] [--dry-run]
//   ... --report upgrade-report.json   (terminatedInstanceIds and previouslyTerminatedInstanceIds)
//
// Every option can come from the environment instead: OCTOPUS_URL, OCTOPUS_SPACE_ID,
// TERMINATED_INSTANCE_IDS, UPGRADE_REPORT, TENTACLE_NAME_TEMPLATE, DRY_RUN=true. The API key comes
// only from OCTOPUS_API_KEY, never from the command line, and is never printed.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

export interface DeregisterOptions {
  octopusUrl: string;
  apiKey: string;
  spaceId: string;
  instanceIds: string[];
  /** Target name for an instance; `{instanceId}` is replaced by the id. */
  nameTemplate: string;
  dryRun: boolean;
}

export interface DeregisterResult {
  instanceId: string;
  targetName: string;
  /** Machine ids deleted (or that would be, on a dry run). */
  machineIds: string[];
  outcome: 'deleted' | 'would-delete' | 'not-registered';
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

  for (const instanceId of options.instanceIds) {
    const targetName = options.nameTemplate.split('{instanceId}').join(instanceId);
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
  const idList = values['instance-ids'] ?? env.TERMINATED_INSTANCE_IDS;
  const nameTemplate = values['name-template'] ?? env.TENTACLE_NAME_TEMPLATE ?? 'es-{instanceId}';
  const problems: string[] = [];
  if (!/^https?:\/\//.test(octopusUrl)) problems.push('--octopus-url (or OCTOPUS_URL) must be an http(s) URL');
  if (!apiKey) problems.push('OCTOPUS_API_KEY must be set');
  if (!nameTemplate.includes('{instanceId}')) problems.push('--name-template must contain {instanceId}');
  if (idList === undefined && report === undefined) problems.push('give --instance-ids or --report');
  if (problems.length > 0) throw new Error(problems.join('; '));
  const instanceIds =
    idList !== undefined
      ? idList.split(',').map((s) => s.trim()).filter(Boolean)
      : instanceIdsFromReport(readFileSync(report ?? '', 'utf8'));
  return {
    octopusUrl,
    apiKey,
    spaceId,
    instanceIds,
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
