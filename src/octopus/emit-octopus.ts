// What the CLI prints when it runs as an Octopus step: the output variables a later step reads
// (`#{Octopus.Action[Upgrade].Output.TerminatedInstanceIds}`, a manual intervention the plan's
// `PlanSummary`), when asked the deletion of the terminated instances' deployment targets, the
// reports as artifacts, and on a non-zero exit a one-line result message.

import { existsSync, statSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { UpgradeReport } from '../upgrade/plan-model.ts';
import { planSummaryMarkdown } from './plan-summary.ts';
import { createArtifactMessage, deleteTargetMessage, resultMessage, setVariableMessage, STDOUT_DEFAULT, STDOUT_WARNING } from './service-messages.ts';
import { targetsToDelete } from './target-names.ts';

export interface OctopusArtifact {
  /** Absolute path of the file Octopus collects after the step. */
  path: string;
  /** Name the artifact gets in Octopus. */
  name: string;
  /** Size in bytes. */
  length: number;
}

/** The output variables, in the order they are printed. */
function octopusOutputVariables(report: UpgradeReport): [name: string, value: string][] {
  const toReplace = report.plan.rows.filter((r) => r.action === 'replace').sort((a, b) => a.step - b.step);
  return [
    ['UpgradeOutcome', report.outcome],
    ['TerminatedInstanceIds', report.terminatedInstanceIds.join(',')],
    ['PreviouslyTerminatedInstanceIds', report.previouslyTerminatedInstanceIds.join(',')],
    ['ReplacedNodes', report.nodes.filter((n) => n.outcome === 'replaced').map((n) => n.nodeName).join(',')],
    ['NodesToReplace', report.plan.toReplace.toString()],
    ['ReplacementOrder', toReplace.map((r) => r.nodeName).join(',')],
    ['PlanSummary', planSummaryMarkdown(report)],
    ['TerminatedInstances', JSON.stringify(report.terminatedInstances ?? report.terminatedInstanceIds.map((instanceId) => ({ instanceId })))],
  ];
}

export interface OctopusMessageOptions {
  /** Files Octopus collects after the step. */
  artifacts?: readonly OctopusArtifact[];
  /**
   * Template of the deployment-target names to delete, one per terminated instance (see
   * target-names.ts); none deleted when absent.
   */
  deleteTargets?: string | undefined;
}

/**
 * The lines for a finished plan or run, without line ends: service messages, and a plain line for
 * each target not deleted and why. Pure.
 */
export function octopusMessagesFor(report: UpgradeReport, options: OctopusMessageOptions = {}): string[] {
  const lines = octopusOutputVariables(report).map(([name, value]) => setVariableMessage(name, value));
  if (options.deleteTargets !== undefined) {
    const { targets, skipped } = targetsToDelete(report, options.deleteTargets);
    lines.push(setVariableMessage('DeletedTargets', targets.map((t) => t.machine).join(',')));
    // At the warning level: a Tentacle left behind is for someone to look at.
    if (skipped.length > 0) {
      lines.push(STDOUT_WARNING);
      for (const s of skipped) lines.push(`Not deleting the deployment target of ${s.instanceId}: ${s.why}.`);
      lines.push(STDOUT_DEFAULT);
    }
    for (const t of targets) {
      lines.push(`Asking Octopus to delete deployment target ${t.machine} (instance ${t.instanceId}) once this step is over.`);
      lines.push(deleteTargetMessage(t.machine));
    }
  }
  for (const artifact of options.artifacts ?? []) lines.push(createArtifactMessage(artifact));
  if (report.exitCode !== 0) lines.push(resultMessage(oneLine(report.message)));
  return lines;
}

export interface EmitOctopusOptions {
  /**
   * Where the JSON report is (or is to be written). An existing file is attached as it is; otherwise
   * the report is written there first.
   */
  reportPath: string;
  /** The HTML report, already written: attached too. */
  htmlPath?: string;
  /** See OctopusMessageOptions. */
  deleteTargets?: string | undefined;
  write: (text: string) => void;
}

/** Print the service messages for `report`, attaching the report file as an artifact. */
export function emitOctopusMessages(report: UpgradeReport, options: EmitOctopusOptions): void {
  const path = resolve(options.reportPath);
  if (!existsSync(path)) writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
  const artifacts = [path, ...(options.htmlPath === undefined ? [] : [resolve(options.htmlPath)])].map(
    (file): OctopusArtifact => ({ path: file, name: basename(file), length: statSync(file).size }),
  );
  for (const line of octopusMessagesFor(report, { artifacts, deleteTargets: options.deleteTargets })) options.write(`${line}\n`);
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}
