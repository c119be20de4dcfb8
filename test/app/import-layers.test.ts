// The wiring shared by the command line and the service lives in src/app: the service never imports
// the command line, and src/app imports neither, so there is no cli -> service -> cli cycle.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Top-level folders of src that a file imports (static and dynamic imports, type imports too). */
function importedLayers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from|import\()\s*'(\.[^']+)'/g)].map((m) => m[1] ?? '');
  return specifiers.map((s) => relative(SRC, resolve(file, '..', s)).split('/')[0] ?? '');
}

describe('import layers', () => {
  it.each([
    ['service', ['cli']],
    ['app', ['cli', 'service']],
  ])('src/%s imports nothing from %j', (layer, forbidden) => {
    const files = filesUnder(join(SRC, layer));
    expect(files.length).toBeGreaterThan(0);
    const offending = files.flatMap((f) =>
      importedLayers(f)
        .filter((l) => forbidden.includes(l))
        .map((l) => `${relative(SRC, f)} -> ${l}`),
    );
    expect(offending).toEqual([]);
  });
});
