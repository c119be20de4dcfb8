// Stopping a node finds its processes by what they run: a node stopped during its boot leaves no
// server JVM behind, and a stale pid file never makes the sandbox signal someone else's process.

import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, nodeRunning, startNode, stopNode, writeNodeConfig } from '../../sandbox/es-node.ts';
import { findFreePorts } from '../../sandbox/free-port.ts';
import { nodeProcesses } from '../../sandbox/node-processes.ts';
import { sandboxDir } from '../../sandbox/paths.ts';
import { waitFor } from '../../sandbox/wait-for.ts';
import { ensurePrerequisites, versions } from './sandbox-harness.ts';

describe('stopping an Elasticsearch node', () => {
  // Under .sandbox, which the unprivileged Elasticsearch user can reach (a 0700 temp dir may not be).
  const root = join(sandboxDir, 'stop-test');

  beforeAll(() => {
    ensurePrerequisites([versions.old]);
    rmSync(root, { recursive: true, force: true });
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('stopped during its boot, before the server wrote its pid file, leaves no process behind', async () => {
    const dir = join(root, 'booting');
    const [httpPort = 0, transportPort = 0] = await findFreePorts(2);
    const spec = { dir, clusterName: 'stop-test', nodeName: 'booting', version: versions.old, roles: ['master', 'data'], httpPort, transportPort, seedHosts: [] };
    writeNodeConfig({ ...spec, initialMasterNodes: ['booting'] });
    startNode(spec);
    // The launcher has started the server JVM; the server has not written server.pid yet.
    await waitFor(() => (nodeProcesses(dir)?.some((p) => p.server) ? true : undefined), { timeoutMs: 60_000, intervalMs: 50, what: 'the server JVM' });
    const started = Date.now();
    expect(await stopNode(dir, 30_000)).toBe('stopped');
    const tookMs = Date.now() - started;
    expect(nodeProcesses(dir)).toEqual([]);
    expect(nodeRunning(dir)).toBe(false);
    console.log(`[es-node-stop] node stopped during its boot in ${tookMs} ms, nothing left`);
    expect(tookMs).toBeLessThan(15_000);
  });

  it('a stale pid file naming another process is ignored, and that process left alone', async () => {
    const dir = join(root, 'stale');
    mkdirSync(dir, { recursive: true });
    const bystander = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await sleep(100);
      writeFileSync(join(dir, 'launcher.pid'), String(bystander.pid));
      writeFileSync(join(dir, 'server.pid'), String(bystander.pid));
      expect(nodeRunning(dir)).toBe(false);
      expect(await stopNode(dir, 1000)).toBe('not-running');
      await sleep(200);
      expect(isAlive(bystander.pid)).toBe(true);
    } finally {
      bystander.kill('SIGKILL');
    }
  });
});
