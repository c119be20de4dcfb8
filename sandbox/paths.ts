// Where the proving ground keeps things: downloads in .cache/, live state in .sandbox/.

import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));
export const cacheDir = join(repoRoot, '.cache');
/**
 * SANDBOX_DIR lets a second sandbox (e.g. a fixture capture) live beside the main one. Set but empty
 * means the default: an empty value made every path relative to the working directory, where `down`
 * found no sandbox and stopped nothing.
 */
export const sandboxDir = resolve(process.env.SANDBOX_DIR || join(repoRoot, '.sandbox'));

export function esHome(version: string): string {
  return join(cacheDir, 'elasticsearch', version);
}

export const motoServerBin = join(cacheDir, 'venv', 'bin', 'moto_server');
