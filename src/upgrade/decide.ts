// One tick, one step: from the world as observed now, decide the single next thing to do. Pure.
//
// Everything that matters is read from the world (nodes, instances and their states and tags,
// desired capacities, allocation settings) and the lease stored in the cluster, so a rerun after a
// crash finds where things stand and never starts a second replacement while one is incomplete.

import type { HealthWait, LeaseRecord } from './ports.ts';
import type { Refusal, UpgradeOptions, WaitKind } from './plan-model.ts';
import { replacementOrder } from './plan.ts';
import { evaluateRules, findReplacementUnderWay, type Evaluation, type RuleContext } from './predicates.ts';
import { isHeldBackByBalancer, judgeSettlement, type Settlement, type VersionConflict } from './version-conflicts.ts';
import type { ShardCopy } from './model.ts';
import { compareVersions } from '../shared/versions.ts';
import { copiesOf } from './shard-copies.ts';
import { isAlive, isDataNode, type NodeView, type World } from './world.ts';

export interface DecideInput {
  world: World;
  options: UpgradeOptions;
  lease: LeaseRecord;
  /** Nothing changed by this run yet: a refusal now means "refused to start", not "halted". */
  atStart: boolean;
  ignoredInstanceIds: ReadonlySet<string>;
  /** How long the current wait for the cluster to settle has lasted (0 when not waiting for it). */
  recoveryWaitedMs?: number;
}

/** How long replicas held back by the balancer must stay so before they pass (see version-conflicts). */
export const HELD_BACK_GRACE_MS = 60_000;

/** A replica the balancer holds back, and the node explain says may take it. */
export interface HeldBackPlacement {
  index: string;
  shard: number;
  node: string;
}

export type Decision =
  | { kind: 'done'; conflicts: VersionConflict[] }
  | { kind: 'refuse'; refusals: Refusal[] }
  | { kind: 'halt'; reason: string; refusals: Refusal[] }
  | { kind: 'wait'; wait: WaitKind; node?: string; detail: string; health: Omit<HealthWait, 'timeoutMs'> | null; refusals: Refusal[] }
  | { kind: 'set-allocation-primaries'; node: NodeView }
  | { kind: 'restore-allocation'; value: string | null }
  | { kind: 'exclude-node'; node: NodeView }
  | { kind: 'clear-exclusion'; value: string[] }
  | { kind: 'place-held-back'; replicas: HeldBackPlacement[] }
  | { kind: 'terminate'; node: NodeView; conflicts: VersionConflict[] };

/** Rules that only say "recovery is still under way": waited out as recovery, with its timeout. */
const RECOVERY_RULES: ReadonlySet<string> = new Set(['cluster_settled', 'no_moving_shards', 'require_other_started_copy']);

export function decide(input: DecideInput): Decision {
  const { world, options, lease } = input;
  const health = world.cluster.health;
  const override = lease.allocationOverride;
  // The node allocation was narrowed for goes next, whatever the order says now.
  const candidates = replacementOrder(world, options).sort(
    (a, b) => Number(b.node.name === override?.nodeName) - Number(a.node.name === override?.nodeName),
  );
  // Our own narrowing to primaries (for the node next in line) adds an `enable` NO to every replica.
  const narrowedForNext = override !== undefined && override.nodeName === candidates[0]?.node.name;
  // Replicas held back by the balancer for this long are placed, or else accepted (see version-conflicts).
  const pastGrace = (input.recoveryWaitedMs ?? 0) >= HELD_BACK_GRACE_MS;
  const settlement = judgeSettlement(
    health,
    world.cluster.shards,
    world.cluster.unassignedExplanations,
    narrowedForNext ? new Set(['enable']) : new Set(),
    pastGrace,
  );
  const nodeCount = world.cluster.nodes.length;

  const wrong = findWrongReplacement(world, options, lease);
  if (wrong) return { kind: 'halt', reason: wrong, refusals: [{ rule: 'replacement_at_target', reason: wrong }] };

  // A node whose instance is gone must leave before anything else, whoever terminated it: two
  // nodes missing is never a step. Then this run's own replacements must join. Any other shortfall
  // (a group short of capacity before we started, an instance whose node never came) is for the
  // all_expected_nodes_present rule below: waited out as a refusal, or disabled by name.
  const underWay = findReplacementUnderWay(world, input.ignoredInstanceIds);
  if (underWay?.kind === 'leaving') {
    const names = underWay.nodes.map((n) => n.node.name);
    return wait('node-leave', `old node ${names.join(', ')} to leave the cluster`, { nodes: `<${nodeCount}` }, names[0]);
  }
  if (underWay && replacementsPending(world, lease) > 0) {
    return wait('node-join', `replacement to join: ${underWay.detail}`, { nodes: `>=${nodeCount + 1}` });
  }

  // The replacement is in: put back what this controller changed for it. (Narrowed for a node that
  // is still here and next in line: it is about to go, so keep it narrowed.)
  if (override && !narrowedForNext) {
    return { kind: 'restore-allocation', value: override.previous };
  }
  const drained = lease.drainExclusion;
  if (drained && !world.cluster.nodes.some((n) => n.name === drained.nodeName)) {
    return { kind: 'clear-exclusion', value: drained.previous };
  }

  if (health.status === 'red') {
    if (input.atStart) return { kind: 'refuse', refusals: [{ rule: 'cluster_not_red', reason: 'cluster health is red' }] };
    return wait('yellow', 'cluster to leave red', { status: 'yellow' });
  }

  // Replicas the balancer has held back for the whole grace period go where explain says they may:
  // otherwise an old node holding their primary can never go (its copy would be the last), and
  // green never comes. Placing a replica only adds a copy.
  if (pastGrace) {
    const replicas = heldBackPlacements(world);
    if (replicas.length > 0) return { kind: 'place-held-back', replicas };
  }

  const ctx: RuleContext = {
    world,
    options,
    settlement,
    atStart: input.atStart,
    ignoredInstanceIds: input.ignoredInstanceIds,
  };
  const first = candidates[0];
  if (!first) {
    if (settlement.kind === 'green') return { kind: 'done', conflicts: [] };
    if (settlement.kind === 'version-conflicts-only' && options.versionConflicts === 'accept') {
      return { kind: 'done', conflicts: settlement.conflicts };
    }
    return recoveryWait(settlement, undefined, []);
  }

  if (input.atStart) {
    // Judge every stale node before touching any, so a set-up problem refuses the whole run.
    const structural = candidates.flatMap((c) => evaluateRules(c, ctx).refusals.filter((r) => !r.transient));
    if (structural.length > 0) return { kind: 'refuse', refusals: dedupe(structural) };
  }

  // The rules are judged once for the node chosen; pure, so judging before the drain check is the same.
  const { candidate, refusals } = pickCandidate(first, candidates, ctx, override !== undefined);
  // A drain under way moves shards by design: wait for it before heeding the moving-shards rules.
  const draining = options.strategy === 'drain' && world.cluster.allocationExcludeNames.includes(candidate.node.name);
  // Copies that cannot leave only because their primary is on a newer node (version conflict) stay:
  // no older node may take them, and the primary keeps the data. Waiting for them would never end.
  const held = draining
    ? world.cluster.shards.filter((s) => s.node === candidate.node.name && !stuckByVersion(world, s, candidate.node.name)).length
    : 0;
  if (draining && held > 0) {
    return wait('drain', `${held} shard copies to move off ${candidate.node.name}`, { noRelocatingShards: true }, candidate.node.name);
  }

  const structural = refusals.filter((r) => !r.transient);
  if (structural.length > 0) {
    if (input.atStart) return { kind: 'refuse', refusals: structural };
    return {
      kind: 'halt',
      reason: `unsafe to replace ${candidate.node.name}: ${structural.map((r) => `${r.rule}: ${r.reason}`).join('; ')}`,
      refusals: structural,
    };
  }
  if (refusals.length > 0) {
    const onlyRecovery = refusals.every((r) => RECOVERY_RULES.has(r.rule));
    if (onlyRecovery) return recoveryWait(settlement, candidate.node.name, refusals);
    return {
      kind: 'wait',
      wait: 'safe-to-proceed',
      node: candidate.node.name,
      detail: refusals.map((r) => `${r.rule}: ${r.reason}`).join('; '),
      health: null,
      refusals,
    };
  }

  const conflicts = settlement.kind === 'version-conflicts-only' ? settlement.conflicts : [];
  if (candidate.isData && options.strategy === 'drain') {
    if (!draining) return { kind: 'exclude-node', node: candidate };
  } else if (candidate.isData && world.cluster.allocationEnable !== 'primaries') {
    // Replicas of the leaving node are not rebuilt elsewhere only to move again when its replacement joins.
    return { kind: 'set-allocation-primaries', node: candidate };
  }
  return { kind: 'terminate', node: candidate, conflicts };
}

/**
 * The first in order, unless its only refusal is a copy with no other started copy yet while
 * another node of the same phase is ready: in a mixed-version cluster a replica can stay unassigned
 * (held back by the balancer) until some other old node is replaced, so waiting on the first would
 * never end. The lone copy's node simply goes later.
 */
function pickCandidate(first: NodeView, candidates: NodeView[], ctx: RuleContext, narrowed: boolean): { candidate: NodeView; refusals: Evaluation['refusals'] } {
  const own = { candidate: first, refusals: evaluateRules(first, ctx).refusals };
  if (narrowed || own.refusals.length === 0 || !own.refusals.every((r) => r.rule === 'require_other_started_copy')) return own;
  const ready = candidates.find((c) => c !== first && c.phase === first.phase && evaluateRules(c, ctx).refusals.length === 0);
  return ready ? { candidate: ready, refusals: [] } : own;
}

function wait(
  kind: WaitKind,
  detail: string,
  health: Omit<HealthWait, 'timeoutMs'> | null,
  node?: string,
  refusals: Refusal[] = [],
): Decision {
  return { kind: 'wait', wait: kind, node, detail, health, refusals };
}

/** Yellow then green: long-poll for moving shards to stop, else for green. */
function recoveryWait(settlement: Settlement, node: string | undefined, refusals: Refusal[]): Decision {
  const detail = settlement.kind === 'unsettled' ? settlement.reason : 'cluster to settle';
  const moving = settlement.kind === 'unsettled' && settlement.reason.startsWith('shards still moving');
  return wait(
    'green',
    `cluster green or only version conflicts unassigned: ${detail}`,
    moving ? { noInitializingShards: true, noRelocatingShards: true } : { status: 'green' },
    node,
    refusals,
  );
}

/**
 * Each replica held back by the balancer (explain: can allocate, no attempt made) whose primary is
 * started, with the newest node explain accepts it on: a replica on the newest node never becomes a
 * version conflict.
 */
function heldBackPlacements(world: World): HeldBackPlacement[] {
  const versionOf = new Map(world.cluster.nodes.map((n) => [n.name, n.version]));
  const placements: HeldBackPlacement[] = [];
  for (const e of world.cluster.unassignedExplanations ?? []) {
    if (!isHeldBackByBalancer(e)) continue;
    const primaryStarted = copiesOf(world.cluster.shards, e).some((s) => s.primary && s.state === 'STARTED');
    const accepting = e.nodeDecisions.filter((d) => d.nodeDecision === 'yes' && versionOf.has(d.nodeName)).map((d) => d.nodeName);
    if (!primaryStarted || accepting.length === 0) continue;
    const node = accepting.reduce((a, b) => (compareVersions(versionOf.get(b) ?? '', versionOf.get(a) ?? '') > 0 ? b : a));
    placements.push({ index: e.index, shard: e.shard, node });
  }
  return placements;
}

/** True for a launch time within this upgrade (resumed leases keep when it began). */
function launchedDuringRun(lease: LeaseRecord): (launchTime: Date | undefined) => boolean {
  // EC2 reports LaunchTime in whole seconds: a replacement launched in the second the run started
  // reads as launched before it, so compare from the start of that second.
  const since = Math.floor(Date.parse(lease.runStartedAt ?? lease.acquiredAt) / 1000) * 1000;
  return (launchTime) => launchTime !== undefined && launchTime.getTime() >= since;
}

/**
 * Instances this upgrade terminated whose replacement is not a member yet: terminations recorded in
 * the lease, less the nodes in the cluster whose (live) instance was launched during the upgrade.
 */
function replacementsPending(world: World, lease: LeaseRecord): number {
  const launchedSince = launchedDuringRun(lease);
  const joined = world.nodes.filter((n) => n.instance && isAlive(n.instance) && launchedSince(n.instance.launchTime)).length;
  return lease.terminatedInstanceIds.length - joined;
}

/**
 * A node (or a joining instance) launched during this upgrade that is not at the target: the group
 * launches the wrong thing, and replacing it again would loop forever.
 */
function findWrongReplacement(world: World, options: UpgradeOptions, lease: LeaseRecord): string | null {
  const launchedSince = launchedDuringRun(lease);
  const key = options.versionTagKey;
  for (const view of world.nodes) {
    if (!view.instance || !isAlive(view.instance) || !launchedSince(view.instance.launchTime)) continue;
    if (view.versionTag !== options.targetVersion) {
      return `replacement ${view.node.name} (instance ${view.instance.id}) came up with ${key}=${view.versionTag ?? 'none'}, not ${options.targetVersion}`;
    }
    if (options.expectedEsVersion && view.node.version !== options.expectedEsVersion) {
      return `replacement ${view.node.name} (instance ${view.instance.id}) runs Elasticsearch ${view.node.version}, not ${options.expectedEsVersion}`;
    }
  }
  for (const i of world.fleet.instances) {
    const inGroup = world.groups.some((g) => g.name === i.groupName);
    if (inGroup && isAlive(i) && launchedSince(i.launchTime) && i.tags[key] !== options.targetVersion) {
      return `replacement instance ${i.id} in ${i.groupName} launched with ${key}=${i.tags[key] ?? 'none'}, not ${options.targetVersion}`;
    }
  }
  return null;
}

/**
 * A replica on `nodeName` whose started primary is on a node newer than every data node it could
 * move to (not `nodeName`, not excluded, not holding a copy): Elasticsearch's `node_version` decider
 * refuses them all, so a drain cannot move it.
 */
function stuckByVersion(world: World, copy: ShardCopy, nodeName: string): boolean {
  if (copy.primary) return false;
  const copies = copiesOf(world.cluster.shards, copy);
  const primary = copies.find((s) => s.primary && s.state === 'STARTED');
  const primaryNode = world.cluster.nodes.find((n) => n.name === primary?.node);
  if (!primaryNode) return false;
  const holders = new Set(copies.map((s) => s.node));
  const excluded = new Set(world.cluster.allocationExcludeNames);
  return world.cluster.nodes
    .filter((n) => isDataNode(n) && n.name !== nodeName && !excluded.has(n.name) && !holders.has(n.name))
    .every((n) => compareVersions(n.version, primaryNode.version) < 0);
}

function dedupe(refusals: Refusal[]): Refusal[] {
  const seen = new Set<string>();
  return refusals.filter((r) => {
    // Run-wide rules repeat for every candidate: keep one.
    const key = `${r.rule}|${r.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export type { NodeView };
