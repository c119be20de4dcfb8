// `--html FILE`: the report page, written as the JSON report is (whole or not at all).

import { writeFileAtomically } from '../cli/write-report.ts';
import type { UpgradeReport } from '../upgrade/plan-model.ts';
import { renderHtmlReport } from './html-report.ts';

export async function writeHtmlReport(path: string, report: UpgradeReport): Promise<void> {
  await writeFileAtomically(path, renderHtmlReport(report));
}
