import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeHtmlReportFile } from '../../src/cli/write-report.ts';
import { renderHtmlReport } from '../../src/report/html-report.ts';
import { aReport } from '../support/report-builder.ts';

describe('writeHtmlReportFile', () => {
  it('replaces the file with the whole page and leaves no temporary file behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'esru-html-'));
    const path = join(dir, 'upgrade-report.html');
    writeFileSync(path, 'old');
    const report = aReport('completed').withReplacedNode('es-data-1', 'i-0aaa').build();

    await writeHtmlReportFile(path, report);

    expect(readFileSync(path, 'utf8')).toBe(renderHtmlReport(report));
    expect(readdirSync(dir)).toEqual(['upgrade-report.html']);
  });

  it('fails when the directory is gone', async () => {
    await expect(writeHtmlReportFile(join(tmpdir(), 'esru-no-such-dir', 'r.html'), aReport('completed').build())).rejects.toThrow(/ENOENT/);
  });
});
