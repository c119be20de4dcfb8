// The plan as a manual-intervention step shows it: Markdown (Octopus renders a step's instructions as
// Markdown) short enough to read before approving, from the plan step's output variable
// `#{Octopus.Action[Plan].Output.PlanSummary}`. Pure.

import type { UpgradeReport } from '../upgrade/plan-model.ts';

export function planSummaryMarkdown(report: UpgradeReport): string {
  const plan = report.plan;
  const replaced = plan.rows.filter((r) => r.action === 'replace').sort((a, b) => a.step - b.step);
  const lines = [
    `**${cell(report.outcome)}**: ${cell(report.message)}`,
    '',
    `Target ${plan.targetVersion}: ${plan.toReplace.toString()} of ${plan.rows.length.toString()} node(s) to replace, ${plan.order}, strategy ${plan.strategy}.`,
  ];
  if (replaced.length > 0) {
    lines.push('', '| # | Node | Roles | Instance | Group | Version tag |', '| --- | --- | --- | --- | --- | --- |');
    for (const r of replaced) {
      const node = r.isElectedMaster ? `${r.nodeName} (elected master)` : r.nodeName;
      lines.push(`| ${r.step.toString()} | ${cell(node)} | ${cell(r.roles.join(', '))} | ${cell(r.instanceId ?? '-')} | ${cell(r.groupName ?? '-')} | ${cell(r.versionTag ?? '-')} |`);
    }
  }
  const off = plan.groups.filter((g) => !g.atTarget);
  if (off.length > 0) {
    lines.push('', `**Launch version not ${plan.targetVersion}:** ${off.map((g) => `${cell(g.groupName)} launches ${cell(g.launchVersion ?? 'an unknown version')}`).join('; ')}.`);
  }
  const { nodesWithoutInstance, instancesWithoutNode } = plan.orphans;
  if (nodesWithoutInstance.length + instancesWithoutNode.length > 0) {
    const parts = [
      ...nodesWithoutInstance.map((n) => `node ${cell(n.nodeName)} has no instance`),
      ...instancesWithoutNode.map((i) => `instance ${cell(i.instanceId)} has no node`),
    ];
    lines.push('', `**Orphans:** ${parts.join('; ')}.`);
  }
  if (report.refusals.length > 0) {
    lines.push('', `**${report.mode === 'plan' ? 'A run would refuse now' : 'Refused'}:**`);
    for (const r of report.refusals) lines.push(`- \`${r.rule}\`${r.node ? ` (${cell(r.node)})` : ''}: ${cell(r.reason)}`);
  }
  return lines.join('\n');
}

/** Text for a table cell or a line: no line breaks, pipes escaped. */
function cell(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').replace(/\|/g, '\\|');
}
