// `_cluster/health` computed from the routing table, and the `wait_for_*` conditions of a long-poll.

import type { ClusterHealth, HealthStatus } from '../upgrade/model.ts';
import type { HealthWait } from '../upgrade/ports.ts';
import { isActive, isDelayed, type AllocCopy } from './shard-allocator.ts';

const RANK: Record<HealthStatus, number> = { red: 0, yellow: 1, green: 2 };

export interface HealthInput {
  numberOfNodes: number;
  numberOfDataNodes: number;
  hasMaster: boolean;
  copies: AllocCopy[];
  nowMs: number;
}

export function computeHealth(input: HealthInput): ClusterHealth {
  const { copies } = input;
  const groups = new Map<string, AllocCopy[]>();
  for (const copy of copies) {
    const key = `${copy.index}\u0000${copy.shard}`;
    groups.set(key, [...(groups.get(key) ?? []), copy]);
  }
  let status: HealthStatus = 'green';
  for (const group of groups.values()) status = worse(status, shardGroupHealth(group));
  // Without an elected master the cluster answers nothing useful: treat it as red.
  if (!input.hasMaster) status = 'red';
  return {
    status,
    numberOfNodes: input.numberOfNodes,
    numberOfDataNodes: input.numberOfDataNodes,
    activeShards: copies.filter(isActive).length,
    relocatingShards: copies.filter((c) => c.state === 'RELOCATING').length,
    initializingShards: copies.filter((c) => c.state === 'INITIALIZING').length,
    unassignedShards: copies.filter((c) => c.state === 'UNASSIGNED').length,
    delayedUnassignedShards: copies.filter((c) => isDelayed(c, input.nowMs)).length,
    timedOut: false,
  };
}

// As Elasticsearch's ClusterShardHealth: an inactive primary is red, except a brand-new one still
// initializing (yellow); with an active primary, any inactive replica (unassigned or still
// recovering) is yellow.
function shardGroupHealth(group: AllocCopy[]): HealthStatus {
  const primary = group.find((c) => c.primary);
  if (!primary || !isActive(primary)) {
    return primary?.state === 'INITIALIZING' && !primary.existingStore ? 'yellow' : 'red';
  }
  return group.every(isActive) ? 'green' : 'yellow';
}

function worse(a: HealthStatus, b: HealthStatus): HealthStatus {
  return RANK[a] <= RANK[b] ? a : b;
}

/** Whether `health` satisfies the wait's conditions (its timeout aside). */
export function meetsWait(health: ClusterHealth, wait: HealthWait): boolean {
  if (wait.status && RANK[health.status] < RANK[wait.status]) return false;
  if (wait.nodes !== undefined && !matchesNodes(health.numberOfNodes, wait.nodes)) return false;
  if (wait.noRelocatingShards && health.relocatingShards > 0) return false;
  if (wait.noInitializingShards && health.initializingShards > 0) return false;
  return true;
}

/** `wait_for_nodes`: "6", ">=6", "<=5", ">6", "<6", or "ge(6)", "le(5)", "gt(6)", "lt(6)". */
export function matchesNodes(count: number, expression: string): boolean {
  const match = /^\s*(>=|<=|>|<|ge\(|le\(|gt\(|lt\()?\s*(\d+)\s*\)?\s*$/.exec(expression);
  if (!match) throw new Error(`invalid wait_for_nodes expression [${expression}]`);
  const n = Number(match[2]);
  switch (match[1]) {
    case '>=':
    case 'ge(':
      return count >= n;
    case '<=':
    case 'le(':
      return count <= n;
    case '>':
    case 'gt(':
      return count > n;
    case '<':
    case 'lt(':
      return count < n;
    default:
      return count === n;
  }
}
