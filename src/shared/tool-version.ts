// The version of es-rolling-upgrade itself, from its package.json: two levels up from this module in
// the sources (src/shared/) and in the compiled package (dist/shared/) alike.

import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** The package's version, e.g. "0.1.0"; "unknown" when package.json cannot be read. */
export function toolVersion(): string {
  cached ??= readVersion();
  return cached;
}

/** How the tool names itself to Elasticsearch and AWS: "es-rolling-upgrade/0.1.0". */
export function toolUserAgent(): string {
  return `es-rolling-upgrade/${toolVersion()}`;
}

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}
