// Where a finished plan or run goes: the report files (if asked: JSON, then HTML) and stdout, as a
// table or JSON; under Octopus, the service messages that attach the files as artifacts.

import { emitOctopusMessages } from '../octopus/emit-octopus.ts';
import { isRunningUnderOctopus } from '../octopus/service-messages.ts';
import type { UpgradeReport } from '../upgrade/plan-model.ts';
import type { CommandContext } from './context.ts';
import { writeHtmlReportFile, writeReportFile } from './write-report.ts';

export async function emitReport(
  ctx: CommandContext,
  report: UpgradeReport,
  format: (report: UpgradeReport) => string,
): Promise<void> {
  // The files first: deployment tooling relies on them even if stdout is gone.
  await writeReportFiles(ctx, report);
  ctx.io.stdout(ctx.config.output === 'json' ? JSON.stringify(report, null, 2) + '\n' : format(report));
  if (ctx.config.octopus ?? isRunningUnderOctopus(ctx.io.env)) {
    // Octopus collects the report as an artifact: this run's, so written now when no --report asked.
    const reportPath = ctx.config.reportFile ?? OCTOPUS_REPORT_FILE;
    if (ctx.config.reportFile === undefined) await writeReportFile(reportPath, report);
    emitOctopusMessages(report, {
      reportPath,
      ...(ctx.config.htmlFile === undefined ? {} : { htmlPath: ctx.config.htmlFile }),
      write: (text) => ctx.io.stdout(text),
    });
  }
}

/** --report (JSON) and --html, each written whole or not at all; the JSON first, as tools read it. */
export async function writeReportFiles(ctx: Pick<CommandContext, 'config' | 'log'>, report: UpgradeReport): Promise<void> {
  if (ctx.config.reportFile !== undefined) {
    await writeReportFile(ctx.config.reportFile, report);
    ctx.log.info({ file: ctx.config.reportFile }, 'report written');
  }
  if (ctx.config.htmlFile !== undefined) {
    await writeHtmlReportFile(ctx.config.htmlFile, report);
    ctx.log.info({ file: ctx.config.htmlFile }, 'HTML report written');
  }
}

/** Where the report goes for Octopus when no --report is given (the step's working directory). */
export const OCTOPUS_REPORT_FILE = 'es-rolling-upgrade-report.json';
