// Safety rules, one named predicate each. A refusal is a value (rule, node, reason), not an error.
//
// `transient` rules describe a moment (shards moving, a node still joining): the runner waits for
// them. Structural rules describe the set-up (a template launching the wrong version, a shard with
// no other copy): waiting will not help, so the run refuses (before any termination) or halts.

import type { AutoScalingGroup } from './model.ts';
import type { Refusal, UpgradeOptions } from './plan-model.ts';
import { isStale } from './plan.ts';
import { copiesOf } from './shard-copies.ts';
import type { Settlement } from './version-conflicts.ts';
import { isAlive, type NodeView, type World } from './world.ts';

export interface RuleContext {
  world: World;
  options: UpgradeOptions;
  settlement: Settlement;
  /** True before this run has changed anything. */
  atStart: boolean;
  /** Instances without a node that were there at the start and are ignored (--orphans ignore). */
  ignoredInstanceIds: ReadonlySet<string>;
}

export interface Rule {
  name: string;
  transient: boolean;
  /** Which candidates it judges; run-wide rules ignore the candidate. */
  appliesTo: (candidate: NodeView, ctx: RuleContext) => boolean;
  /** A reason to refuse, or null when satisfied. */
  check: (candidate: NodeView, ctx: RuleContext) => string | null;
}

const always = (): boolean => true;
const dataCandidate = (c: NodeView): boolean => c.isData;
const masterCandidate = (c: NodeView): boolean => c.isMasterEligible;

function groupsOfStaleNodes(ctx: RuleContext): AutoScalingGroup[] {
  const names = new Set(
    ctx.world.nodes.filter((n) => n.group && isStale(n, ctx.options.targetVersion)).map((n) => n.group?.name),
  );
  return ctx.world.groups.filter((g) => names.has(g.name));
}

function list(items: string[], max = 5): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

export const RULES: Rule[] = [
  {
    name: 'launch_template_at_target',
    transient: false,
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
  },
  {
    name: 'group_processes_active',
    transient: false,
    appliesTo: always,
    check: (_c, ctx) => {
      const suspended = groupsOfStaleNodes(ctx).filter((g) =>
        g.suspendedProcesses.some((p) => p === 'Launch' || p === 'Terminate'),
      );
      if (suspended.length === 0) return null;
      return suspended.map((g) => `group ${g.name} has suspended processes: ${g.suspendedProcesses.join(', ')}`).join('; ');
    },
  },
  {
    name: 'no_orphans',
    transient: false,
    appliesTo: (_c, ctx) => ctx.atStart && ctx.options.orphans === 'refuse',
    check: (_c, { world }) => {
      const parts: string[] = [];
      const nodes = world.orphans.nodesWithoutInstance;
      const instances = world.orphans.instancesWithoutNode;
      if (nodes.length > 0) parts.push(`nodes with no EC2 instance: ${list(nodes.map((n) => `${n.nodeName} (${n.ip})`))}`);
      if (instances.length > 0) {
        parts.push(`instances with no node: ${list(instances.map((i) => `${i.instanceId} (${i.groupName ?? '?'})`))}`);
      }
      return parts.length === 0 ? null : `${parts.join('; ')}; pass --orphans ignore to proceed regardless`;
    },
  },
  {
    name: 'node_in_group',
    transient: false,
    appliesTo: always,
    check: (c) => (c.group ? null : `instance ${c.instance?.id ?? '?'} is not in an Auto Scaling Group we can see`),
  },
  {
    name: 'cluster_not_red',
    transient: false,
    appliesTo: always,
    check: (_c, { world }) => (world.cluster.health.status === 'red' ? 'cluster health is red' : null),
  },
  {
    name: 'all_expected_nodes_present',
    transient: true,
    appliesTo: always,
    check: (_c, ctx) => findReplacementUnderWay(ctx.world, ctx.ignoredInstanceIds)?.detail ?? null,
  },
  {
    name: 'master_elected',
    transient: true,
    appliesTo: always,
    check: (_c, { world }) => (world.cluster.masterNodeId ? null : 'no elected master'),
  },
  {
    name: 'one_master_at_a_time',
    transient: true,
    appliesTo: masterCandidate,
    check: (_c, { world }) => {
      const masterGroups = new Set(world.nodes.filter((n) => n.isMasterEligible && n.group).map((n) => n.group?.name));
      const expected = world.groups.filter((g) => masterGroups.has(g.name)).reduce((s, g) => s + g.desiredCapacity, 0);
      const present = world.nodes.filter((n) => n.isMasterEligible && n.group).length;
      return present >= expected ? null : `${present} of ${expected} master-eligible nodes present`;
    },
  },
  {
    name: 'voting_config_settled',
    transient: true,
    appliesTo: masterCandidate,
    check: (_c, { world }) => {
      const present = new Set(world.cluster.nodes.map((n) => n.id));
      const departed = world.cluster.votingConfigNodeIds.filter((id) => !present.has(id));
      return departed.length === 0
        ? null
        : `voting configuration still names departed node${departed.length > 1 ? 's' : ''} ${departed.join(', ')}`;
    },
  },
  {
    name: 'no_moving_shards',
    transient: true,
    appliesTo: dataCandidate,
    check: (_c, { world }) => {
      const h = world.cluster.health;
      return h.initializingShards + h.relocatingShards === 0
        ? null
        : `${h.initializingShards} initializing and ${h.relocatingShards} relocating shards`;
    },
  },
  {
    name: 'cluster_settled',
    transient: true,
    appliesTo: always,
    check: (_c, { settlement, options }) => {
      if (settlement.kind === 'green') return null;
      if (settlement.kind === 'version-conflicts-only') {
        return options.versionConflicts === 'accept'
          ? null
          : `${settlement.conflicts.length} replicas unassigned by version conflicts and --version-conflicts reject is set`;
      }
      const first = settlement.blockers[0];
      return first ? `${settlement.reason}; e.g. [${first.index}][${first.shard}]: ${first.reason}` : settlement.reason;
    },
  },
  {
    name: 'no_single_copy_shards',
    transient: false,
    appliesTo: (c, ctx) => c.isData && ctx.options.strategy === 'replace',
    check: (c, { world }) => {
      // A shard with no other copy at all (no replicas configured): waiting will not create one.
      const lonely = world.cluster.shards.filter((s) => s.node === c.node.name && copiesOf(world.cluster.shards, s).length < 2);
      if (lonely.length === 0) return null;
      return (
        `${lonely.length} shard cop${lonely.length === 1 ? 'y has' : 'ies have'} no other copy ` +
        `(${list(lonely.map((s) => `[${s.index}][${s.shard}]`))}): terminating the node would lose data; ` +
        'add replicas, or use --strategy drain to move the shards off first'
      );
    },
  },
  {
    name: 'require_other_started_copy',
    transient: true,
    appliesTo: (c, ctx) => c.isData && ctx.options.strategy === 'replace',
    check: (c, { world }) => {
      // Replicas being rebuilt (unassigned or initializing) will do once started: wait for them.
      const onNode = world.cluster.shards.filter((s) => s.node === c.node.name);
      const unprotected = onNode.filter(
        (s) => !copiesOf(world.cluster.shards, s).some((o) => o.node !== c.node.name && o.node !== undefined && o.state === 'STARTED'),
      );
      if (unprotected.length === 0) return null;
      return `${unprotected.length} shard cop${unprotected.length === 1 ? 'y has' : 'ies have'} no other started copy yet (${list(unprotected.map((s) => `[${s.index}][${s.shard}]`))})`;
    },
  },
];

export const RULE_NAMES = RULES.map((r) => r.name);

export type ReplacementUnderWay =
  /** Nodes whose instance is going or gone but which are still in the cluster. */
  | { kind: 'leaving'; nodes: NodeView[]; detail: string }
  /** An instance launched that has no node yet, or a group still short of its desired capacity. */
  | { kind: 'joining'; detail: string };

/** A replacement under way anywhere in the cluster's groups, as the world shows it, or null. */
export function findReplacementUnderWay(
  world: World,
  ignoredInstanceIds: ReadonlySet<string> = new Set(),
): ReplacementUnderWay | null {
  const departing = world.nodes.filter((n) => n.instance && !isAlive(n.instance));
  if (departing.length > 0) {
    return {
      kind: 'leaving',
      nodes: departing,
      detail: `node ${departing.map((n) => `${n.node.name} (instance ${n.instance?.id} ${n.instance?.state})`).join(', ')} still in the cluster`,
    };
  }
  const joining = world.orphans.instancesWithoutNode.filter((i) => !ignoredInstanceIds.has(i.instanceId));
  if (joining.length > 0) {
    return { kind: 'joining', detail: `instance ${joining.map((i) => `${i.instanceId} (${i.state})`).join(', ')} has not joined the cluster yet` };
  }
  for (const g of world.groups) {
    const alive = world.fleet.instances.filter((i) => i.groupName === g.name && isAlive(i)).length;
    if (alive < g.desiredCapacity) return { kind: 'joining', detail: `group ${g.name} has ${alive} of ${g.desiredCapacity} desired instances` };
  }
  return null;
}

export interface Evaluation {
  refusals: (Refusal & { transient: boolean })[];
}

export function evaluateRules(candidate: NodeView, ctx: RuleContext, rules: Rule[] = RULES): Evaluation {
  const disabled = new Set(ctx.options.disabledRules);
  const refusals: Evaluation['refusals'] = [];
  for (const rule of rules) {
    if (disabled.has(rule.name) || !rule.appliesTo(candidate, ctx)) continue;
    const reason = rule.check(candidate, ctx);
    if (reason !== null) refusals.push({ rule: rule.name, node: candidate.node.name, reason, transient: rule.transient });
  }
  return { refusals };
}
