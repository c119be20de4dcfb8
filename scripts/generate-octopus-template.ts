// Writes deploy/octopus/es-rolling-upgrade.step-template.json, the Octopus step template, from the
// settings table and deploy/octopus/step-template.sh. With --check it writes nothing and exits 1 if
// the file is stale.
//   node scripts/generate-octopus-template.ts [--check]

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildStepTemplate } from '../src/octopus/step-template.ts';

export const STEP_TEMPLATE_FILE = fileURLToPath(new URL('../deploy/octopus/es-rolling-upgrade.step-template.json', import.meta.url));
export const STEP_TEMPLATE_SCRIPT = fileURLToPath(new URL('../deploy/octopus/step-template.sh', import.meta.url));

export function stepTemplateText(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  const template = buildStepTemplate({ script: readFileSync(STEP_TEMPLATE_SCRIPT, 'utf8'), toolVersion: pkg.version });
  return `${JSON.stringify(template, null, 2)}\n`;
}

if (import.meta.main) {
  const text = stepTemplateText();
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(STEP_TEMPLATE_FILE, 'utf8');
    } catch {
      // missing: stale
    }
    if (current !== text) {
      process.stderr.write(`${STEP_TEMPLATE_FILE} is out of date: run npm run octopus:template\n`);
      process.exit(1);
    }
  } else {
    writeFileSync(STEP_TEMPLATE_FILE, text);
    process.stdout.write(`wrote ${STEP_TEMPLATE_FILE}\n`);
  }
}
