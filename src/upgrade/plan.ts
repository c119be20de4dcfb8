// The ordered plan: which nodes are stale and in what order they are replaced. Pure.

import type { Order } from './model.ts';
import type { GroupLaunchCheck, Plan, PlanRow, UpgradeOptions } from './plan-model.ts';
import { zoneBatches, zoneBatchesUnavailable } from './batches.ts';
import type { NodeView, World } from './world.ts';

const ORDER_REASONS: Record<Order, string> = {
  'masters-first':
    'masters first (default): master-eligible nodes, elected master last, then data nodes. Elastic recommends ' +
    'data nodes first because an older node cannot always join a cluster whose master is newer; prefer ' +
    '--order data-first when crossing minor or major versions',
  'data-first':
    "data first (--order data-first): data nodes, then master-eligible nodes with the elected master last, as " +
    "Elastic's rolling-upgrade guide recommends, so no older node ever has to join a newer master",
};

export function isStale(view: NodeView, targetVersion: string): boolean {
  return view.instance !== undefined && view.versionTag !== targetVersion;
}

/** Stale nodes in the order they will be replaced; the elected master is last within its phase. */
export function replacementOrder(world: World, options: Pick<UpgradeOptions, 'order' | 'targetVersion'>): NodeView[] {
  const stale = world.nodes.filter((n) => isStale(n, options.targetVersion));
  const byPhase = (phase: NodeView['phase']): NodeView[] =>
    stale
      .filter((n) => n.phase === phase)
      .sort((a, b) => Number(a.isElectedMaster) - Number(b.isElectedMaster) || a.node.name.localeCompare(b.node.name));
  return options.order === 'masters-first'
    ? [...byPhase('master'), ...byPhase('data')]
    : [...byPhase('data'), ...byPhase('master')];
}

function checkGroupLaunchVersions(world: World, targetVersion: string): GroupLaunchCheck[] {
  return world.groups.map((g) => ({
    groupName: g.name,
    launchVersion: g.launchVersion,
    source: g.launchVersionSource,
    atTarget: g.launchVersion === targetVersion,
  }));
}

function reasonFor(view: NodeView, options: UpgradeOptions): string {
  const key = options.versionTagKey;
  if (!view.instance) return 'no EC2 instance found for this node: cannot replace it';
  if (view.versionTag === undefined) return `instance ${view.instance.id} has no ${key} tag`;
  if (view.versionTag === options.targetVersion) return `${key}=${view.versionTag} is the target`;
  return `${key}=${view.versionTag}, target ${options.targetVersion}`;
}

function zonePlan(world: World, batches: NodeView[][]): Pick<Plan, 'batches' | 'batchRefusal'> {
  const refusal = zoneBatchesUnavailable(world);
  return {
    batches: batches.map((b, i) => ({ number: i + 1, zone: b[0]?.instance?.availabilityZone ?? '?', nodeNames: b.map((n) => n.node.name) })),
    ...(refusal ? { batchRefusal: refusal } : {}),
  };
}

export function buildPlan(world: World, options: UpgradeOptions): Plan {
  const byName = replacementOrder(world, options);
  const batches = options.batch === 'zone' ? zoneBatches(world, byName.filter((n) => n.isData), options) : [];
  // With batches, the data nodes' steps follow them: a batch's nodes go together.
  const batched = batches.flat();
  let next = 0;
  const order = byName.map((n) => (batched.includes(n) ? (batched[next++] ?? n) : n));
  const position = new Map(order.map((n, i) => [n.node.id, i + 1]));
  const batchOf = new Map(batches.flatMap((b, i) => b.map((n) => [n.node.id, i + 1] as const)));
  const toRow = (view: NodeView): PlanRow => ({
    step: position.get(view.node.id) ?? 0,
    phase: view.phase,
    nodeName: view.node.name,
    nodeId: view.node.id,
    roles: view.node.roles,
    esVersion: view.node.version,
    isElectedMaster: view.isElectedMaster,
    instanceId: view.instance?.id,
    groupName: view.group?.name ?? view.instance?.groupName,
    availabilityZone: view.instance?.availabilityZone,
    versionTag: view.versionTag,
    action: position.has(view.node.id) ? 'replace' : 'keep',
    reason: reasonFor(view, options),
    ...(batchOf.has(view.node.id) ? { batch: batchOf.get(view.node.id) } : {}),
  });
  const kept = world.nodes
    .filter((n) => !position.has(n.node.id))
    .sort((a, b) => a.node.name.localeCompare(b.node.name));
  return {
    targetVersion: options.targetVersion,
    order: options.order,
    orderReason: ORDER_REASONS[options.order],
    strategy: options.strategy,
    rows: [...order, ...kept].map(toRow),
    orphans: world.orphans,
    groups: checkGroupLaunchVersions(world, options.targetVersion),
    toReplace: order.length,
    ...(options.batch === 'zone' ? zonePlan(world, batches) : {}),
  };
}
