// One tick, one step: from the world as observed now, decide the single next thing to do. Pure.
//
// Everything that matters is read from the world (nodes, instances with their EC2 and lifecycle
// states and tags, desired capacities, allocation settings, the voting configuration) and the lease
// stored in the cluster, so a rerun after a crash finds where things stand and never starts a second
// replacement while one is incomplete. Waits are judged against their timeouts here too: the run
// loop only observes, acts and records.

import { ALLOCATION_ENABLE, ALLOCATION_EXCLUDE_NAME, effectiveSetting, splitNames, type AllocationSettings } from './model.ts';
import type { HealthWait, LeaseRecord, AllocationOverride } from './ports.ts';
import type { Refusal, UpgradeOptions, WaitKind } from './plan-model.ts';
import { replacementOrder } from './plan.ts';
import { evaluateRules, RULES, type JudgedRefusal, type RuleContext } from './predicates.ts';
import { zoneBatches } from './batches.ts';
import { findReplacementUnderWay, findWrongReplacement, leavingNodes, replacementsPending } from './replacements.ts';
import { isHeldBackByBalancer, judgeSettlement, toleratedFor, type Settlement, type VersionConflict } from './version-conflicts.ts';
import type { ShardCopy } from './model.ts';
import { compareVersions } from '../shared/versions.ts';
import { copiesOf, copiesOn, shardKey } from './shard-copies.ts';
import { isDataNode, type NodeView, type World } from './world.ts';

/** The wait in progress, as the run recorded it. */
export interface OpenWait {
  kind: WaitKind;
  node?: string;
  sinceMs: number;
}

export interface DecideInput {
  world: World;
  options: UpgradeOptions;
  lease: LeaseRecord;
  /** Nothing changed by this upgrade yet: a refusal now means "refused to start", not "halted". */
  atStart: boolean;
  /** Instances without a node at the start, ignored with --orphans ignore (never this upgrade's own). */
  ignoredInstanceIds: ReadonlySet<string>;
  now: Date;
  /** The wait in progress: when the decision is the same wait, its timeout is judged here. */
  openWait?: OpenWait | undefined;
  /** When each replica held back by the balancer ("index/shard") was first seen so. */
  heldBackSince?: ReadonlyMap<string, number>;
}

/** How long a replica held back by the balancer must stay so before it passes (see version-conflicts). */
export const HELD_BACK_GRACE_MS = 60_000;

/** How long red may last before a run that changed nothing yet refuses. */
const RED_AT_START_GRACE_MS = 30_000;

/** What allocation is narrowed to while a data node is replaced: only new indices' primaries. */
export const NARROWED = 'new_primaries';

/** A replica the balancer holds back, and the node explain says may take it. */
export interface HeldBackPlacement {
  index: string;
  shard: number;
  node: string;
}

export type Decision =
  | { kind: 'done'; conflicts: VersionConflict[] }
  /** `timedOut`: the wait in progress ran out (the run records it so). */
  | { kind: 'refuse'; refusals: Refusal[]; reason?: string; timedOut?: true }
  | { kind: 'halt'; reason: string; refusals: Refusal[]; timedOut?: true }
  | { kind: 'wait'; wait: WaitKind; node?: string; detail: string; health: Omit<HealthWait, 'timeoutMs'> | null; refusals: Refusal[] }
  /**
   * Keep new shard copies off the node from now until it has left (and, replacing, narrow
   * allocation so the replicas it takes along are not rebuilt only to move again), recorded in the
   * lease as `override` before the settings are written.
   */
  | { kind: 'prepare-node'; node: NodeView; settings: Partial<AllocationSettings>; override: AllocationOverride }
  /** Put back the allocation settings as found; `keep`: what stays changed (nodes still leaving stay excluded). */
  | { kind: 'restore-allocation'; settings: Partial<AllocationSettings>; keep?: AllocationOverride; why?: string }
  /** Move votes off: the candidate's (`node`), or departed nodes' the configuration kept. */
  | { kind: 'exclude-from-voting'; nodeIds: string[]; nodeNames: string[]; node?: NodeView; why: string }
  | { kind: 'clear-voting-exclusion' }
  | { kind: 'place-held-back'; replicas: HeldBackPlacement[] }
  | { kind: 'terminate'; node: NodeView; conflicts: VersionConflict[] };

export function decide(input: DecideInput): Decision {
  return judgeTimeout(decideStep(input), input);
}

function decideStep(input: DecideInput): Decision {
  const { world, options, lease } = input;
  const override = lease.allocationOverride;
  const present = new Set(world.cluster.nodes.map((n) => n.name));
  const nodeCount = world.cluster.nodes.length;

  if (!options.disabledRules.includes('replacement_at_target')) {
    const wrong = findWrongReplacement(world, options, lease);
    if (wrong) return { kind: 'halt', reason: wrong, refusals: [{ rule: 'replacement_at_target', reason: wrong }] };
  }

  const leaving = leavingNodes(world, lease);
  // Nodes on their way out are never candidates: an accepted terminate is never sent again.
  const goingNames = new Set(leaving.map((n) => n.node.name));
  const candidates = replacementOrder(world, options)
    .filter((n) => !goingNames.has(n.node.name))
    .sort((a, b) => Number(chosen(b, override)) - Number(chosen(a, override)));
  const settlement = settle(input, override);
  const batchOf = batchesFor(world, candidates, options, override);
  const ctx: RuleContext = {
    world,
    options,
    lease,
    settlement,
    atStart: input.atStart,
    ignoredInstanceIds: input.ignoredInstanceIds,
    batchOf: (c) => new Set(batchOf(c).map((n) => n.node.name)),
  };

  if (input.atStart) {
    // Judge every stale node before touching any, or waiting for anything: a set-up problem
    // refuses the whole run at once. Only the structural rules: the others' answers would be dropped.
    const structural = candidates.flatMap((c) => evaluateRules(c, ctx, STRUCTURAL_RULES));
    if (structural.length > 0) return { kind: 'refuse', refusals: dedupe(structural) };
  }

  // A batch being taken away: the rest of it goes now, each still judged, before any waiting.
  const batchNext = restOfBatch(world, override, goingNames);
  if (batchNext) {
    const refusals = evaluateRules(batchNext, ctx, BATCH_RULES);
    const structural = refusals.filter((r) => r.kind === 'structural');
    if (structural.length > 0) {
      return { kind: 'halt', reason: `unsafe to replace ${batchNext.node.name}: ${structural.map((r) => `${r.rule}: ${r.reason}`).join('; ')}`, refusals: strip(structural) };
    }
    if (refusals.length > 0) {
      return { kind: 'wait', wait: 'safe-to-proceed', node: batchNext.node.name, detail: refusals.map((r) => `${r.rule}: ${r.reason}`).join('; '), health: null, refusals: strip(refusals) };
    }
    return { kind: 'terminate', node: batchNext, conflicts: [] };
  }

  // A node whose instance is going must leave before anything else, whoever terminated it: two
  // nodes missing is never a step (a batch excepted: above). Then this upgrade's own replacements must join, whatever
  // --orphans says. Any other shortfall is for the all_expected_nodes_present rule.
  if (leaving.length > 0) {
    const names = leaving.map((n) => n.node.name);
    const states = leaving.map((n) => `${n.node.name} (instance ${n.instance?.id} ${n.instance?.lifecycleState ?? n.instance?.state})`);
    return wait('node-leave', `old node ${states.join(', ')} to leave the cluster`, { nodes: `<${nodeCount}` }, names[0]);
  }
  const pending = replacementsPending(world, lease);
  if (pending > 0) {
    const underWay = findReplacementUnderWay(world, lease);
    const detail = `${pending} replacement${pending === 1 ? '' : 's'} of this upgrade to join the cluster${underWay ? `: ${underWay.detail}` : ''}`;
    return wait('node-join', detail, { nodes: `>=${nodeCount + 1}` });
  }

  // The replaced node is gone and its replacement in: put back what was changed for it.
  if (lease.votingExclusion && votingExclusionDone(world, lease.votingExclusion.nodeIds)) return { kind: 'clear-voting-exclusion' };
  if (override && override.nodeNames.some((n) => !present.has(n))) {
    return { kind: 'restore-allocation', settings: foundSettings(override) };
  }

  // Replicas the balancer has held back past their grace go where explain says they may: otherwise
  // an old node holding their primary can never go (its copy would be the last), and green never
  // comes. Placing a replica only adds a copy.
  const placements = heldBackPlacements(input);
  if (placements.length > 0 && world.cluster.health.status !== 'red') return { kind: 'place-held-back', replicas: placements };

  const first = candidates[0];
  if (!first) {
    if (settlement.kind === 'green') return { kind: 'done', conflicts: [] };
    if (settlement.kind === 'version-conflicts-only' && (options.versionConflicts === 'accept' || settlement.conflicts.length === 0)) {
      return { kind: 'done', conflicts: settlement.conflicts };
    }
    if (world.cluster.health.status === 'red') return wait('yellow', 'cluster to leave red', { status: 'yellow' });
    return recoveryWait(world, settlement, undefined, []);
  }

  // A voting configuration that keeps a departed master (it never shrinks below three once it had
  // three: a replacement joined while its predecessor lingered) would lose its quorum with the
  // next master gone, and never settles by itself.
  const kept = first.isMasterEligible ? departedVotersKept(world) : [];
  if (kept.length > 0) {
    return { kind: 'exclude-from-voting', nodeIds: kept, nodeNames: [], why: `the voting configuration keeps departed node${kept.length > 1 ? 's' : ''} ${kept.join(', ')}` };
  }

  const { candidate, refusals } = pickCandidate(first, candidates, ctx, override);
  // A drain under way moves shards by design: wait for it before heeding the moving-shards rules.
  const draining = options.strategy === 'drain' && prepared(world, candidate, override);
  // Copies that cannot leave only because their primary is on a newer node (version conflict) stay:
  // no older node may take them, and the primary keeps the data. Waiting for them would never end.
  const held = draining
    ? copiesOn(world.cluster.shards, [candidate.node.name]).filter((s) => !stuckByVersion(world, s, candidate.node.name)).length
    : 0;
  if (draining && held > 0) {
    return wait('drain', `${held} shard copies to move off ${candidate.node.name}`, { noRelocatingShards: true }, candidate.node.name);
  }

  // Readied and narrowed, yet the batch holds a copy with no other started copy: the exclusion shrank
  // an index with auto_expand_replicas (Elasticsearch counts only the nodes it may expand to), or a
  // shard landed on a node just before the exclusion. Narrowing keeps that copy where it is; lifting
  // it (the exclusion stays) lets it move off first. Allocation is narrowed again before they go.
  const batch = batchOf(candidate);
  if (override?.narrowed === true && options.strategy === 'replace' && batch.every((n) => prepared(world, n, override))) {
    const lonely = [...new Set(batch.flatMap((n) => lonelyCopies(world, n, ctx.batchOf?.(n) ?? new Set([n.node.name]))))];
    if (lonely.length > 0) {
      return {
        kind: 'restore-allocation',
        settings: override.found[ALLOCATION_ENABLE] ? { [ALLOCATION_ENABLE]: override.found[ALLOCATION_ENABLE] } : {},
        keep: { ...override, narrowed: false },
        why: `${batch.map((n) => n.node.name).join(', ')} hold${batch.length === 1 ? 's' : ''} ${lonely.length} cop${lonely.length === 1 ? 'y' : 'ies'} with no other started copy (${lonely.slice(0, 5).join(', ')}): allocation widened so they can move off the excluded node${batch.length === 1 ? '' : 's'} first`,
      };
    }
  }

  const structural = refusals.filter((r) => r.kind === 'structural');
  if (structural.length > 0) {
    if (input.atStart) return { kind: 'refuse', refusals: strip(structural) };
    return {
      kind: 'halt',
      reason: `unsafe to replace ${candidate.node.name}: ${structural.map((r) => `${r.rule}: ${r.reason}`).join('; ')}`,
      refusals: strip(structural),
    };
  }
  const red = refusals.find((r) => r.rule === 'cluster_not_red');
  if (red) return wait('yellow', 'cluster to leave red', { status: 'yellow' }, candidate.node.name, strip(refusals));
  if (refusals.length > 0) {
    if (refusals.every((r) => r.kind === 'recovery')) return recoveryWait(world, settlement, candidate.node.name, strip(refusals));
    return {
      kind: 'wait',
      wait: 'safe-to-proceed',
      node: candidate.node.name,
      detail: refusals.map((r) => `${r.rule}: ${r.reason}`).join('; '),
      health: null,
      refusals: strip(refusals),
    };
  }

  const narrow = options.strategy === 'replace';
  if (candidate.isData && (batch.some((n) => !prepared(world, n, override)) || (narrow && override?.narrowed !== true))) {
    return prepareNode(world, batch, override, narrow, input.now);
  }
  if (candidate.isMasterEligible && needsVotingExclusion(world, candidate)) {
    return {
      kind: 'exclude-from-voting',
      nodeIds: [candidate.node.id],
      nodeNames: [candidate.node.name],
      node: candidate,
      why: 'its vote must move before it goes (one or two master-eligible nodes)',
    };
  }
  const conflicts = settlement.kind === 'version-conflicts-only' ? settlement.conflicts : [];
  return { kind: 'terminate', node: candidate, conflicts };
}

/** Copies on the node with no started copy outside the nodes going with it, named "[index][shard]". */
function lonelyCopies(world: World, view: NodeView, going: ReadonlySet<string>): string[] {
  const shards = world.cluster.shards;
  return copiesOn(shards, [view.node.name])
    .filter((s) => !copiesOf(shards, s).some((o) => o.node !== undefined && !going.has(o.node) && o.state === 'STARTED'))
    .map((s) => `[${s.index}][${s.shard}]`);
}

const STRUCTURAL_RULES = RULES.filter((r) => r.kind === 'structural');

/** What still keeps a batch member from going once the batch is on its way: moments, and lost data. */
const BATCH_RULES = RULES.filter((r) => ['cluster_not_red', 'master_elected', 'no_single_copy_shards', 'require_other_started_copy'].includes(r.name));

/**
 * Which nodes go together with a candidate: the batch this upgrade readied (in its lease), or with
 * --batch zone the candidate's zone batch; otherwise the candidate alone.
 */
function batchesFor(world: World, candidates: NodeView[], options: UpgradeOptions, override: AllocationOverride | undefined): (c: NodeView) => NodeView[] {
  if (options.batch !== 'zone') return (c) => [c];
  const readied = world.nodes.filter((n) => override?.nodeNames.includes(n.node.name));
  const batches = zoneBatches(world, candidates.filter((c) => c.isData && !readied.includes(c)), options);
  // Asked for every candidate by several rules: each node's batch found once, not searched for.
  const batchOfNode = new Map(batches.flatMap((b) => b.map((n) => [n, b] as const)));
  return (c) => {
    if (!c.isData) return [c];
    if (readied.includes(c)) return readied.filter((n) => candidates.includes(n));
    return batchOfNode.get(c) ?? [c];
  };
}

/**
 * The next member of a readied batch to terminate, once one of them is on its way out: the batch
 * goes together, not one member at a time with waits in between.
 */
function restOfBatch(world: World, override: AllocationOverride | undefined, going: ReadonlySet<string>): NodeView | undefined {
  if (!override || override.nodeNames.length < 2) return undefined;
  const members = world.nodes.filter((n) => override.nodeNames.includes(n.node.name));
  const started = override.nodeNames.some((name) => going.has(name) || !world.cluster.nodes.some((n) => n.name === name));
  if (!started || !members.every((n) => going.has(n.node.name) || prepared(world, n, override))) return undefined;
  return members.find((n) => !going.has(n.node.name));
}

/** The lease says this upgrade chose the node to go next. */
function chosen(view: NodeView, override: AllocationOverride | undefined): boolean {
  return override?.nodeNames.includes(view.node.name) === true;
}

/**
 * The node was readied for its replacement, in the lease and in the cluster: excluded from
 * allocation (and allocation narrowed, replacing). The lease alone is not enough: the settings
 * write can have failed, or been interrupted, after the record was made.
 */
function prepared(world: World, view: NodeView, override: AllocationOverride | undefined): boolean {
  if (!override || !chosen(view, override)) return false;
  return world.cluster.allocationExcludeNames.includes(view.node.name) && (!override.narrowed || world.cluster.allocationEnable === NARROWED);
}

function settle(input: DecideInput, override: AllocationOverride | undefined): Settlement {
  const { world } = input;
  const since = input.heldBackSince ?? new Map<string, number>();
  const nowMs = input.now.getTime();
  return judgeSettlement(world.cluster.health, world.cluster.shards, world.cluster.unassignedExplanations, {
    tolerated: toleratedFor(override?.narrowed === true, override?.nodeNames ?? []),
    mixedVersions: isMixedVersion(world),
    pastGrace: (copy) => {
      const first = since.get(shardKey(copy));
      return first !== undefined && nowMs - first >= HELD_BACK_GRACE_MS;
    },
  });
}

/** The data nodes run more than one Elasticsearch version. */
function isMixedVersion(world: World): boolean {
  return new Set(world.cluster.nodes.filter(isDataNode).map((n) => n.version)).size > 1;
}

/**
 * Replicas held back by the balancer now, each with when it was first seen so: the grace counts per
 * replica from first sight, not from when some wait began.
 */
export function trackHeldBack(previous: ReadonlyMap<string, number>, world: World, nowMs: number): Map<string, number> {
  const next = new Map<string, number>();
  if (!isMixedVersion(world)) return next;
  for (const e of world.cluster.unassignedExplanations ?? []) {
    if (!isHeldBackByBalancer(e)) continue;
    const key = shardKey(e);
    next.set(key, previous.get(key) ?? nowMs);
  }
  // Explanations are fetched only when nothing moves: between such ticks, keep what was seen.
  if (world.cluster.unassignedExplanations === undefined) for (const [k, v] of previous) next.set(k, v);
  return next;
}

/**
 * The first in order, unless its only refusal is a copy with no other started copy yet while
 * another node of the same phase is ready: in a mixed-version cluster a replica can stay unassigned
 * (held back by the balancer) until some other old node is replaced, so waiting on the first would
 * never end. The lone copy's node simply goes later. A node already readied goes first.
 */
function pickCandidate(
  first: NodeView,
  candidates: NodeView[],
  ctx: RuleContext,
  override: AllocationOverride | undefined,
): { candidate: NodeView; refusals: JudgedRefusal[] } {
  const own = { candidate: first, refusals: evaluateRules(first, ctx) };
  if (chosen(first, override) || own.refusals.length === 0 || !own.refusals.every((r) => r.rule === 'require_other_started_copy')) return own;
  const ready = candidates.find((c) => c !== first && c.phase === first.phase && evaluateRules(c, ctx).length === 0);
  return ready ? { candidate: ready, refusals: [] } : own;
}

/** Exclude the node (and narrow allocation, replacing), keeping what was found for the restore. */
function prepareNode(world: World, batch: NodeView[], override: AllocationOverride | undefined, narrow: boolean, now: Date): Decision {
  const node = batch[0] as NodeView;
  const found: Partial<AllocationSettings> = {
    [ALLOCATION_ENABLE]: override?.found[ALLOCATION_ENABLE] ?? world.cluster.settings[ALLOCATION_ENABLE],
    [ALLOCATION_EXCLUDE_NAME]: override?.found[ALLOCATION_EXCLUDE_NAME] ?? world.cluster.settings[ALLOCATION_EXCLUDE_NAME],
  };
  const nodeNames = [...new Set([...(override?.nodeNames ?? []), ...batch.map((n) => n.node.name)])];
  const operators = splitNames(effectiveSetting(found[ALLOCATION_EXCLUDE_NAME] ?? { persistent: null, transient: null }));
  const settings: Partial<AllocationSettings> = {
    [ALLOCATION_EXCLUDE_NAME]: { persistent: [...new Set([...operators, ...nodeNames])].join(','), transient: null },
    ...(narrow ? { [ALLOCATION_ENABLE]: { persistent: NARROWED, transient: null } } : {}),
  };
  return {
    kind: 'prepare-node',
    node,
    settings,
    override: { setAt: override?.setAt ?? now.toISOString(), nodeNames, narrowed: narrow || override?.narrowed === true, found },
  };
}

/** The allocation settings as they were before this upgrade changed them. */
function foundSettings(override: AllocationOverride): Partial<AllocationSettings> {
  return { ...override.found };
}

/**
 * What to put back when the run stops before its replaced node has left: the settings as found,
 * except that nodes this upgrade terminated stay excluded until they are gone (a lifecycle hook can
 * keep one for an hour: new shards must not land on it). `keep` is what stays recorded.
 */
export function restoreOnStop(world: World, lease: LeaseRecord): Decision | null {
  const override = lease.allocationOverride;
  if (!override) return null;
  const stillLeaving = new Set(leavingNodes(world, lease).map((n) => n.node.name));
  const keepNames = override.nodeNames.filter((n) => stillLeaving.has(n));
  const settings = foundSettings(override);
  if (keepNames.length === 0) return { kind: 'restore-allocation', settings };
  const operators = splitNames(effectiveSetting(override.found[ALLOCATION_EXCLUDE_NAME] ?? world.cluster.settings[ALLOCATION_EXCLUDE_NAME]));
  return {
    kind: 'restore-allocation',
    settings: { ...settings, [ALLOCATION_EXCLUDE_NAME]: { persistent: [...new Set([...operators, ...keepNames])].join(','), transient: null } },
    keep: {
      ...override,
      nodeNames: keepNames,
      narrowed: false,
      found: { [ALLOCATION_EXCLUDE_NAME]: override.found[ALLOCATION_EXCLUDE_NAME] ?? world.cluster.settings[ALLOCATION_EXCLUDE_NAME] },
    },
  };
}

/** Departed nodes the voting configuration keeps because fewer live master-eligible nodes remain than it has members. */
function departedVotersKept(world: World): string[] {
  const config = world.cluster.votingConfigNodeIds;
  const present = new Set(world.cluster.nodes.map((n) => n.id));
  const excluded = new Set(world.cluster.votingConfigExclusions.map((e) => e.nodeId));
  const departed = config.filter((id) => !present.has(id) && !excluded.has(id));
  const liveVoters = world.nodes.filter((n) => n.isMasterEligible && !excluded.has(n.node.id)).length;
  return departed.length > 0 && liveVoters < config.length ? departed : [];
}

/** The nodes excluded from voting are gone and no longer named by the configuration: the exclusions can go. */
function votingExclusionDone(world: World, nodeIds: string[]): boolean {
  const present = new Set(world.cluster.nodes.map((n) => n.id));
  return nodeIds.every((id) => !present.has(id) && !world.cluster.votingConfigNodeIds.includes(id));
}

/**
 * With one or two master-eligible nodes, the voting configuration has one voter: the others present
 * are no majority without it, so its vote must move before it goes. With three or more, one at a
 * time keeps a quorum by itself.
 */
function needsVotingExclusion(world: World, candidate: NodeView): boolean {
  const config = world.cluster.votingConfigNodeIds;
  // Alone, there is nobody to take the vote (more_than_one_master says what that means).
  if (!config.includes(candidate.node.id) || !world.nodes.some((n) => n.isMasterEligible && n !== candidate)) return false;
  const present = new Set(world.cluster.nodes.map((n) => n.id));
  const others = config.filter((id) => id !== candidate.node.id && present.has(id)).length;
  return others * 2 <= config.length;
}

function wait(kind: WaitKind, detail: string, health: Omit<HealthWait, 'timeoutMs'> | null, node?: string, refusals: Refusal[] = []): Decision {
  return { kind: 'wait', wait: kind, node, detail, health, refusals };
}

/** Yellow then green: long-poll for moving shards to stop, else for green. */
function recoveryWait(world: World, settlement: Settlement, node: string | undefined, refusals: Refusal[]): Decision {
  // Shards relocating in a green cluster: waiting for green would return at once, over and over.
  const h = world.cluster.health;
  const moving = h.initializingShards > 0 || h.relocatingShards > 0;
  const detail =
    settlement.kind === 'unsettled'
      ? settlement.reason
      : moving
        ? `shards still moving: ${h.initializingShards} initializing, ${h.relocatingShards} relocating`
        : 'cluster to settle';
  return wait(
    'green',
    `cluster green or only version conflicts unassigned: ${detail}`,
    moving ? { noInitializingShards: true, noRelocatingShards: true } : { status: 'green' },
    node,
    refusals,
  );
}

export function waitTimeout(kind: WaitKind, options: UpgradeOptions): number {
  const t = options.timeouts;
  const byKind: Record<WaitKind, number> = {
    'node-leave': t.nodeLeaveMs,
    'node-join': t.nodeJoinMs,
    yellow: t.yellowMs,
    green: t.greenMs,
    drain: t.drainMs,
    'safe-to-proceed': t.safeToProceedMs,
  };
  return byKind[kind];
}

/** The same wait as the one in progress, past its timeout: halt (or refuse, before anything changed). */
function judgeTimeout(d: Decision, input: DecideInput): Decision {
  if (d.kind !== 'wait') return d;
  const open = input.openWait;
  if (!open || open.kind !== d.wait || open.node !== d.node) return d;
  const waited = input.now.getTime() - open.sinceMs;
  // Red before anything changed: refused once it has lasted a moment (an index being created is red
  // only that long), not after the whole yellow timeout.
  const timeoutMs = input.atStart && d.wait === 'yellow' ? Math.min(RED_AT_START_GRACE_MS, waitTimeout('yellow', input.options)) : waitTimeout(d.wait, input.options);
  if (waited < timeoutMs) return d;
  const h = input.world.cluster.health;
  const what = `timed out after ${formatMs(waited)} waiting for ${d.detail} (seen: cluster ${h.status}, ${input.world.cluster.nodes.length} nodes)`;
  return input.atStart
    ? { kind: 'refuse', refusals: d.refusals, reason: what, timedOut: true }
    : { kind: 'halt', reason: what, refusals: d.refusals, timedOut: true };
}

function formatMs(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s}s` : `${Math.round(s / 60)}m`;
}

/**
 * Each replica held back by the balancer past its grace whose primary is started, with the newest
 * node explain accepts it on: a replica on the newest node never becomes a version conflict.
 */
function heldBackPlacements(input: DecideInput): HeldBackPlacement[] {
  const { world } = input;
  if (!isMixedVersion(world)) return [];
  const since = input.heldBackSince ?? new Map<string, number>();
  const nowMs = input.now.getTime();
  const versionOf = new Map(world.cluster.nodes.map((n) => [n.name, n.version]));
  const placements: HeldBackPlacement[] = [];
  for (const e of world.cluster.unassignedExplanations ?? []) {
    if (!isHeldBackByBalancer(e)) continue;
    const first = since.get(shardKey(e));
    if (first === undefined || nowMs - first < HELD_BACK_GRACE_MS) continue;
    const primaryStarted = copiesOf(world.cluster.shards, e).some((s) => s.primary && s.state === 'STARTED');
    const accepting = e.nodeDecisions.filter((d) => d.nodeDecision === 'yes' && versionOf.has(d.nodeName)).map((d) => d.nodeName);
    if (!primaryStarted || accepting.length === 0) continue;
    const node = accepting.reduce((a, b) => (compareVersions(versionOf.get(b) ?? '', versionOf.get(a) ?? '') > 0 ? b : a));
    placements.push({ index: e.index, shard: e.shard, node });
  }
  return placements;
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

function strip(refusals: JudgedRefusal[]): Refusal[] {
  return refusals.map(({ rule, node, reason }) => ({ rule, ...(node !== undefined ? { node } : {}), reason }));
}

function dedupe(refusals: JudgedRefusal[]): Refusal[] {
  const seen = new Set<string>();
  return strip(refusals).filter((r) => {
    // Run-wide rules repeat for every candidate: keep one.
    const key = `${r.rule}|${r.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export type { NodeView };
