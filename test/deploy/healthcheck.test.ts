// The image's HEALTHCHECK command, run as Docker would, against `es-rolling-upgrade serve` started
// through the same launcher the image's ENTRYPOINT uses; then SIGTERM stops the service cleanly. In
// the container the check reads the command line of PID 1; here it reads that of the process the
// test names, the only change made to the command.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const healthcheck = /^HEALTHCHECK [^\n]*\\\n\s+CMD (\[.*\])$/m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'))?.[1];
const PID1 = '/proc/1/cmdline';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The HEALTHCHECK's exit status, as if `pid` were the container's PID 1. */
function check(port: number, pid: number | undefined): number | null {
  const [command = '', ...args] = JSON.parse(healthcheck ?? '[]') as string[];
  return spawnSync(command === 'node' ? process.execPath : command, args.map((a) => a.replace(PID1, `/proc/${String(pid)}/cmdline`)), {
    env: { PATH: process.env.PATH ?? '', ESRU_SERVICE_PORT: String(port) },
    timeout: 10_000,
  }).status;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** A process whose command line is the image's entrypoint with these arguments, doing nothing. */
function idle(...cliArgs: string[]): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)', 'bin/es-rolling-upgrade.js', ...cliArgs], { cwd: root, stdio: 'ignore' });
  children.push(child);
  return child;
}

describe('the image HEALTHCHECK', () => {
  it('reads the command line of PID 1', () => {
    expect(healthcheck).toContain(PID1);
  });

  it('passes while serve runs, fails once SIGTERM has stopped it', async () => {
    expect(healthcheck).toBeDefined();
    const port = await freePort();
    const child = spawn(process.execPath, ['bin/es-rolling-upgrade.js', 'serve'], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        ESRU_SERVICE_TOKEN: 'healthcheck-token-0123456789',
        ESRU_SERVICE_PORT: String(port),
        ESRU_LOG_LEVEL: 'warn',
        // serve needs its cluster to start; the health check never reaches it.
        ESRU_ES_URL: 'http://127.0.0.1:9',
        AWS_REGION: 'eu-west-1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    for (let i = 0; i < 200 && !stderr.includes('listening on'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(stderr).toContain(`listening on http://127.0.0.1:${port}`);

    expect(check(port, child.pid)).toBe(0);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(check(port, child.pid)).toBe(1);
  }, 30_000);

  it('fails for a serve container whose service does not answer', async () => {
    const port = await freePort();
    expect(check(port, idle('serve', '--log-level', 'debug').pid)).toBe(1);
  });

  it.each([
    ['a run', ['run', '--target-version', '9.5.4', '--yes']],
    ['a plan', ['plan', '--target-version', '9.5.4']],
  ])('passes for %s, which serves nothing', async (_name, cliArgs) => {
    const port = await freePort();
    expect(check(port, idle(...cliArgs).pid)).toBe(0);
  });
});
