// The plan as people read it: the ordered table of nodes, the order and why, the launch-version
// check per group, orphans and, for a plan report, what a run would refuse. Pure.

import type { Plan, PlanRow, Refusal, UpgradeReport } from '../upgrade/plan-model.ts';
import { renderTable, truncate } from './table.ts';

const HEADERS = ['STEP', 'NODE', 'ROLES', 'INSTANCE', 'GROUP', 'AZ', 'VERSION TAG', 'ACTION', 'REASON'];

export function formatPlan(plan: Plan): string {
  const replaced = plan.rows.filter((r) => r.action === 'replace').sort((a, b) => a.step - b.step);
  const kept = plan.rows.filter((r) => r.action !== 'replace');
  const rows = [...replaced, ...kept].map(toCells);
  const sections = [
    `Plan: upgrade to ${plan.targetVersion}; ${plan.toReplace.toString()} of ${plan.rows.length.toString()} node${plural(plan.rows.length)} to replace (strategy ${plan.strategy})`,
    `Order: ${plan.order}: ${plan.orderReason}`,
    ...formatBatches(plan),
    '',
    plan.rows.length > 0 ? renderTable(HEADERS, rows) : '(no nodes found)',
  ];
  if (plan.rows.some((r) => r.isElectedMaster)) sections.push('* elected master');
  sections.push('', formatGroups(plan), '', formatOrphans(plan));
  return sections.join('\n') + '\n';
}

/** The plan command's whole output: the plan, what a run would refuse, and the verdict. */
export function formatPlanReport(report: UpgradeReport): string {
  const parts = [formatPlan(report.plan)];
  if (report.refusals.length > 0) parts.push(formatRefusals(report.refusals, 'A run would refuse now:'));
  parts.push(`${report.outcome}: ${report.message}\n`);
  return parts.join('\n');
}

export function formatRefusals(refusals: readonly Refusal[], title = 'Refusals:'): string {
  const byRule = new Map<string, Refusal[]>();
  for (const r of refusals) byRule.set(r.rule, [...(byRule.get(r.rule) ?? []), r]);
  const rows = [...byRule.values()].flat().map((r) => [r.rule, r.node ?? '-', r.reason]);
  return `${title}\n${renderTable(['RULE', 'NODE', 'REASON'], rows, '  ')}\n`;
}

function toCells(row: PlanRow): string[] {
  return [
    row.step > 0 ? row.step.toString() : '-',
    `${row.nodeName}${row.isElectedMaster ? '*' : ''}`,
    truncate(row.roles.join(','), 32),
    row.instanceId ?? '-',
    row.groupName ?? '-',
    row.availabilityZone ?? '-',
    row.versionTag ?? '-',
    row.action,
    row.reason,
  ];
}

/** With --batch zone: the data nodes' batches in the order the run takes them, or why there are none. */
function formatBatches(plan: Plan): string[] {
  if (plan.batchRefusal !== undefined) return [`Batches: none: ${plan.batchRefusal}`];
  if (!plan.batches || plan.batches.length === 0) return [];
  return [
    `Batches (data nodes of one zone together, one batch at a time):`,
    ...plan.batches.map((b) => `  ${b.number.toString()}  ${b.zone}: ${b.nodeNames.join(', ')}`),
  ];
}

function formatGroups(plan: Plan): string {
  if (plan.groups.length === 0) return 'Launch version: no Auto Scaling Group found';
  const rows = plan.groups.map((g) => [
    g.groupName,
    g.launchVersion ?? 'unknown',
    g.atTarget ? 'ok' : `NOT ${plan.targetVersion}`,
    g.source ?? '',
  ]);
  return `Launch version per group (what a replacement would get):\n${renderTable(['GROUP', 'LAUNCHES', 'CHECK', 'SOURCE'], rows, '  ')}`;
}

function formatOrphans(plan: Plan): string {
  const { nodesWithoutInstance, instancesWithoutNode } = plan.orphans;
  if (nodesWithoutInstance.length === 0 && instancesWithoutNode.length === 0) return 'Orphans: none';
  const lines = ['Orphans:'];
  if (nodesWithoutInstance.length > 0) {
    lines.push('  Nodes without an instance:');
    lines.push(
      renderTable(
        ['NODE', 'NODE ID', 'IP'],
        nodesWithoutInstance.map((n) => [n.nodeName, n.nodeId, n.ip]),
        '    ',
      ),
    );
  }
  if (instancesWithoutNode.length > 0) {
    lines.push('  Instances without a node:');
    lines.push(
      renderTable(
        ['INSTANCE', 'GROUP', 'PRIVATE IP', 'STATE'],
        instancesWithoutNode.map((i) => [i.instanceId, i.groupName ?? '-', i.privateIp ?? '-', i.state]),
        '    ',
      ),
    );
  }
  return lines.join('\n');
}

function plural(n: number): string {
  return n === 1 ? '' : 's';
}
