// What the CLI prints when it runs as an Octopus step: the output variables a later step reads
// (`#{Octopus.Action[Upgrade].Output.TerminatedInstanceIds}`), the JSON report as an artifact, and on
// a non-zero exit a one-line result message.

import { existsSync, statSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { UpgradeReport } from '../upgrade/plan-model.ts';
import { createArtifactMessage, resultMessage, setVariableMessage } from './service-messages.ts';

export interface OctopusArtifact {
  /** Absolute path of the file Octopus collects after the step. */
  path: string;
  /** Name the artifact gets in Octopus. */
  name: string;
  /** Size in bytes. */
  length: number;
}

/** The output variables, in the order they are printed. */
export function octopusOutputVariables(report: UpgradeReport): [name: string, value: string][] {
  return [
    ['UpgradeOutcome', report.outcome],
    ['TerminatedInstanceIds', report.terminatedInstanceIds.join(',')],
    ['PreviouslyTerminatedInstanceIds', report.previouslyTerminatedInstanceIds.join(',')],
    ['ReplacedNodes', report.nodes.filter((n) => n.outcome === 'replaced').map((n) => n.nodeName).join(',')],
  ];
}

/** The service-message lines for a finished run, without line ends. Pure. */
export function octopusMessagesFor(report: UpgradeReport, ...artifacts: OctopusArtifact[]): string[] {
  const lines = octopusOutputVariables(report).map(([name, value]) => setVariableMessage(name, value));
  for (const artifact of artifacts) lines.push(createArtifactMessage(artifact));
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
  write: (text: string) => void;
}

/** Print the service messages for `report`, attaching the report file as an artifact. */
export function emitOctopusMessages(report: UpgradeReport, options: EmitOctopusOptions): void {
  const path = resolve(options.reportPath);
  if (!existsSync(path)) writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
  const artifacts = [path, ...(options.htmlPath === undefined ? [] : [resolve(options.htmlPath)])].map(
    (file): OctopusArtifact => ({ path: file, name: basename(file), length: statSync(file).size }),
  );
  for (const line of octopusMessagesFor(report, ...artifacts)) options.write(`${line}\n`);
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}
