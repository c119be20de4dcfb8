import type { AutoScalingGroup } from '../model.ts';
import { isStale } from '../plan.ts';
import type { RuleContext } from './rule.ts';

const found = new WeakMap<RuleContext, AutoScalingGroup[]>();

/** The groups that hold a node to replace: the ones whose set-up matters to this upgrade (once per context). */
export function groupsOfStaleNodes(ctx: RuleContext): AutoScalingGroup[] {
  const known = found.get(ctx);
  if (known) return known;
  const names = new Set(ctx.world.nodes.filter((n) => n.group && isStale(n, ctx.options.targetVersion)).map((n) => n.group?.name));
  const groups = ctx.world.groups.filter((g) => names.has(g.name));
  found.set(ctx, groups);
  return groups;
}
