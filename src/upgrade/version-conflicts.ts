// Judges whether a yellow cluster has settled with nothing unassigned but version conflicts.
//
// In a mixed-version cluster a replica whose primary sits on a newer node cannot be allocated to an
// older node (decider `node_version`). Such a cluster stays yellow until the last old data node is
// replaced, so waiting for green would only ever time out. Anything else unassigned (disk
// watermarks, filters, failed allocations, awareness with nowhere else to go) is a real problem and
// must not pass.

import type { AllocationExplanation, ClusterHealth, NodeAllocationDecision, ShardCopy } from './model.ts';
import { copiesOf } from './shard-copies.ts';

/**
 * Deciders whose NO means "this node is older than the primary's". Real masters (8.19, 9.x) answer
 * with both, index_version before node_version (see test/fixtures/es/README.md).
 */
const VERSION_DECIDERS: ReadonlySet<string> = new Set(['node_version', 'index_version']);
const SAME_SHARD_DECIDER = 'same_shard';
const AWARENESS_DECIDER = 'awareness';

export interface Blocker {
  index: string;
  shard: number;
  primary: boolean;
  reason: string;
}

export interface VersionConflict {
  index: string;
  shard: number;
  explanation: string;
}

/**
 * In a mixed-version cluster the desired-balance allocator (8.6+) can hold back replicas it could
 * place: it wants their primary on a newer node (where no older node may then hold the replica), but
 * the moves never happen because rebalancing waits for every shard to be active, which the version
 * conflicts prevent. Explain says "yes" with no attempt made, forever. Seen on real 9.5.4 masters.
 * Such replicas are accepted only alongside a real version conflict and once the cluster has stayed
 * so for a grace period, so a replica merely about to be allocated is never mistaken for one.
 */
export function isHeldBackByBalancer(e: AllocationExplanation): boolean {
  return !e.primary && e.canAllocate === 'yes' && e.lastAllocationStatus === 'no_attempt';
}

/**
 * Refused by this controller's own doing (its narrowing, the exclusion of the node it replaces
 * next) on some node that would otherwise take it, and elsewhere only by that, by `same_shard` where a
 * copy already is, by `awareness` (the node that would take it is elsewhere), or by versions: a
 * replica of an index created while a node is being replaced, say.
 * It is not on that node, and once the node is gone and the settings are put back it can be
 * allocated; until then it is no reason to wait.
 */
function isHeldByNarrowing(e: AllocationExplanation, holders: Set<string>, tolerated: Tolerated): boolean {
  if (e.primary || tolerated === NOTHING_TOLERATED || e.canAllocate !== 'no' || e.nodeDecisions.length === 0) return false;
  let freedByLifting = false;
  for (const d of e.nodeDecisions) {
    const holdsCopy = holders.has(d.nodeName) || holders.has(d.nodeId);
    const refusing = d.deciders.filter((x) => x.decision !== 'YES');
    const ours = (x: { decider: string; decision: string }): boolean => x.decision === 'NO' && tolerated(d.nodeName, x.decider);
    // Awareness too: the node freed by lifting takes the copy elsewhere.
    const excused = refusing.every((x) => ours(x) || isExplainedRefusal(x, holdsCopy, true));
    if (refusing.length === 0 || !excused) return false;
    freedByLifting ||= refusing.every(ours);
  }
  return freedByLifting;
}

/** Whether a decider's NO on a node is this controller's own doing right now (its narrowing, its exclusions). */
export type Tolerated = (nodeName: string, decider: string) => boolean;
const NOTHING_TOLERATED: Tolerated = () => false;

let lastTolerated: { key: string; tolerated: Tolerated } | undefined;

/**
 * What this controller itself changed for the node it replaces next: narrowed to new primaries, some
 * nodes excluded. The same answer from one tick to the next is the same function, so verdicts that
 * depend on it can be kept (see judgeSettlement).
 */
export function toleratedFor(narrowed: boolean, excludedNodes: readonly string[]): Tolerated {
  if (!narrowed && excludedNodes.length === 0) return NOTHING_TOLERATED;
  const key = `${String(narrowed)}\u0000${excludedNodes.join('\u0000')}`;
  if (lastTolerated?.key === key) return lastTolerated.tolerated;
  const excluded = new Set(excludedNodes);
  const tolerated: Tolerated = (node, decider) => (narrowed && decider === 'enable') || (decider === 'filter' && excluded.has(node));
  lastTolerated = { key, tolerated };
  return tolerated;
}

export type Settlement =
  /** Green: nothing to judge. */
  | { kind: 'green' }
  /**
   * Only version conflicts are unassigned (and replicas held back by the balancer past their grace,
   * and replicas only this controller's narrowing holds): as settled as a mixed-version cluster gets.
   */
  | { kind: 'version-conflicts-only'; conflicts: VersionConflict[]; heldByNarrowing: number }
  /** Still moving, or something other than a version conflict is unassigned. */
  | { kind: 'unsettled'; reason: string; blockers: Blocker[] };

function unsettled(reason: string, blockers: Blocker[] = []): Settlement {
  return { kind: 'unsettled', reason, blockers };
}

export interface SettlementContext {
  /**
   * Refusals expected right now besides the version ones: `enable` while this controller has
   * narrowed allocation for the node it is about to replace, `filter` on the nodes it excluded.
   */
  tolerated?: Tolerated;
  /**
   * The data nodes run more than one version. Only then can the balancer hold a replica back for a
   * version conflict; otherwise "no attempt made" just means "not yet".
   */
  mixedVersions?: boolean;
  /** Whether a replica held back by the balancer has been seen so for its whole grace period. */
  pastGrace?: (copy: { index: string; shard: number }) => boolean;
}

export function judgeSettlement(
  health: ClusterHealth,
  shards: ShardCopy[],
  explanations: AllocationExplanation[] | undefined,
  context: SettlementContext = {},
): Settlement {
  const tolerated = context.tolerated ?? NOTHING_TOLERATED;
  const pastGrace = context.pastGrace ?? (() => false);
  if (health.status === 'green') return { kind: 'green' };
  if (health.status === 'red') return unsettled('cluster health is red');
  if (health.initializingShards > 0 || health.relocatingShards > 0) {
    return unsettled(
      `shards still moving: ${health.initializingShards} initializing, ${health.relocatingShards} relocating`,
    );
  }
  if (health.delayedUnassignedShards > 0) {
    return unsettled(`${health.delayedUnassignedShards} unassigned shards are delayed (node_left timeout)`);
  }
  const unassigned = shards.filter((s) => s.state === 'UNASSIGNED');
  if (unassigned.length === 0) return unsettled('cluster is yellow but no unassigned shard copy is listed yet');
  if (!explanations) return unsettled('unassigned shards not explained yet');

  const conflicts: VersionConflict[] = [];
  const blockers: Blocker[] = [];
  const heldBack: (VersionConflict & { pastGrace: boolean })[] = [];
  let heldByNarrowing = 0;
  const byCopy = new Map(explanations.map((e) => [`${e.index}/${e.shard}/${e.primary}`, e]));
  for (const copy of uniqueCopies(unassigned)) {
    const explanation = byCopy.get(`${copy.index}/${copy.shard}/${copy.primary}`);
    if (!explanation) {
      blockers.push({ ...copy, reason: 'no allocation explanation for this copy' });
      continue;
    }
    const copyHolders = new Set(copiesOf(shards, copy).flatMap((c) => (c.node === undefined ? [] : [c.node])));
    const verdict = rememberedVerdict(explanation, copyHolders, tolerated);
    if (verdict.conflict) conflicts.push({ index: copy.index, shard: copy.shard, explanation: verdict.text });
    // Refused only by this controller's narrowing for the node it replaces next (whether or not the
    // balancer held it back before): it is not on that node, and lifting the narrowing frees it.
    else if (verdict.heldByNarrowing) heldByNarrowing += 1;
    else if (context.mixedVersions === true && isHeldBackByBalancer(explanation)) {
      heldBack.push({
        index: copy.index,
        shard: copy.shard,
        explanation: 'replica held back by the balancer while version conflicts block rebalancing (explain: can allocate, no attempt made)',
        pastGrace: pastGrace(copy),
      });
    } else blockers.push({ ...copy, reason: verdict.text });
  }
  if (blockers.length > 0) {
    return unsettled(`${blockers.length} unassigned shard cop${blockers.length === 1 ? 'y is' : 'ies are'} not version conflicts`, blockers);
  }
  const waiting = heldBack.filter((h) => conflicts.length === 0 || !h.pastGrace);
  if (waiting.length > 0) {
    return unsettled(
      `${waiting.length} replica${waiting.length === 1 ? '' : 's'} could be allocated but no attempt is made` +
        (conflicts.length > 0 ? ' (version conflicts block rebalancing; accepted if it stays so)' : ''),
      waiting.map((h) => ({ index: h.index, shard: h.shard, primary: false, reason: h.explanation })),
    );
  }
  const accepted = heldBack.map(({ pastGrace: _grace, ...h }) => h);
  return { kind: 'version-conflicts-only', conflicts: [...conflicts, ...accepted], heldByNarrowing };
}

interface Verdict {
  conflict: boolean;
  text: string;
  heldByNarrowing: boolean;
}

interface RememberedVerdict {
  holders: string;
  tolerated: Tolerated;
  verdict: Verdict;
}

/**
 * Verdicts by explanation. Mid-upgrade thousands of version conflicts stay unassigned for hours, each
 * explained once (src/cluster/explanation-cache.ts) and listing every data node: judging them all
 * again each tick would cost more than everything else a tick does. A verdict depends only on the
 * explanation (never changed once read), the nodes holding a copy, and what is tolerated.
 */
const verdicts = new WeakMap<AllocationExplanation, RememberedVerdict>();

function rememberedVerdict(explanation: AllocationExplanation, holders: Set<string>, tolerated: Tolerated): Verdict {
  const holdersKey = [...holders].join('\u0000');
  const known = verdicts.get(explanation);
  if (known && known.tolerated === tolerated && known.holders === holdersKey) return known.verdict;
  const { conflict, text } = judgeCopy(explanation, holders, tolerated);
  const verdict = { conflict, text, heldByNarrowing: !conflict && isHeldByNarrowing(explanation, holders, tolerated) };
  verdicts.set(explanation, { holders: holdersKey, tolerated, verdict });
  return verdict;
}

function uniqueCopies(copies: ShardCopy[]): { index: string; shard: number; primary: boolean }[] {
  const seen = new Map<string, { index: string; shard: number; primary: boolean }>();
  for (const c of copies) seen.set(`${c.index}/${c.shard}/${c.primary}`, { index: c.index, shard: c.shard, primary: c.primary });
  return [...seen.values()];
}

/**
 * A copy is a version conflict when it is a replica, allocation says no, every node that lacks a
 * copy of the shard refuses only for versions (`node_version`, `index_version`), and nodes holding a
 * copy refuse only for `same_shard` (or versions). At least one node must refuse for a version, or
 * it is not a version problem at all (e.g. a lone data node: `same_shard` alone).
 *
 * With allocation awareness on a zone, the nodes of the primary's zone refuse the replica for
 * `awareness` as well: it must go to another zone, whose older nodes refuse it for versions. Like
 * `same_shard`, that refusal says where the copy may not go, not that it cannot go anywhere, so it is
 * excused when some node refuses the copy for versions and nothing else: that node's replacement
 * takes it. Awareness alone everywhere (a zone missing under forced awareness) stays a blocker.
 */
export function judgeCopy(
  e: AllocationExplanation,
  holders: Set<string>,
  tolerated: Tolerated = NOTHING_TOLERATED,
): { conflict: boolean; text: string } {
  if (e.primary) return { conflict: false, text: 'an unassigned primary is never a version conflict' };
  if (e.canAllocate !== undefined && e.canAllocate !== 'no') {
    return { conflict: false, text: `allocation decision is "${e.canAllocate}"${e.allocateExplanation ? `: ${e.allocateExplanation}` : ''}` };
  }
  if (e.nodeDecisions.length === 0) {
    return { conflict: false, text: e.allocateExplanation ?? 'no data node to allocate to' };
  }
  const awarenessExcused = e.nodeDecisions.some((d) => refusesOnlyForVersions(d, tolerated));
  let versionText: string | undefined;
  for (const d of e.nodeDecisions) {
    const holdsCopy = holders.has(d.nodeName) || holders.has(d.nodeId);
    if (!refusesOnlyAsExplained(d, holdsCopy, awarenessExcused, tolerated)) {
      const bad = foreignRefusals(d, holdsCopy, awarenessExcused, (decider) => tolerated(d.nodeName, decider));
      return { conflict: false, text: `node ${d.nodeName}: ${bad.map((b) => `${b.decider}: ${b.explanation}`).join('; ')}` };
    }
    if (versionText !== undefined) continue;
    const v = d.deciders.find((x) => x.decider === 'node_version' && x.decision === 'NO') ??
      d.deciders.find((x) => VERSION_DECIDERS.has(x.decider) && x.decision === 'NO');
    versionText = v?.explanation;
  }
  if (!versionText) return { conflict: false, text: 'no node refuses for being older than the primary' };
  return { conflict: true, text: versionText };
}

/**
 * `foreignRefusals(d, ...)` is empty: at least one refusal explained by versions (or by holding a copy,
 * or by awareness when excused), the others explained or tolerated. A loop without allocations: a
 * mid-upgrade explanation lists every data node, and thousands of them can be judged in a tick.
 */
function refusesOnlyAsExplained(d: NodeAllocationDecision, holdsCopy: boolean, awarenessExcused: boolean, tolerated: Tolerated): boolean {
  let explainedOne = false;
  for (const x of d.deciders) {
    if (x.decision === 'YES') continue;
    if (isExplainedRefusal(x, holdsCopy, awarenessExcused)) explainedOne = true;
    else if (!(x.decision === 'NO' && tolerated(d.nodeName, x.decider))) return false;
  }
  return explainedOne;
}

/**
 * A NO that a version conflict explains on its own: versions, `same_shard` where a copy already is,
 * `awareness` when excused (another node takes the copy once replaced).
 */
function isExplainedRefusal(x: { decider: string; decision: string }, holdsCopy: boolean, awarenessExcused: boolean): boolean {
  return (
    x.decision === 'NO' &&
    (VERSION_DECIDERS.has(x.decider) || (holdsCopy && x.decider === SAME_SHARD_DECIDER) || (awarenessExcused && x.decider === AWARENESS_DECIDER))
  );
}

/** Whether a node refuses a copy for versions and nothing else but this controller's own settings. */
function refusesOnlyForVersions(d: NodeAllocationDecision, tolerated: Tolerated): boolean {
  let refused = false;
  for (const x of d.deciders) {
    if (x.decision === 'YES' || (x.decision === 'NO' && tolerated(d.nodeName, x.decider))) continue;
    if (x.decision !== 'NO' || !VERSION_DECIDERS.has(x.decider)) return false;
    refused = true;
  }
  return refused;
}

/**
 * Refusals on a node that are not explained by versions (or by the node already holding a copy, or
 * by awareness when another node takes the copy once replaced).
 */
function foreignRefusals(
  d: NodeAllocationDecision,
  holdsCopy: boolean,
  awarenessExcused: boolean,
  tolerated: (decider: string) => boolean,
): { decider: string; explanation: string }[] {
  const refusing = d.deciders.filter((x) => x.decision !== 'YES');
  const explained = (x: { decider: string; decision: string }): boolean => isExplainedRefusal(x, holdsCopy, awarenessExcused);
  // A tolerated refusal alone would mean the node could take the copy once it is lifted.
  if (!refusing.some(explained)) {
    return refusing.length > 0 ? refusing : [{ decider: 'node_decision', explanation: `node would accept (${d.nodeDecision})` }];
  }
  return refusing.filter((x) => !explained(x) && !(x.decision === 'NO' && tolerated(x.decider)));
}
