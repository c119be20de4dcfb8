// A run's report as people read it: outcome, per-node timeline with durations, refusals, version
// conflicts accepted, replicas placed, final health and the instances terminated. Pure.

import type { NodeTimeline, UpgradeReport } from '../upgrade/plan-model.ts';
import { formatDuration } from '../app/duration.ts';
import { formatRefusals } from './format-plan.ts';
import { renderTable } from './table.ts';

export function formatReport(report: UpgradeReport): string {
  const parts: string[] = [];
  parts.push(
    [
      `Outcome: ${report.outcome} (exit ${report.exitCode.toString()})`,
      `  ${report.message}`,
      `  target ${report.targetVersion}, ${report.order}, strategy ${report.strategy}; took ${formatDuration(report.durationMs)} (${report.startedAt} to ${report.finishedAt})`,
      `  es-rolling-upgrade ${report.toolVersion}, report schema ${report.schemaVersion.toString()}`,
    ].join('\n') + '\n',
  );
  parts.push(formatNodes(report.nodes));
  if (report.refusals.length > 0) parts.push(formatRefusals(report.refusals));
  parts.push(formatConflicts(report));
  if (report.replicasPlaced.length > 0) parts.push(formatPlaced(report));
  parts.push(formatHealth(report));
  parts.push(formatInstances('Terminated instances', report.terminatedInstanceIds));
  if (report.previouslyTerminatedInstanceIds.length > 0) {
    parts.push(formatInstances('Terminated by earlier runs for this target', report.previouslyTerminatedInstanceIds));
  }
  return parts.join('\n');
}

function formatNodes(nodes: readonly NodeTimeline[]): string {
  if (nodes.length === 0) return 'Nodes: none touched\n';
  const lines = ['Nodes:'];
  nodes.forEach((n, i) => {
    const from = `${n.nodeName}${n.instanceId ? ` (${n.instanceId})` : ''}`;
    const to = n.replacementNodeName
      ? ` -> ${n.replacementNodeName}${n.replacementInstanceId ? ` (${n.replacementInstanceId})` : ''}`
      : '';
    const took = n.durationMs !== undefined ? `, ${formatDuration(n.durationMs)}` : '';
    lines.push(`  ${(i + 1).toString()}. [${n.phase}] ${from}${to}: ${n.outcome}${took}`);
    if (n.waits.length > 0) {
      const waits = n.waits.map((w) => {
        const d = w.durationMs !== undefined ? ` ${formatDuration(w.durationMs)}` : '';
        return `${w.kind}${d}${w.outcome === 'met' ? '' : ` (${w.outcome})`}`;
      });
      lines.push(`       waits: ${waits.join(', ')}`);
    }
  });
  return lines.join('\n') + '\n';
}

function formatConflicts(report: UpgradeReport): string {
  const conflicts = report.versionConflictsAccepted;
  if (conflicts.length === 0) return 'Version conflicts accepted: none\n';
  const rows = conflicts.map((c) => [c.index, c.shard.toString(), c.at, c.explanation]);
  return `Version conflicts accepted (replicas waiting for a node of the newer version): ${conflicts.length.toString()}\n${renderTable(['INDEX', 'SHARD', 'AT', 'EXPLANATION'], rows, '  ')}\n`;
}

function formatPlaced(report: UpgradeReport): string {
  const rows = report.replicasPlaced.map((r) => [r.index, r.shard.toString(), r.node, r.at]);
  return `Replicas placed (held back by the balancer): ${rows.length.toString()}\n${renderTable(['INDEX', 'SHARD', 'NODE', 'AT'], rows, '  ')}\n`;
}

function formatHealth(report: UpgradeReport): string {
  const h = report.finalHealth;
  if (!h) return 'Final health: unknown\n';
  return `Final health: ${h.status}, ${h.numberOfNodes.toString()} nodes, ${h.unassignedShards.toString()} unassigned shards\n`;
}

function formatInstances(title: string, ids: readonly string[]): string {
  return `${title}: ${ids.length > 0 ? ids.join(', ') : 'none'}\n`;
}
