#!/usr/bin/env node
// Launcher. It must run on any Node.js >= 14, so it is plain JavaScript with no top-level await,
// nothing newer than ES2020 and bare module names ("node:fs" needs 14.18): an older Node gets one line
// naming the version needed (exit 2, as for any other bad environment value) instead of a stack trace
// from the CLI's own modules.
import { existsSync } from 'fs';
import process from 'process';
import { URL } from 'url';

// In step with "engines" in package.json (test/package/launcher.test.ts holds them together): 22.18
// is the first 22.x that runs TypeScript without a flag and has import.meta.main.
const NEEDED = [22, 18];

const found = process.versions.node;
const [major, minor] = found.split('.').map(Number);

if (major < NEEDED[0] || (major === NEEDED[0] && minor < NEEDED[1])) {
  process.stderr.write(`es-rolling-upgrade needs Node.js ${NEEDED.join('.')} or later; this is Node.js ${found} (${process.execPath})\n`);
  process.exit(2);
} else {
  // A clone runs its TypeScript sources, so a dist/ left by an earlier build can never be stale; the
  // package and the image ship only the compiled dist/.
  const source = new URL('../src/cli/main.ts', import.meta.url);
  const built = new URL('../dist/cli/main.js', import.meta.url);
  import(existsSync(source) ? source.href : built.href).then((cli) => cli.runCli());
}
