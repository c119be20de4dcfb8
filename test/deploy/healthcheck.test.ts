// The image's HEALTHCHECK command, run as Docker would, against `es-rolling-upgrade serve` started
// through the same launcher the image's ENTRYPOINT uses; then SIGTERM stops the service cleanly.

import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const healthcheck = /^HEALTHCHECK [^\n]*\\\n\s+CMD (\[.*\])$/m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'))?.[1];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function check(port: number): number | null {
  const [command = '', ...args] = JSON.parse(healthcheck ?? '[]') as string[];
  return spawnSync(command === 'node' ? process.execPath : command, args, {
    env: { PATH: process.env.PATH ?? '', ESRU_SERVICE_PORT: String(port) },
    timeout: 10_000,
  }).status;
}

describe('the image HEALTHCHECK', () => {
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
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    for (let i = 0; i < 200 && !stderr.includes('listening on'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(stderr).toContain(`listening on http://127.0.0.1:${port}`);

    expect(check(port)).toBe(0);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(check(port)).toBe(1);
  }, 30_000);
});
