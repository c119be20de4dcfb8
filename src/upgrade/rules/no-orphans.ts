import { list, type Rule } from './rule.ts';

/** Before anything changes: every node has an instance and every instance of the groups a node. */
export const noOrphans: Rule = {
  name: 'no_orphans',
  kind: 'structural',
  appliesTo: (_c, ctx) => ctx.atStart && ctx.options.orphans === 'refuse',
  check: (_c, { world }) => {
    const parts: string[] = [];
    const nodes = world.orphans.nodesWithoutInstance;
    const instances = world.orphans.instancesWithoutNode;
    if (nodes.length > 0) parts.push(`nodes with no EC2 instance: ${list(nodes.map((n) => `${n.nodeName} (${n.ip})`))}`);
    if (instances.length > 0) parts.push(`instances with no node: ${list(instances.map((i) => `${i.instanceId} (${i.groupName ?? '?'})`))}`);
    return parts.length === 0 ? null : `${parts.join('; ')}; pass --orphans ignore to proceed regardless`;
  },
};
