// Writes schema/report.schema.json, the published JSON Schema of the report, from the zod schema in
// src/upgrade/report-schema.ts. With --check it writes nothing and exits 1 if the file is stale
// (the package build runs that, so a tarball never ships a schema behind its code).
//   node scripts/generate-report-schema.ts [--check]

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { reportJsonSchema } from '../src/upgrade/report-schema.ts';

export const REPORT_SCHEMA_FILE = fileURLToPath(new URL('../schema/report.schema.json', import.meta.url));

export function reportSchemaText(): string {
  return `${JSON.stringify(reportJsonSchema(), null, 2)}\n`;
}

if (import.meta.main) {
  const text = reportSchemaText();
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(REPORT_SCHEMA_FILE, 'utf8');
    } catch {
      // missing: stale
    }
    if (current !== text) {
      process.stderr.write(`${REPORT_SCHEMA_FILE} is out of date: run npm run schema\n`);
      process.exit(1);
    }
  } else {
    writeFileSync(REPORT_SCHEMA_FILE, text);
    process.stdout.write(`wrote ${REPORT_SCHEMA_FILE}\n`);
  }
}
