// The sandbox's own long-running helpers (fleet agent, writer): detached Node processes running a
// verb of sandbox/cli.ts, each with a pid file and a log file.

import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive, readPid } from './es-node.ts';
import { repoRoot } from './paths.ts';

export function startBackground(verb: string[], pidFile: string, logFile: string, env: Record<string, string> = {}): number {
  mkdirSync(dirname(pidFile), { recursive: true });
  const out = openSync(logFile, 'a');
  // process.execPath is the Node that runs us (24 under npm/npx), which strips types natively.
  const child = spawn(process.execPath, [join(repoRoot, 'sandbox', 'cli.ts'), ...verb], {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...process.env, ...env },
  });
  closeSync(out);
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${verb.join(' ')}`);
  writeFileSync(pidFile, String(child.pid));
  return child.pid;
}

export function backgroundAlive(pidFile: string): boolean {
  return isAlive(readPid(pidFile));
}

/** SIGTERM, wait for a clean exit, SIGKILL after `graceMs`. */
export async function stopBackground(pidFile: string, graceMs = 10_000): Promise<boolean> {
  const pid = readPid(pidFile);
  if (pid === undefined || !isAlive(pid)) {
    rmSync(pidFile, { force: true });
    return false;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(pidFile, { force: true });
  return true;
}
