// Where a finished plan or run goes: the report file (if asked) and stdout, as a table or JSON.

import { emitOctopusMessages } from '../octopus/emit-octopus.ts';
import { isRunningUnderOctopus } from '../octopus/service-messages.ts';
import type { UpgradeReport } from '../upgrade/plan-model.ts';
import type { CommandContext } from './context.ts';
import { writeReportFile } from './write-report.ts';

export async function emitReport(
  ctx: CommandContext,
  report: UpgradeReport,
  format: (report: UpgradeReport) => string,
): Promise<void> {
  // The file first: deployment tooling relies on it even if stdout is gone.
  if (ctx.config.reportFile !== undefined) {
    await writeReportFile(ctx.config.reportFile, report);
    ctx.log.info({ file: ctx.config.reportFile }, 'report written');
  }
  ctx.io.stdout(ctx.config.output === 'json' ? JSON.stringify(report, null, 2) + '\n' : format(report));
  if (ctx.config.octopus ?? isRunningUnderOctopus(ctx.io.env)) {
    // Octopus collects the report as an artifact: this run's, so written now when no --report asked.
    const reportPath = ctx.config.reportFile ?? OCTOPUS_REPORT_FILE;
    if (ctx.config.reportFile === undefined) await writeReportFile(reportPath, report);
    emitOctopusMessages(report, { reportPath, write: (text) => ctx.io.stdout(text) });
  }
}

/** Where the report goes for Octopus when no --report is given (the step's working directory). */
export const OCTOPUS_REPORT_FILE = 'es-rolling-upgrade-report.json';
