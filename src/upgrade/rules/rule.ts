// What a safety rule is. One rule, one module: a named predicate that judges a candidate node in
// the observed world and returns a reason to refuse, or null.

import type { UpgradeOptions, WaitKind } from '../plan-model.ts';
import type { LeaseRecord } from '../ports.ts';
import type { Settlement } from '../version-conflicts.ts';
import type { NodeView, World } from '../world.ts';

export const RULE_NAMES = [
  'replacement_at_target',
  'launch_template_at_target',
  'group_processes_active',
  'no_warm_pool',
  'no_orphans',
  'node_in_group',
  'instance_in_service',
  'allocation_enabled',
  'more_than_one_master',
  'cluster_not_red',
  'all_expected_nodes_present',
  'master_elected',
  'one_master_at_a_time',
  'voting_config_settled',
  'no_single_copy_shards',
  'no_moving_shards',
  'cluster_settled',
  'require_other_started_copy',
  'zone_batches_possible',
] as const;

export type RuleName = (typeof RULE_NAMES)[number];

/** Refusals that do not come from judging the world: another controller holds the lease. */
export type RefusalName = RuleName | 'single_controller';

/**
 * - `structural`: the set-up is wrong and waiting will not help: the run refuses before it touches
 *   anything, or halts between nodes.
 * - `precondition`: a moment that passes by itself (a master being elected, a node joining): waited
 *   out, within the safe-to-proceed timeout.
 * - `recovery`: the cluster is still recovering: waited out within the green timeout.
 */
export type RuleKind = 'structural' | 'precondition' | 'recovery';

export interface RuleContext {
  world: World;
  options: UpgradeOptions;
  lease: LeaseRecord;
  settlement: Settlement;
  /** True before this upgrade has changed anything. */
  atStart: boolean;
  /** Instances without a node present at the start and ignored (--orphans ignore); never this upgrade's own. */
  ignoredInstanceIds: ReadonlySet<string>;
  /**
   * The nodes that go together with this candidate (itself included): itself alone one at a time,
   * its zone's batch with --batch zone. A copy "elsewhere" is a copy on a node outside it.
   */
  batchOf?: (candidate: NodeView) => ReadonlySet<string>;
}

/** The names of the nodes going with the candidate (itself alone unless batched). */
export function goingWith(candidate: NodeView, ctx: RuleContext): ReadonlySet<string> {
  return ctx.batchOf?.(candidate) ?? new Set([candidate.node.name]);
}

export interface Rule {
  name: RuleName;
  kind: RuleKind;
  /** The wait a refusal means, for precondition and recovery rules (default: safe-to-proceed, green). */
  wait?: WaitKind;
  /** Which candidates it judges; run-wide rules ignore the candidate. */
  appliesTo: (candidate: NodeView, ctx: RuleContext) => boolean;
  /** A reason to refuse, or null when satisfied. */
  check: (candidate: NodeView, ctx: RuleContext) => string | null;
}

/**
 * A check that ignores the candidate, judged once per context (one tick's decision) however many
 * candidates ask: before anything changes every stale node is judged, and a run-wide check that
 * reads every node or instance would make that cost grow with the square of the cluster.
 */
export function onceForAllCandidates(check: (ctx: RuleContext) => string | null): Rule['check'] {
  const judged = new WeakMap<RuleContext, string | null>();
  return (_c, ctx) => {
    const known = judged.get(ctx);
    if (known !== undefined) return known;
    const reason = check(ctx);
    judged.set(ctx, reason);
    return reason;
  };
}

export const always = (): boolean => true;
export const dataCandidate = (c: NodeView): boolean => c.isData;
export const masterCandidate = (c: NodeView): boolean => c.isMasterEligible;

export function list(items: string[], max = 5): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
