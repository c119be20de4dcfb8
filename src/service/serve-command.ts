// `es-rolling-upgrade serve`: the service's composition root. Its settings (flags, environment,
// config file) are the defaults of the runs it starts; each run builds its own adapters, as a CLI run
// does, and closes them when it ends. SIGINT/SIGTERM stop it as they stop a CLI run: every run under
// way is interrupted with that signal (no new termination, allocation put back, its report), no run
// starts meanwhile, and it exits once they have wrapped up, inside a 10 s stop grace. A second
// signal exits at once (src/cli/signals.ts).
//
// It listens on --host (ESRU_SERVICE_HOST, default 127.0.0.1; 0.0.0.0 in a container) and --port
// (ESRU_SERVICE_PORT, default 8080), validated with the other settings before it starts. The token
// comes from the environment only: ESRU_SERVICE_TOKEN (required).

import { requireConnection, toConfig, type Config } from '../app/config.ts';
import type { ConnectFn } from '../app/connect.ts';
import { createHolderId } from '../app/holder.ts';
import { identifyCluster, type IdentifyCluster } from '../app/identify-cluster.ts';
import type { Settings } from '../app/settings.ts';
import { upgradeDeps } from '../app/upgrade-deps.ts';
import { systemClock, type Clock } from '../shared/clock.ts';
import { ExitCode, InterruptedError, InvalidInputError } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';
import { planUpgrade, runUpgrade } from '../upgrade/run-upgrade.ts';
import { serviceTokenFromEnv } from './auth.ts';
import type { StartRun } from './run-manager.ts';
import { createRunRequestValidator, type ServiceRunSpec } from './run-request.ts';
import { startService } from './server.ts';

/** What `serve` needs from the command line that started it. */
export interface ServeContext {
  /** The settings serve was started with: the defaults of every run. */
  settings: Settings;
  /** The same, mapped: where to listen. */
  config: Config;
  log: Logger;
  io: { stderr(text: string): void; env: Readonly<Record<string, string | undefined>> };
  /** Aborted on SIGINT/SIGTERM: the service stops. */
  signal: AbortSignal;
  connect: ConnectFn;
}

export interface ServeOptions {
  clock?: Clock;
  /** A lease holder id for each run: never shared, so one run cannot renew another's lease. */
  newHolder?: () => string;
  /** Reads a cluster's UUID (default: GET / on the cluster). */
  identifyCluster?: IdentifyCluster;
  /** How long a stop waits for runs to wrap up (default STOP_GRACE_MS). */
  stopGraceMs?: number;
}

export async function serveCommand(ctx: ServeContext, options: ServeOptions = {}): Promise<number> {
  const token = serviceTokenFromEnv(ctx.io.env);
  const { host, port } = ctx.config.service;
  const service = await startService({
    token,
    host,
    port,
    log: ctx.log,
    validate: createRunRequestValidator({ settings: ctx.settings, identifyCluster: options.identifyCluster ?? identifyCluster }),
    startRun: realStartRun(ctx, options),
    ...(options.stopGraceMs !== undefined ? { stopGraceMs: options.stopGraceMs } : {}),
  }).catch((error: unknown) => {
    throw listenError(error, host, port);
  });
  ctx.io.stderr(`es-rolling-upgrade service listening on ${service.url}\n`);

  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  const reason: unknown = ctx.signal.reason;
  const interrupted = reason instanceof InterruptedError ? reason : new InterruptedError('SIGTERM');
  const underWay = service.runs.list().filter((r) => r.state === 'running' || r.state === 'cancelling').length;
  ctx.log.info({ runs: underWay, signal: interrupted.signalName }, 'stopping: interrupting the runs under way, starting none');
  const { unfinished } = await service.close(interrupted);
  if (unfinished.length === 0) return ExitCode.ok;
  const names = unfinished.map((r) => `${r.id} (${r.spec.mode} on ${r.spec.clusterLabel})`).join(', ');
  ctx.log.error({ runs: unfinished.map((r) => r.id) }, 'stopped before every run had wrapped up');
  ctx.io.stderr(
    `error: stopped before ${unfinished.length === 1 ? 'a run' : `${unfinished.length.toString()} runs`} had wrapped up: ${names}. ` +
      'A rerun puts back what the lease of its cluster names.\n',
  );
  return ExitCode.internal;
}

/** A port taken or an address not ours is a bad --host/--port, not an internal failure. */
function listenError(error: unknown, host: string, port: number): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const why: Record<string, string> = {
    EADDRINUSE: `${host}:${port} is already in use; choose another --port (0 picks a free one)`,
    EACCES: `${host}:${port} needs privileges this process lacks; choose a --port above 1023`,
    EADDRNOTAVAIL: `${host} is not an address of this machine; use one of its addresses, 127.0.0.1 or 0.0.0.0`,
    ENOTFOUND: `${host} does not resolve; use an IP address or a name this machine resolves`,
  };
  return code && why[code] ? new InvalidInputError(`cannot listen: ${why[code]}`, { cause: error }) : error;
}

/** Plan or run against the real cluster and fleet named in the run's settings. */
export function realStartRun(ctx: ServeContext, options: ServeOptions = {}): StartRun<ServiceRunSpec> {
  const clock = options.clock ?? systemClock;
  const newHolder = options.newHolder ?? createHolderId;
  return async (spec, onEvent, signal) => {
    const config = toConfig(spec.settings);
    const holder = newHolder();
    const log = ctx.log.child({ cluster: spec.clusterLabel, clusterUuid: spec.clusterKey, mode: spec.mode, holder });
    const connection = ctx.connect(requireConnection(config), log, config.upgrade.versionTagKey);
    try {
      const deps = upgradeDeps(connection, { clock, log, signal, onEvent, holder });
      return spec.mode === 'plan' ? await planUpgrade(deps, config.upgrade) : await runUpgrade(deps, config.upgrade);
    } finally {
      await connection.close();
    }
  };
}
