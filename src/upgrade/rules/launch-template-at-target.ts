import { groupsOfStaleNodes } from './groups.ts';
import { always, type Rule } from './rule.ts';

/** Every group with a stale node launches the target version, or each replacement would come back stale. */
export const launchTemplateAtTarget: Rule = {
  name: 'launch_template_at_target',
  kind: 'structural',
  appliesTo: always,
  check: (_c, ctx) => {
    const wrong = groupsOfStaleNodes(ctx).filter((g) => g.launchVersion !== ctx.options.targetVersion);
    if (wrong.length === 0) return null;
    return wrong
      .map(
        (g) =>
          `group ${g.name} would launch ${ctx.options.versionTagKey}=${g.launchVersion ?? 'unknown'} (${g.launchVersionSource ?? 'no launch template or group tag found'}), not ${ctx.options.targetVersion}: every replacement would come back stale`,
      )
      .join('; ');
  },
};
