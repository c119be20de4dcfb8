// Where a finished plan or run goes: the report files (if asked: JSON, then HTML) and stdout, as a
// table or JSON; under Octopus, the service messages that attach the files as artifacts.
//
// The report file is written at the end of what may be hours of work. If that fails (the directory
// vanished, permission was taken away, the disk filled), the run has still happened: its outcome,
// the instances it terminated and the Octopus output variables are printed all the same, the failure
// is said on stderr, and the exit code is the run's own, or ExitCode.reportNotWritten (5) in place
// of a 0, so tooling that needs the file does not read success.

import { emitOctopusMessages, octopusMessagesFor } from '../octopus/emit-octopus.ts';
import { isRunningUnderOctopus, resultMessage, stdoutErrorLines } from '../octopus/service-messages.ts';
import { ExitCode } from '../shared/errors.ts';
import { redactSecrets } from '../shared/redact.ts';
import type { UpgradeReport } from '../upgrade/plan-model.ts';
import type { CommandContext } from './context.ts';
import { writeHtmlReportFile, writeReportFile } from './write-report.ts';

/** Prints and writes the report; resolves with the exit code of the command. */
export async function emitReport(
  ctx: CommandContext,
  report: UpgradeReport,
  format: (report: UpgradeReport) => string,
): Promise<number> {
  // The files first: deployment tooling relies on them even if stdout is gone.
  const { failures, written: files } = await writeReportFiles(ctx, report);
  ctx.io.stdout(ctx.config.output === 'json' ? JSON.stringify(report, null, 2) + '\n' : format(report));
  const octopus = octopusWanted(ctx);
  if (octopus) await emitOctopus(ctx, report, files, failures);
  if (failures.length === 0) return report.exitCode;

  const code = report.exitCode !== ExitCode.ok ? report.exitCode : ExitCode.reportNotWritten;
  const terminated = report.terminatedInstanceIds.length > 0 ? `, terminated ${report.terminatedInstanceIds.join(', ')}` : '';
  const summary = `${failures.join('; ')}. The ${report.mode} itself ended ${report.outcome} (exit ${report.exitCode.toString()})${terminated}; see above. Exit code ${code.toString()}.`;
  ctx.io.stderr(`error: ${summary}\n`);
  if (octopus) octopusError(ctx, `error: ${summary}`, report.exitCode === ExitCode.ok);
  ctx.log.error({ outcome: report.outcome, exitCode: code }, 'the report could not be written');
  return code;
}

/**
 * Under Octopus, stderr is logged as verbose (hidden by default), so an error is said on stdout too,
 * at the error level, and as the step's result message unless the run already gave one.
 */
export function octopusError(ctx: Pick<CommandContext, 'io'>, text: string, asResult = true): void {
  const lines = stdoutErrorLines(text);
  if (asResult) lines.push(resultMessage(text.replace(/\s*[\r\n]+\s*/g, ' ').trim()));
  ctx.io.stdout(lines.map((line) => `${line}\n`).join(''));
}

/** Whether to print Octopus service messages: --octopus, or found running under Octopus. */
export function octopusWanted(ctx: Pick<CommandContext, 'config' | 'io'>): boolean {
  return ctx.config.octopus ?? isRunningUnderOctopus(ctx.io.env);
}

/**
 * The service messages for a finished plan or run, on stdout. Octopus collects the JSON report as an
 * artifact: this run's, so it is written now (to the working directory) when no --report named a
 * file; a failure to write it joins `failures`. Without a file there is no artifact, and the output
 * variables are printed all the same.
 */
export async function emitOctopus(
  ctx: Pick<CommandContext, 'config' | 'settings' | 'io' | 'log'>,
  report: UpgradeReport,
  files: { json?: string; html?: string },
  failures: string[],
): Promise<void> {
  let json = files.json;
  if (ctx.config.reportFile === undefined) {
    const failure = await tryWriteReport(ctx, OCTOPUS_REPORT_FILE, report);
    if (failure === undefined) json = OCTOPUS_REPORT_FILE;
    else failures.push(failure);
  }
  const write = (text: string): void => ctx.io.stdout(text);
  const deleteTargets = report.mode === 'run' ? ctx.settings['octopus-delete-targets'] : undefined;
  if (json !== undefined) {
    emitOctopusMessages(report, { reportPath: json, ...(files.html !== undefined ? { htmlPath: files.html } : {}), deleteTargets, write });
  } else {
    for (const line of octopusMessagesFor(report, { deleteTargets })) write(`${line}\n`);
  }
}

/** --report (JSON) and --html, each written whole or not at all; the JSON first, as tools read it. */
export async function writeReportFiles(
  ctx: Pick<CommandContext, 'config' | 'log'>,
  report: UpgradeReport,
): Promise<{ failures: string[]; written: { json?: string; html?: string } }> {
  const failures: string[] = [];
  const written: { json?: string; html?: string } = {};
  if (ctx.config.reportFile !== undefined) {
    const failure = await tryWriteReport(ctx, ctx.config.reportFile, report);
    if (failure === undefined) written.json = ctx.config.reportFile;
    else failures.push(failure);
  }
  if (ctx.config.htmlFile !== undefined) {
    const failure = await tryWrite(ctx, ctx.config.htmlFile, 'HTML report', () => writeHtmlReportFile(ctx.config.htmlFile ?? '', report));
    if (failure === undefined) written.html = ctx.config.htmlFile;
    else failures.push(failure);
  }
  return { failures, written };
}

/** Writes the report; undefined when done, else what failed, for people. */
function tryWriteReport(ctx: Pick<CommandContext, 'log'>, path: string, report: object): Promise<string | undefined> {
  return tryWrite(ctx, path, 'report', () => writeReportFile(path, report));
}

async function tryWrite(ctx: Pick<CommandContext, 'log'>, path: string, what: string, write: () => Promise<void>): Promise<string | undefined> {
  try {
    await write();
    ctx.log.info({ file: path }, `${what} written`);
    return undefined;
  } catch (error) {
    return redactSecrets(`the ${what} could not be written to ${path}: ${whyNotWritten(error)}`);
  }
}

function whyNotWritten(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const why: Record<string, string> = {
    ENOENT: 'its directory no longer exists',
    ENOTDIR: 'a part of its path is not a directory',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'the file system is read-only',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'the disk quota is exhausted',
    EISDIR: 'it is a directory',
  };
  if (code !== undefined && why[code] !== undefined) return why[code];
  return error instanceof Error ? error.message : String(error);
}

/** Where the report goes for Octopus when no --report is given (the step's working directory). */
const OCTOPUS_REPORT_FILE = 'es-rolling-upgrade-report.json';
