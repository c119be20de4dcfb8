// The launcher (bin/es-rolling-upgrade.js): it parses on old Node.js, refuses one older than the
// package's engines in one line, and runs the sources in a clone, the compiled dist/ in the package.

import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Linter } from 'eslint';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const launcher = join(root, 'bin/es-rolling-upgrade.js');
const text = readFileSync(launcher, 'utf8');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string }; bin: Record<string, string> };

/** The first Node.js on the PATH older than 22.18 (the system one on Debian 12 is 20), if any. */
function oldNode(): { path: string; version: string } | undefined {
  const which = spawnSync('which', ['-a', 'node'], { encoding: 'utf8' });
  for (const path of which.stdout.split('\n').filter(Boolean)) {
    const version = spawnSync(path, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
    const [major = 0, minor = 0] = version.split('.').map(Number);
    if (major < 22 || (major === 22 && minor < 18)) return { path, version };
  }
  return undefined;
}
const old = oldNode();
if (!old) console.warn('no Node.js older than 22.18 on the PATH: skipping the refusal on old Node (scripts/check-package.sh says so too)');

describe('the launcher', () => {
  it('is the package bin', () => {
    expect(Object.values(pkg.bin)).toEqual(['bin/es-rolling-upgrade.js']);
  });

  it('needs the Node.js version package.json engines names', () => {
    const needed = /^const NEEDED = \[(\d+), (\d+)\];$/m.exec(text);
    expect(needed).not.toBeNull();
    expect(pkg.engines.node).toBe(`>=${needed?.[1] ?? ''}.${needed?.[2] ?? ''}`);
  });

  it('parses as ES2020, what Node.js 14 reads: no top-level await, no newer syntax', () => {
    const messages = new Linter().verify(text, { languageOptions: { ecmaVersion: 2020, sourceType: 'module' } });
    expect(messages).toEqual([]);
    // The check itself bites: the same file with a top-level await is refused.
    const newer = new Linter().verify(`${text}\nawait Promise.resolve();\n`, { languageOptions: { ecmaVersion: 2020, sourceType: 'module' } });
    expect(newer.map((m) => m.fatal)).toContain(true);
  });

  it.skipIf(!old)('refuses an older Node.js in one line naming both versions, exit 2', () => {
    const result = spawnSync(old?.path ?? 'node', [launcher, 'demo'], { encoding: 'utf8' });
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`es-rolling-upgrade needs Node.js 22.18 or later; this is Node.js ${old?.version ?? ''} (${old?.path ?? ''})\n`);
    expect(result.status).toBe(2);
  });

  describe('runs', () => {
    const dirs: string[] = [];
    afterAll(() => {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    });

    /** A copy of the launcher beside a stub CLI in dist/ and, for a clone, one in src/; what it ran. */
    function launchFrom(layout: { sources: boolean }): ReturnType<typeof spawnSync> {
      const dir = mkdtempSync(join(tmpdir(), 'esru-launcher-'));
      dirs.push(dir);
      const write = (path: string, content: string): void => {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), content);
      };
      write('package.json', '{"type": "module"}\n');
      write('dist/cli/main.js', "export function runCli() { console.log('dist', process.argv.slice(2).join(' ')); }\n");
      if (layout.sources) write('src/cli/main.ts', "export function runCli(): void { console.log('src', process.argv.slice(2).join(' ')); }\n");
      mkdirSync(join(dir, 'bin'));
      copyFileSync(launcher, join(dir, 'bin/es-rolling-upgrade.js'));
      return spawnSync(process.execPath, [join(dir, 'bin/es-rolling-upgrade.js'), 'demo', '--output', 'json'], { encoding: 'utf8' });
    }

    it('the sources in a clone, even when a build left dist/', () => {
      expect(launchFrom({ sources: true })).toMatchObject({ status: 0, stdout: 'src demo --output json\n', stderr: '' });
    });

    it('the compiled dist/ where there are no sources (the package, the image)', () => {
      expect(launchFrom({ sources: false })).toMatchObject({ status: 0, stdout: 'dist demo --output json\n', stderr: '' });
    });
  });
});
