import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeReportFile } from '../../src/cli/write-report.ts';
import { aReport } from '../support/report-builder.ts';

describe('writeReportFile', () => {
  it('replaces the file as a whole and leaves no temporary file behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'esru-report-'));
    const path = join(dir, 'upgrade-report.json');
    writeFileSync(path, '{"old": true}');
    const report = aReport('completed').withReplacedNode('es-data-1', 'i-0aaa').build();

    await writeReportFile(path, report);

    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(report);
    expect(readdirSync(dir)).toEqual(['upgrade-report.json']);
  });

  it('fails, leaving nothing behind, when the directory is gone', async () => {
    const path = join(tmpdir(), 'esru-no-such-dir', 'nested', 'report.json');
    await expect(writeReportFile(path, aReport('completed').build())).rejects.toThrow(/ENOENT/);
  });
});
