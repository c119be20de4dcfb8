// `serve` on SIGTERM, through main() as the process runs it: a run under way over HTTP, on the
// simulated world, is stopped as a CLI run is (no further node, allocation put back, report
// interrupted), no new run starts while it wraps up, and the command ends within the stop grace.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/app/connect.ts';
import { toConfig } from '../../src/app/config.ts';
import { parseSettings } from '../../src/app/settings-schema.ts';
import { main } from '../../src/cli/main.ts';
import { serveCommand, type ServeContext } from '../../src/service/serve-command.ts';
import { ExitCode, InterruptedError } from '../../src/shared/errors.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { createSimulatedWorld, type SimulatedWorld } from '../../src/sim/index.ts';
import type { UpgradeEvent, UpgradeReport } from '../../src/upgrade/plan-model.ts';
import type { Cluster } from '../../src/upgrade/ports.ts';
import { memoryIo } from '../support/memory-io.ts';

const token = 'serve-stop-token-0123456789';

/** Answers GET / as Elasticsearch does: how the service learns the cluster's UUID before a run. */
let es: Server;
let esUrl: string;
beforeAll(async () => {
  es = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
    res.end(JSON.stringify({ name: 'es-master-1', cluster_name: 'sim', cluster_uuid: 'sim-cluster-uuid', version: { number: '9.5.4' }, tagline: 'You Know, for Search' }));
  });
  await new Promise<void>((resolve) => es.listen(0, '127.0.0.1', resolve));
  esUrl = `http://127.0.0.1:${(es.address() as AddressInfo).port.toString()}`;
});
afterAll(async () => {
  es.closeAllConnections();
  await new Promise((resolve) => es.close(resolve));
});

async function listeningUrl(stderr: () => string): Promise<string> {
  for (let i = 0; i < 250; i++) {
    const url = /listening on (\S+)/.exec(stderr())?.[1];
    if (url !== undefined) return url;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`the service did not start listening; stderr: ${stderr()}`);
}

const aWorld = (): SimulatedWorld => createSimulatedWorld({ masters: 3, data: 3, fromVersion: '9.4.5', launchVersion: '9.5.4' });

/**
 * The world's adapters, with the wrap-up's first setting held until the test lets it go: the window
 * in which the service is stopping and its run is still putting things back.
 */
function heldWrapUp(world: SimulatedWorld) {
  let stopping = false;
  let entered = (): void => undefined;
  const wrapUpEntered = new Promise<void>((resolve) => (entered = resolve));
  let release = (): void => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  const c = world.cluster;
  const cluster: Cluster = {
    observe: (signal) => c.observe(signal),
    waitForHealth: (wait, signal) => c.waitForHealth(wait, signal),
    explainUnassigned: (shard, signal) => c.explainUnassigned(shard, signal),
    putSettings: async (settings, signal) => {
      if (stopping) {
        entered();
        await released;
      }
      return c.putSettings(settings, signal);
    },
    allocateReplica: (shard, node, signal) => c.allocateReplica(shard, node, signal),
    excludeFromVoting: (ids, signal) => c.excludeFromVoting(ids, signal),
    clearVotingExclusions: (signal) => c.clearVotingExclusions(signal),
  };
  const connection: Connection = {
    cluster,
    fleet: world.fleet,
    lock: world.lock,
    close: () => Promise.resolve(),
  };
  return { connection, wrapUpEntered, release, stop: () => (stopping = true) };
}

describe('serve on SIGTERM or SIGINT', () => {
  it.each([
    ['SIGTERM', ExitCode.interruptedTerm],
    ['SIGINT', ExitCode.interruptedInt],
  ] as const)('%s stops its run as it stops a CLI run, takes no new run meanwhile, and exits 0 once the run has wrapped up', { timeout: 30_000 }, async (signal, runExitCode) => {
    const world = aWorld();
    const found = world.cluster.snapshot().settings;
    const held = heldWrapUp(world);
    // SIGTERM the moment the run has changed an allocation setting (readying its first data node).
    let signalledAt = 0;
    world.when(
      (w) => w.cluster.snapshot().allocationEnable !== null || w.cluster.snapshot().allocationExcludeNames.length > 0,
      () => {
        held.stop();
        signalledAt = Date.now();
        process.emit(signal);
      },
    );
    const io = memoryIo({ ESRU_SERVICE_TOKEN: token, ESRU_ES_URL: esUrl, AWS_REGION: 'eu-west-1' });
    const serving = main(['serve', '--port', '0'], io, { connect: () => held.connection, clock: world.clock, createLogger: silentLogger });
    const url = await listeningUrl(() => io.err);
    const api = (method: string, path: string, body?: unknown) =>
      fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });

    const started = await api('POST', '/v1/runs', { mode: 'run', options: { 'target-version': '9.5.4' } });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    const events = api('GET', `/v1/runs/${id}/events?format=ndjson`).then((res) => res.text());

    await held.wrapUpEntered;
    // Stopping: the run is putting things back; nothing new starts, and health says so.
    const refused = await api('POST', '/v1/runs', { mode: 'plan', options: { 'target-version': '9.5.4' } });
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ error: expect.stringContaining('stopping') as string });
    expect((await fetch(`${url}/healthz`)).status).toBe(503);
    const during = (await (await api('GET', `/v1/runs/${id}`)).json()) as { state: string };
    expect(during.state).toBe('cancelling');

    const releasedAt = Date.now();
    held.release();
    await expect(serving).resolves.toBe(ExitCode.ok);
    expect(Date.now() - releasedAt).toBeLessThan(2_000);
    expect(Date.now() - signalledAt).toBeLessThan(10_000);

    const lines = (await events).trim().split('\n').map((l) => JSON.parse(l) as UpgradeEvent);
    const finished = lines.at(-1);
    expect(finished?.type).toBe('finished');
    const report = (finished as { report: UpgradeReport }).report;
    expect(report).toMatchObject({ outcome: 'interrupted', exitCode: runExitCode, message: expect.stringContaining(`interrupted by ${signal}`) as string });
    // Only the masters went: the data node being readied was not terminated, and every setting is as found.
    expect(world.terminatedInstanceIds()).toHaveLength(3);
    expect(world.cluster.snapshot().settings).toEqual(found);
    expect(world.lock.peek()).toMatchObject({ holder: null, terminatedInstanceIds: world.terminatedInstanceIds() });
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});

describe('serve stopping within its grace', () => {
  it('exits 1 naming a run still wrapping up when the grace runs out, without waiting for it', { timeout: 30_000 }, async () => {
    const world = aWorld();
    const held = heldWrapUp(world);
    const parsed = parseSettings({ 'es-url': 'http://es-sim:9200', region: 'eu-west-1', port: '0' });
    if (!parsed.success) throw parsed.error;
    const controller = new AbortController();
    let stderr = '';
    const ctx: ServeContext = {
      config: toConfig(parsed.data),
      settings: parsed.data,
      log: silentLogger(),
      io: { stderr: (t) => void (stderr += t), env: { ESRU_SERVICE_TOKEN: token } },
      signal: controller.signal,
      connect: () => held.connection,
    };
    world.when(
      (w) => w.cluster.snapshot().allocationEnable !== null || w.cluster.snapshot().allocationExcludeNames.length > 0,
      () => {
        held.stop();
        controller.abort(new InterruptedError('SIGTERM'));
      },
    );
    const serving = serveCommand(ctx, { clock: world.clock, identifyCluster: () => Promise.resolve('sim-cluster-uuid'), stopGraceMs: 300 });
    const url = await listeningUrl(() => stderr);
    const started = await fetch(`${url}/v1/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'run', options: { 'target-version': '9.5.4' } }),
    });
    const { id } = (await started.json()) as { id: string };

    await held.wrapUpEntered;
    const stoppingAt = Date.now();
    await expect(serving).resolves.toBe(ExitCode.internal);
    expect(Date.now() - stoppingAt).toBeLessThan(2_000);
    expect(stderr).toContain(`error: stopped before a run had wrapped up: ${id} (run on http://es-sim:9200). A rerun puts back what the lease of its cluster names.`);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    held.release();
  });
});
