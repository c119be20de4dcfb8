// The tool's own options, as `run` with these flags would have them: benchmarks measure the defaults
// users get, not a copy of them.

import { toConfig } from '../src/app/config.ts';
import { parseSettings } from '../src/app/settings-schema.ts';
import type { UpgradeOptions } from '../src/upgrade/plan-model.ts';

export function toolOptions(targetVersion: string, flags: Record<string, string> = {}): UpgradeOptions {
  const parsed = parseSettings({ 'target-version': targetVersion, ...flags });
  if (!parsed.success) throw new Error(`bad bench options ${JSON.stringify(flags)}: ${parsed.error.message}`);
  return toConfig(parsed.data).upgrade;
}
