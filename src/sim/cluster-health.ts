// The `wait_for_*` conditions of a `_cluster/health` long-poll (the health itself is the routing table's).

import type { ClusterHealth, HealthStatus } from '../upgrade/model.ts';
import type { HealthWait } from '../upgrade/ports.ts';

const RANK: Record<HealthStatus, number> = { red: 0, yellow: 1, green: 2 };

/** Whether `health` satisfies the wait's conditions (its timeout aside). */
export function meetsWait(health: ClusterHealth, wait: HealthWait): boolean {
  if (wait.status && RANK[health.status] < RANK[wait.status]) return false;
  if (wait.nodes !== undefined && !matchesNodes(health.numberOfNodes, wait.nodes)) return false;
  if (wait.noRelocatingShards && health.relocatingShards > 0) return false;
  if (wait.noInitializingShards && health.initializingShards > 0) return false;
  return true;
}

/** `wait_for_nodes`: "6", ">=6", "<=5", ">6", "<6", or "ge(6)", "le(5)", "gt(6)", "lt(6)". */
function matchesNodes(count: number, expression: string): boolean {
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
