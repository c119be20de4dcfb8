// The report files are read by deployment tooling and people: each is either the old file or the
// whole new one, never half written (temp file in the same directory, fsync, rename).

import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { renderHtmlReport } from '../report/html-report.ts';
import type { UpgradeReport } from '../upgrade/plan-model.ts';

export async function writeReportFile(path: string, report: UpgradeReport | object): Promise<void> {
  await writeFileAtomically(path, JSON.stringify(report, null, 2) + '\n');
}

/** `--html FILE`: the report as one self-contained page, written the same way. */
export async function writeHtmlReportFile(path: string, report: UpgradeReport): Promise<void> {
  await writeFileAtomically(path, renderHtmlReport(report));
}

/** Write `text` to `path` so that a reader sees the old file or the whole new one (the HTML report too). */
async function writeFileAtomically(path: string, text: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid.toString()}.${randomBytes(4).toString('hex')}.tmp`);
  const file = await open(temp, 'w', 0o644);
  try {
    await file.writeFile(text, 'utf8');
    await file.sync();
  } catch (error) {
    await file.close();
    await rm(temp, { force: true });
    throw error;
  }
  await file.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
