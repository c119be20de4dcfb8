// `serve` end to end over HTTP, with the upgrade logic for real and the simulated world behind the
// adapters' ports: a plan, then a run that replaces every node, then SIGTERM stops the service. And
// where it listens: --host/--port from the command line, checked before anything listens.

import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { toConfig } from '../../src/app/config.ts';
import { parseSettings } from '../../src/app/settings-schema.ts';
import type { CliIo, CommandContext } from '../../src/cli/context.ts';
import { main } from '../../src/cli/main.ts';
import type { ServiceRunSpec } from '../../src/service/run-request.ts';
import { realStartRun, serveCommand } from '../../src/service/serve-command.ts';
import { ExitCode, InterruptedError, InvalidInputError } from '../../src/shared/errors.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { createSimulatedWorld } from '../../src/sim/index.ts';
import { memoryIo } from '../support/memory-io.ts';

const token = 'serve-test-token-0123456789';
/** The cluster serve is started with (no request may name another). */
const CLUSTER = { ESRU_ES_URL: 'http://127.0.0.1:9', AWS_REGION: 'eu-west-1' };

function context(env: Record<string, string>, settings: Record<string, unknown> = {}) {
  const world = createSimulatedWorld({ masters: 3, data: 3, fromVersion: '9.4.5', launchVersion: '9.5.4' });
  const controller = new AbortController();
  let stderr = '';
  const io: CliIo = { stdout: () => undefined, stderr: (t) => void (stderr += t), stdoutIsTTY: false, stderrIsTTY: false, env };
  const parsed = parseSettings({ 'es-url': 'http://es-sim:9200', region: 'eu-west-1', ...settings });
  if (!parsed.success) throw parsed.error;
  const ctx: CommandContext = {
    config: toConfig(parsed.data),
    settings: parsed.data,
    log: silentLogger(),
    io,
    signal: controller.signal,
    holder: 'test:1:serve',
    connect: () => ({ cluster: world.cluster, fleet: world.fleet, lock: world.lock, close: () => Promise.resolve() }),
  };
  return { ctx, world, controller, stderr: () => stderr };
}

/** The URL the service says it listens on, once it does. */
async function listeningUrl(stderr: () => string): Promise<string> {
  for (let i = 0; i < 250; i++) {
    const url = /listening on (\S+)/.exec(stderr())?.[1];
    if (url !== undefined) return url;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`the service did not start listening; stderr: ${stderr()}`);
}

describe('serve', () => {
  it('refuses to start without ESRU_SERVICE_TOKEN', async () => {
    const { ctx, world } = context({});
    await expect(serveCommand(ctx, { clock: world.clock, identifyCluster: () => Promise.resolve('sim-cluster-uuid') })).rejects.toThrow(InvalidInputError);
  });

  it('plans and runs over HTTP with its own settings as defaults, and stops on SIGTERM', { timeout: 30_000 }, async () => {
    const { ctx, world, controller, stderr } = context({ ESRU_SERVICE_TOKEN: token }, { port: '0' });
    const serving = serveCommand(ctx, { clock: world.clock, identifyCluster: () => Promise.resolve('sim-cluster-uuid') });
    const url = await listeningUrl(stderr);
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return (await res.json()) as Record<string, unknown>;
    };
    const finished = async (id: string) => {
      let run: Record<string, unknown> = {};
      for (let i = 0; i < 500; i++) {
        run = await api('GET', `/v1/runs/${id}`);
        if (run.state !== 'running') return run;
        await new Promise((r) => setTimeout(r, 20));
      }
      return run;
    };

    const planned = await finished((await api('POST', '/v1/runs', { mode: 'plan', options: { 'target-version': '9.5.4' } })).id as string);
    expect(planned).toMatchObject({ state: 'finished', outcome: 'planned', exitCode: 0, cluster: 'http://es-sim:9200' });

    const ran = await finished((await api('POST', '/v1/runs', { mode: 'run', options: { 'target-version': '9.5.4' } })).id as string);
    // The service relays what the upgrade logic did to the world, whatever the outcome.
    expect(ran.state).toBe('finished');
    expect(world.terminatedInstanceIds().length).toBeGreaterThan(0);
    expect(ran.terminatedInstanceIds).toEqual(world.terminatedInstanceIds());
    const replaced = (ran.nodes as { outcome: string }[]).filter((n) => n.outcome === 'replaced').length;

    const metrics = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
    expect(metrics).toContain(`esru_runs_total{mode="run",outcome="${String(ran.outcome)}"} 1`);
    expect(metrics).toContain('esru_runs_total{mode="plan",outcome="planned"} 1');
    expect(metrics).toContain(`esru_nodes_replaced_total ${replaced}`);
    expect(metrics).toMatch(/esru_calls_total\{service="elasticsearch",operation="[^"]+"\} [1-9]/);

    controller.abort(new InterruptedError('SIGTERM'));
    await expect(serving).resolves.toBe(0);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});

describe('serve --host/--port, from the command line', () => {
  it('listens on the port --port names, over ESRU_SERVICE_PORT, on loopback by default', { timeout: 30_000 }, async () => {
    // Had the environment won, the URL would show port 1 (or, unprivileged, the service would not start).
    const io = memoryIo({ ESRU_SERVICE_TOKEN: token, ESRU_SERVICE_PORT: '1', ...CLUSTER });
    const serving = main(['serve', '--port', '0'], io, { createLogger: silentLogger });
    try {
      const url = new URL(await listeningUrl(() => io.err));
      expect(url.hostname).toBe('127.0.0.1');
      expect(Number(url.port)).toBeGreaterThan(1);
      expect(url.port).not.toBe('8080');

      const res = await fetch(new URL('/healthz', url));
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ok' });
      const unauthorised = await fetch(new URL('/v1/runs', url));
      expect(unauthorised.status).toBe(401);
    } finally {
      process.emit('SIGTERM');
    }
    await expect(serving).resolves.toBe(ExitCode.ok);
  });

  it.each([
    ['a port out of range', ['--port', '70000'], {}, '--port: "70000" is not a port number from 0 to 65535'],
    ['a port that is no number', ['--port', 'abc'], {}, '--port: "abc" is not a port number from 0 to 65535'],
    ['a bad port from the environment', [], { ESRU_SERVICE_PORT: '80.5' }, 'ESRU_SERVICE_PORT: "80.5" is not a port number'],
    ['an address with a port in it', ['--host', '0.0.0.0:8080'], {}, '--host: "0.0.0.0:8080" is not an IP address or host name'],
  ])('refuses %s with exit code 2 before listening', async (_name, flags, env, expected) => {
    const io = memoryIo({ ESRU_SERVICE_TOKEN: token, ...CLUSTER, ...env });
    const code = await main(['serve', ...flags], io, { createLogger: silentLogger });
    expect(code).toBe(ExitCode.invalidInput);
    expect(io.err).toContain(`error: ${expected}`);
    expect(io.err).not.toContain('listening on');
  });

  it('refuses a port already taken with exit code 2, naming it', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const io = memoryIo({ ESRU_SERVICE_TOKEN: token, ...CLUSTER });
      const code = await main(['serve', '--port', String(port)], io, { createLogger: silentLogger });
      expect(code).toBe(ExitCode.invalidInput);
      expect(io.err).toContain(`127.0.0.1:${port} is already in use; choose another --port`);
      expect(io.err).not.toContain('listening on');
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});

describe('serve needs its cluster', () => {
  it('refuses to start without --es-url and --region (a request may not name them), exit 2', async () => {
    const io = memoryIo({ ESRU_SERVICE_TOKEN: token });
    const code = await main(['serve', '--port', '0'], io, { createLogger: silentLogger });
    expect(code).toBe(ExitCode.invalidInput);
    expect(io.err).toContain('error: --es-url is required (or set ESRU_ES_URL, "es-url" in the config file)');
    expect(io.err).toContain('error: --region is required');
    expect(io.err).not.toContain('listening on');
  });
});

describe('each run holds the lease under its own id', () => {
  it('a second run on the same cluster is refused by the lease instead of taking over the first one\'s', { timeout: 30_000 }, async () => {
    const { ctx, world } = context({ ESRU_SERVICE_TOKEN: token }, { 'target-version': '9.5.4' });
    const holders: string[] = [];
    const acquire = world.lock.acquire.bind(world.lock);
    world.lock.acquire = (holder, ...rest) => {
      holders.push(holder);
      return acquire(holder, ...rest);
    };
    // The first run stops at its first termination, holding the lease.
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const entered: (() => void)[] = [];
    const terminate = world.fleet.terminateInGroup.bind(world.fleet);
    world.fleet.terminateInGroup = async (id) => {
      entered.shift()?.();
      await gate;
      return terminate(id);
    };
    const enters = () => new Promise<string>((resolve) => entered.push(() => resolve('went past the lease')));
    const start = realStartRun(ctx, { clock: world.clock });
    const spec: ServiceRunSpec = { mode: 'run', clusterKey: 'sim-cluster-uuid', clusterLabel: 'http://es-sim:9200', settings: ctx.settings };

    const firstEnters = enters();
    const first = start(spec, () => undefined, new AbortController().signal);
    await firstEnters;
    const second = await Promise.race([start(spec, () => undefined, new AbortController().signal), enters()]);
    release();

    expect(second).toMatchObject({ outcome: 'refused', exitCode: ExitCode.refused });
    expect(typeof second === 'object' && second.message).toContain('another controller holds the upgrade lock on this cluster');
    expect(holders).toHaveLength(2);
    expect(new Set(holders).size).toBe(2);
    await first;
  });
});
