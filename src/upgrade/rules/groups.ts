import type { AutoScalingGroup } from '../model.ts';
import { isStale } from '../plan.ts';
import type { RuleContext } from './rule.ts';

/** The groups that hold a node to replace: the ones whose set-up matters to this upgrade. */
export function groupsOfStaleNodes(ctx: RuleContext): AutoScalingGroup[] {
  const names = new Set(ctx.world.nodes.filter((n) => n.group && isStale(n, ctx.options.targetVersion)).map((n) => n.group?.name));
  return ctx.world.groups.filter((g) => names.has(g.name));
}
