// The seed's rolling upgrade, as the baseline the benchmark compares this tool with: the algorithm
// the project started from, driven through the same ports, written plainly.
//
// Masters first, then data nodes, in the order the cluster lists them. For each node whose instance's
// version tag is not the target: terminate it in its group; poll at a fixed interval until the old
// node has gone and the node count is back; for a data node, poll until the cluster is yellow, then
// until it is green, up to the green timeout. Once that passes, move on if every unassigned copy is
// a version conflict; stop on anything else. No allocation settings, no lease, no judgement before
// the timeout. A version conflict, as the seed reads allocation explain: a replica no node may take,
// that some node refuses only for being older than its primary (node_version, index_version); it is
// allocated once that node is upgraded.

import type { Clock } from '../src/shared/clock.ts';
import type { AllocationExplanation, ClusterHealth, EsNode } from '../src/upgrade/model.ts';
import type { Cluster, Fleet } from '../src/upgrade/ports.ts';

const VERSION_DECIDERS = new Set(['node_version', 'index_version']);

export interface SeedOptions {
  targetVersion: string;
  versionTagKey: string;
  /** Between two polls (the seed's 30 s). */
  pollIntervalMs: number;
  /** Old node gone and the count back, after a terminate. */
  nodeTimeoutMs: number;
  yellowTimeoutMs: number;
  /** The seed's 2 h: only then does it look at what keeps the cluster yellow. */
  greenTimeoutMs: number;
}

export const SEED_DEFAULTS: Omit<SeedOptions, 'targetVersion'> = {
  versionTagKey: 'Version',
  pollIntervalMs: 30_000,
  nodeTimeoutMs: 20 * 60_000,
  yellowTimeoutMs: 30 * 60_000,
  greenTimeoutMs: 2 * 3_600_000,
};

export interface SeedDeps {
  cluster: Cluster;
  fleet: Fleet;
  clock: Clock;
  /** Told what it waits for next, for the benchmark's accounting. */
  onWait?: (activity: string) => void;
  /** Stops the walk: no further node is touched (the benchmark's time limit). */
  signal?: AbortSignal;
}

export interface SeedResult {
  outcome: 'completed' | 'stopped' | 'interrupted';
  message: string;
  /** Names of the nodes replaced, in order. */
  replaced: string[];
  /** Data nodes after which the green timeout passed with only version conflicts unassigned. */
  greenTimeouts: number;
}

export async function runSeedUpgrade(deps: SeedDeps, options: SeedOptions): Promise<SeedResult> {
  const progress: SeedResult = { outcome: 'completed', message: '', replaced: [], greenTimeouts: 0 };
  try {
    return await walk(deps, options, progress);
  } catch (error) {
    if (!deps.signal?.aborted) throw error;
    return { ...progress, outcome: 'interrupted', message: `interrupted after ${progress.replaced.length} nodes` };
  }
}

async function walk(deps: SeedDeps, options: SeedOptions, progress: SeedResult): Promise<SeedResult> {
  const { cluster, fleet, clock } = deps;
  const first = await cluster.observe();
  const fleetNow = await fleet.observe({ privateIps: first.nodes.map((n) => n.ip), instanceIds: [], groupNames: [] });
  const byIp = new Map(fleetNow.instances.map((i) => [i.privateIp, i]));
  const isMaster = (n: EsNode): boolean => n.roles.includes('master');
  const order = [...first.nodes.filter(isMaster), ...first.nodes.filter((n) => !isMaster(n) && n.roles.includes('data'))];
  const { replaced } = progress;
  const stop = (message: string): SeedResult => ({ ...progress, outcome: 'stopped', message });

  /** Ask `check` every poll interval until it answers, or give up after `timeoutMs`. */
  const pollUntil = async <T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T | undefined> => {
    deps.onWait?.(what);
    const startMs = clock.now().getTime();
    for (;;) {
      const answer = await check();
      if (answer !== undefined) return answer;
      if (clock.now().getTime() - startMs >= timeoutMs) return undefined;
      await clock.sleep(options.pollIntervalMs, deps.signal);
    }
  };
  const health = (): Promise<ClusterHealth> => cluster.waitForHealth({ timeoutMs: 0 });

  for (const node of order) {
    deps.signal?.throwIfAborted();
    const instance = byIp.get(node.ip);
    if (!instance) return stop(`no instance for ${node.name}`);
    if (instance.tags[options.versionTagKey] === options.targetVersion) continue;
    const before = (await cluster.observe()).nodes.length;
    await fleet.terminateInGroup(instance.id);

    const back = await pollUntil('node back', options.nodeTimeoutMs, async () => {
      const nodes = (await cluster.observe()).nodes;
      return !nodes.some((n) => n.id === node.id) && nodes.length >= before ? true : undefined;
    });
    if (!back) return stop(`${node.name}: its replacement did not join within ${options.nodeTimeoutMs} ms`);
    replaced.push(node.name);
    if (isMaster(node)) continue;

    const yellow = await pollUntil('yellow', options.yellowTimeoutMs, async () => ((await health()).status !== 'red' ? true : undefined));
    if (!yellow) return stop(`after ${node.name}: not yellow within ${options.yellowTimeoutMs} ms`);
    const green = await pollUntil('green', options.greenTimeoutMs, async () => ((await health()).status === 'green' ? true : undefined));
    if (green) continue;
    const blockers = await nonConflicts(cluster);
    if (blockers.length > 0) return stop(`after ${node.name}: not green within ${options.greenTimeoutMs} ms: ${blockers.join('; ')}`);
    progress.greenTimeouts += 1;
  }
  return { ...progress, message: `${replaced.length} nodes replaced` };
}

/** What keeps the cluster from green other than version conflicts, one line per copy (none: only conflicts). */
async function nonConflicts(cluster: Cluster): Promise<string[]> {
  const snapshot = await cluster.observe();
  if (snapshot.health.status === 'red') return ['cluster is red'];
  const unassigned = snapshot.shards.filter((s) => s.state === 'UNASSIGNED');
  if (unassigned.length === 0) return [`${snapshot.health.initializingShards + snapshot.health.relocatingShards} shard copies still moving`];
  const blockers: string[] = [];
  const seen = new Set<string>();
  for (const copy of unassigned) {
    const key = `${copy.index}/${copy.shard}/${copy.primary}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const explanation = await cluster.explainUnassigned(copy);
    if (!isVersionConflict(explanation)) blockers.push(`[${copy.index}][${copy.shard}]${copy.primary ? ' primary' : ''}: ${explanation.allocateExplanation ?? explanation.canAllocate ?? 'unassigned'}`);
  }
  return blockers;
}

export function isVersionConflict(e: AllocationExplanation): boolean {
  if (e.primary || e.canAllocate !== 'no') return false;
  return e.nodeDecisions.some((d) => {
    const refusals = d.deciders.filter((x) => x.decision !== 'YES');
    return refusals.length > 0 && refusals.every((x) => x.decision === 'NO' && VERSION_DECIDERS.has(x.decider));
  });
}
