// The safety rules, in the order they are judged: one named predicate per module in rules/. A
// refusal is a value (rule, node, reason, kind), not an error; a rule can be disabled by name.

import type { Refusal } from './plan-model.ts';
import { allExpectedNodesPresent } from './rules/all-expected-nodes-present.ts';
import { allocationEnabled } from './rules/allocation-enabled.ts';
import { clusterNotRed } from './rules/cluster-not-red.ts';
import { clusterSettled } from './rules/cluster-settled.ts';
import { groupProcessesActive } from './rules/group-processes-active.ts';
import { instanceInService } from './rules/instance-in-service.ts';
import { launchTemplateAtTarget } from './rules/launch-template-at-target.ts';
import { masterElected } from './rules/master-elected.ts';
import { moreThanOneMaster } from './rules/more-than-one-master.ts';
import { noMovingShards } from './rules/no-moving-shards.ts';
import { noOrphans } from './rules/no-orphans.ts';
import { noSingleCopyShards } from './rules/no-single-copy-shards.ts';
import { noWarmPool } from './rules/no-warm-pool.ts';
import { nodeInGroup } from './rules/node-in-group.ts';
import { oneMasterAtATime } from './rules/one-master-at-a-time.ts';
import { replacementAtTarget } from './rules/replacement-at-target.ts';
import { requireOtherStartedCopy } from './rules/require-other-started-copy.ts';
import { RULE_NAMES as ALL_RULE_NAMES, type Rule, type RuleContext, type RuleKind } from './rules/rule.ts';
import { votingConfigSettled } from './rules/voting-config-settled.ts';
import { zoneBatchesPossible } from './rules/zone-batches-possible.ts';
import type { NodeView } from './world.ts';

export type { RefusalName, Rule, RuleContext, RuleKind, RuleName } from './rules/rule.ts';

/** Every rule's name, for --disable-rule. */
export const RULE_NAMES: readonly string[] = ALL_RULE_NAMES;

export const RULES: readonly Rule[] = [
  replacementAtTarget,
  launchTemplateAtTarget,
  groupProcessesActive,
  noWarmPool,
  noOrphans,
  nodeInGroup,
  instanceInService,
  allocationEnabled,
  moreThanOneMaster,
  clusterNotRed,
  allExpectedNodesPresent,
  masterElected,
  oneMasterAtATime,
  votingConfigSettled,
  noSingleCopyShards,
  noMovingShards,
  clusterSettled,
  requireOtherStartedCopy,
  zoneBatchesPossible,
];

/** A refusal and what it means for the run. */
export interface JudgedRefusal extends Refusal {
  kind: RuleKind;
  rule: Rule['name'];
}

export function evaluateRules(candidate: NodeView, ctx: RuleContext, rules: readonly Rule[] = RULES): JudgedRefusal[] {
  const disabled = new Set<string>(ctx.options.disabledRules);
  const refusals: JudgedRefusal[] = [];
  for (const rule of rules) {
    if (disabled.has(rule.name) || !rule.appliesTo(candidate, ctx)) continue;
    const reason = rule.check(candidate, ctx);
    if (reason === null) continue;
    refusals.push({ rule: rule.name, node: candidate.node.name, reason, kind: rule.kind });
  }
  return refusals;
}

