import { isOwnReplacement } from '../replacements.ts';
import { list, onceForAllCandidates, type Rule } from './rule.ts';

/**
 * Before anything changes: every node has an instance and every instance of the groups a node. This
 * upgrade's own replacements, still booting after an interrupted run, are not orphans: they are awaited.
 */
export const noOrphans: Rule = {
  name: 'no_orphans',
  kind: 'structural',
  appliesTo: (_c, ctx) => ctx.atStart && ctx.options.orphans === 'refuse',
  check: onceForAllCandidates(({ world, lease }) => {
    const parts: string[] = [];
    const nodes = world.orphans.nodesWithoutInstance.filter((n) => !(lease.terminatedNodeIds ?? []).includes(n.nodeId));
    const byId = new Map(world.fleet.instances.map((i) => [i.id, i]));
    const instances = world.orphans.instancesWithoutNode.filter((o) => {
      const instance = byId.get(o.instanceId);
      return !(instance && isOwnReplacement(instance, lease));
    });
    if (nodes.length > 0) parts.push(`nodes with no EC2 instance: ${list(nodes.map((n) => `${n.nodeName} (${n.ip})`))}`);
    if (instances.length > 0) parts.push(`instances with no node: ${list(instances.map((i) => `${i.instanceId} (${i.groupName ?? '?'})`))}`);
    return parts.length === 0 ? null : `${parts.join('; ')}; pass --orphans ignore to proceed regardless`;
  }),
};
