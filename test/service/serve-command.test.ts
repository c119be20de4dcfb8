// `serve` end to end over HTTP, with the upgrade logic for real and the simulated world behind the
// adapters' ports: a plan, then a run that replaces every node, then SIGTERM stops the service.

import { describe, expect, it } from 'vitest';
import { createConfigSchema } from '../../src/cli/config-schema.ts';
import { toCliConfig } from '../../src/cli/config.ts';
import type { CliIo, CommandContext } from '../../src/cli/context.ts';
import { serveCommand } from '../../src/service/serve-command.ts';
import { InterruptedError, InvalidInputError } from '../../src/shared/errors.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { createSimulatedWorld } from '../../src/sim/index.ts';

const token = 'serve-test-token-0123456789';

function context(env: Record<string, string>) {
  const world = createSimulatedWorld({ masters: 3, data: 3, fromVersion: '9.4.5', launchVersion: '9.5.4' });
  const controller = new AbortController();
  let stderr = '';
  const io: CliIo = { stdout: () => undefined, stderr: (t) => void (stderr += t), stdoutIsTTY: false, stderrIsTTY: false, env };
  const config = toCliConfig(createConfigSchema({ required: [] }).parse({ 'es-url': 'http://es-sim:9200', region: 'eu-west-1' }));
  const ctx: CommandContext = {
    config,
    log: silentLogger(),
    io,
    signal: controller.signal,
    holder: 'test:1:serve',
    connect: () => ({ cluster: world.cluster, fleet: world.fleet, lock: world.lock, close: () => Promise.resolve() }),
  };
  return { ctx, world, controller, stderr: () => stderr };
}

describe('serve', () => {
  it('refuses to start without ESRU_SERVICE_TOKEN', async () => {
    const { ctx, world } = context({});
    await expect(serveCommand(ctx, world.clock)).rejects.toThrow(InvalidInputError);
  });

  it('plans and runs over HTTP with its own settings as defaults, and stops on SIGTERM', { timeout: 30_000 }, async () => {
    const { ctx, world, controller, stderr } = context({ ESRU_SERVICE_TOKEN: token, ESRU_SERVICE_PORT: '0' });
    const serving = serveCommand(ctx, world.clock);
    let url = '';
    for (let i = 0; i < 100 && !url; i++) {
      await new Promise((r) => setTimeout(r, 20));
      url = /listening on (\S+)/.exec(stderr())?.[1] ?? '';
    }
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
