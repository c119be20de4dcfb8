// Where the proving ground keeps things: downloads in .cache/, live state in .sandbox/.

import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));
export const cacheDir = join(repoRoot, '.cache');
/** SANDBOX_DIR lets a second sandbox (e.g. a fixture capture) live beside the main one. */
export const sandboxDir = process.env.SANDBOX_DIR ?? join(repoRoot, '.sandbox');

export function esHome(version: string): string {
  return join(cacheDir, 'elasticsearch', version);
}

export const motoServerBin = join(cacheDir, 'venv', 'bin', 'moto_server');
