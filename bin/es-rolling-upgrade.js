#!/usr/bin/env node
// Launcher: the compiled CLI when built (npm run build), else the TypeScript source (Node >= 22.18).
import { existsSync } from 'node:fs';
import { URL } from 'node:url';

const built = new URL('../dist/cli/main.js', import.meta.url);
const source = new URL('../src/cli/main.ts', import.meta.url);
const { runCli } = await import(existsSync(built) ? built.href : source.href);
await runCli();
