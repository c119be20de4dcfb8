// moto's server mode: a real AWS API emulator on a free loopback port, as a detached process.

import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, readPid } from './es-node.ts';
import { findFreePort } from './free-port.ts';
import { motoServerBin } from './paths.ts';
import { waitFor } from './wait-for.ts';
import { setTimeout as sleep } from 'node:timers/promises';

export interface MotoServer {
  endpoint: string;
  pid: number;
}

export async function startMoto(dir: string): Promise<MotoServer> {
  if (!existsSync(motoServerBin)) throw new Error(`moto is not installed (${motoServerBin}); run scripts/setup-moto.sh`);
  mkdirSync(dir, { recursive: true });
  const port = await findFreePort();
  const out = openSync(join(dir, 'moto.log'), 'a');
  const child = spawn(motoServerBin, ['-H', '127.0.0.1', '-p', String(port)], { detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  child.unref();
  if (child.pid === undefined) throw new Error('could not start moto_server');
  writeFileSync(join(dir, 'moto.pid'), String(child.pid));
  const endpoint = `http://127.0.0.1:${port}`;
  // moto_server answers /moto-api/ once its Flask app is up.
  await waitFor(async () => ((await fetch(`${endpoint}/moto-api/`)).ok ? true : undefined), {
    timeoutMs: 60_000, intervalMs: 250, what: `moto on ${endpoint}`,
  });
  return { endpoint, pid: child.pid };
}

export async function stopMoto(dir: string): Promise<void> {
  const pid = readPid(join(dir, 'moto.pid'));
  if (!isAlive(pid) || pid === undefined) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 50 && isAlive(pid); i++) await sleep(100);
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}
