// Where a finished plan or run goes: the report file (if asked) and stdout, as a table or JSON.

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
}
