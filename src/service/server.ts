// `es-rolling-upgrade serve`: a small HTTP API to start and watch runs from other tools.
//
//   GET  /healthz               liveness, no auth
//   GET  /metrics               Prometheus text format
//   POST /v1/runs               {"mode":"plan"|"run","options":{<flag name>: value, ...}} -> 202
//   GET  /v1/runs               runs kept in memory, newest first
//   GET  /v1/runs/:id           state, per-node timeline, refusals, report when finished
//   GET  /v1/runs/:id/events    Server-Sent Events (or NDJSON with ?format=ndjson): replay, then live
//   GET  /v1/runs/:id/report.html  the HTML report: so far (reloading itself) while the run goes
//   POST /v1/runs/:id/cancel    the same safe stop as SIGTERM -> 202
//
// Every route but /healthz needs `Authorization: Bearer <ESRU_SERVICE_TOKEN>`. One run per cluster
// (by its UUID, whatever the spelling of its URLs) at a time: a second gets 409 naming the one under way.
//
// Stopping (close), it starts no run (503, and /healthz says 503 "stopping") but still answers the
// rest while its runs wrap up, so their watchers see how they ended; then it closes.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { renderHtmlReport } from '../report/html-report.ts';
import { LiveReport } from '../report/live-report.ts';
import { eventLine } from '../shared/event-line.ts';
import type { Logger } from '../shared/log.ts';
import { checkBearer, MIN_TOKEN_LENGTH, SERVICE_TOKEN_ENV } from './auth.ts';
import { InterruptedError, InvalidInputError } from '../shared/errors.ts';
import { ServiceMetrics } from './metrics.ts';
import { RunManager, type Run, type RunSpec, type SequencedEvent, type StartRun } from './run-manager.ts';

/** A run spec, or what is wrong: a bad request (400, the default status) or a cluster that cannot be identified (502). */
export type ValidationResult<S> = { ok: true; spec: S } | { ok: false; status?: number; issues: string[] };

/** Turns a request body into a run spec, or says what is wrong (messages never echo secret values). */
export type ValidateRunRequest<S extends RunSpec> = (body: unknown) => ValidationResult<S> | Promise<ValidationResult<S>>;

export interface ServiceOptions<S extends RunSpec> {
  token: string;
  startRun: StartRun<S>;
  validate: ValidateRunRequest<S>;
  log: Logger;
  /** Default 127.0.0.1; 0.0.0.0 in a container. */
  host?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Interval of SSE keep-alive comments. */
  heartbeatMs?: number;
  /** How long close() waits for runs to wrap up (default 9 s: inside a 10 s stop grace, as each run budgets 8 s). */
  stopGraceMs?: number;
}

/** What close() left behind: runs still wrapping up when the grace ran out. */
export interface ServiceStopped<S extends RunSpec> {
  unfinished: Run<S>[];
}

export interface RunningService<S extends RunSpec> {
  url: string;
  server: Server;
  runs: RunManager<S>;
  metrics: ServiceMetrics;
  /**
   * Start no new run, cancel the runs under way (the safe stop of SIGTERM, or of `reason`), wait for
   * them to end within the stop grace, then stop listening.
   */
  close(reason?: InterruptedError): Promise<ServiceStopped<S>>;
}

const MAX_BODY_BYTES = 64 * 1024;
/** Inside Docker's and Kubernetes' default 10 s between SIGTERM and SIGKILL; each run budgets 8 s. */
export const STOP_GRACE_MS = 9_000;
/** Once the runs ended: how long a request in flight may take to finish before its connection is cut. */
const DRAIN_MS = 500;

export async function startService<S extends RunSpec>(options: ServiceOptions<S>): Promise<RunningService<S>> {
  if (options.token.length < MIN_TOKEN_LENGTH) {
    throw new InvalidInputError(`${SERVICE_TOKEN_ENV} must be at least ${MIN_TOKEN_LENGTH} characters`);
  }
  const metrics = new ServiceMetrics();
  const runs = new RunManager<S>(options.startRun, { metrics, log: options.log });
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const streams = new Set<ServerResponse>();
  let stopping = false;

  const server = createServer((req, res) => {
    const started = Date.now();
    res.on('finish', () => {
      options.log.debug({ method: req.method, path: req.url?.split('?')[0], status: res.statusCode, ms: Date.now() - started }, 'request');
    });
    handle(req, res).catch((error: unknown) => {
      options.log.error({ error: error instanceof Error ? error.message : String(error) }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://service');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    // Going away: no connection is kept for another request.
    if (stopping) res.setHeader('connection', 'close');

    if (path === '/healthz') {
      if (method !== 'GET' && method !== 'HEAD') return notAllowed(res, 'GET');
      return stopping ? sendJson(res, 503, { status: 'stopping' }) : sendJson(res, 200, { status: 'ok' });
    }

    const auth = checkBearer(req.headers.authorization, options.token);
    if (auth !== 'ok') {
      res.setHeader('WWW-Authenticate', `Bearer realm="es-rolling-upgrade"${auth === 'invalid' ? ', error="invalid_token"' : ''}`);
      return sendJson(res, 401, { error: auth === 'missing' ? 'a bearer token is required' : 'the bearer token is not valid' });
    }

    if (path === '/metrics') {
      if (method !== 'GET') return notAllowed(res, 'GET');
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(metrics.render());
      return;
    }

    if (path === '/v1/runs') {
      if (method === 'GET') {
        const list = runs.list().reverse().map((r) => summary(r, false));
        return sendJson(res, 200, { runs: list });
      }
      if (method !== 'POST') return notAllowed(res, 'GET, POST');
      if (stopping) {
        req.resume();
        return sendJson(res, 503, { error: STOPPING });
      }
      const body = await readJson(req);
      if (!body.ok) return sendJson(res, body.status, { error: body.error });
      const validated = await options.validate(body.value);
      if (!validated.ok) {
        const status = validated.status ?? 400;
        return sendJson(res, status, { error: status === 400 ? 'invalid run request' : 'cannot start the run', issues: validated.issues });
      }
      const result = runs.start(validated.spec);
      if (!result.started && 'stopping' in result) return sendJson(res, 503, { error: STOPPING });
      if (!result.started) {
        const running = result.conflict;
        return sendJson(res, 409, {
          error: `a ${running.spec.mode} is already under way on this cluster`,
          runId: running.id,
          clusterUuid: running.spec.clusterKey,
          cluster: running.spec.clusterLabel,
          location: `/v1/runs/${running.id}`,
        });
      }
      res.setHeader('Location', `/v1/runs/${result.run.id}`);
      return sendJson(res, 202, summary(result.run, false));
    }

    const m = /^\/v1\/runs\/([0-9a-f-]{36})(\/events|\/cancel|\/report\.html)?$/.exec(path);
    if (!m?.[1]) return sendJson(res, 404, { error: 'no such route' });
    const run = runs.get(m[1]);
    if (!run) return sendJson(res, 404, { error: 'no such run' });

    if (m[2] === '/cancel') {
      if (method !== 'POST') return notAllowed(res, 'POST');
      const outcome = runs.cancel(run.id);
      if (outcome === 'already-ended') return sendJson(res, 409, { error: 'the run has already ended', ...summary(run, false) });
      return sendJson(res, 202, summary(run, false));
    }
    if (m[2] === '/report.html') {
      if (method !== 'GET') return notAllowed(res, 'GET');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(reportPage(run, runs));
      return;
    }
    if (m[2] === '/events') {
      if (method !== 'GET') return notAllowed(res, 'GET');
      return stream(req, res, run, url);
    }
    if (method !== 'GET') return notAllowed(res, 'GET');
    return sendJson(res, 200, summary(run, true));
  }

  function stream(req: IncomingMessage, res: ServerResponse, run: Run<S>, url: URL): void {
    const ndjson = url.searchParams.get('format') === 'ndjson' || (req.headers.accept ?? '').includes('application/x-ndjson');
    const lastId = Number(req.headers['last-event-id'] ?? url.searchParams.get('after') ?? 0);
    res.writeHead(200, {
      'content-type': ndjson ? 'application/x-ndjson; charset=utf-8' : 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    streams.add(res);
    const heartbeat = setInterval(() => res.write(ndjson ? '\n' : ': keep-alive\n\n'), heartbeatMs);
    heartbeat.unref();
    const stop = (): void => {
      clearInterval(heartbeat);
      unsubscribe?.();
      streams.delete(res);
    };
    const unsubscribe = runs.subscribe(run.id, Number.isFinite(lastId) ? lastId : 0, (e: SequencedEvent | 'end') => {
      if (e === 'end') {
        stop();
        res.end();
        return;
      }
      res.write(
        ndjson
          ? eventLine(e.seq, e.event)
          : `id: ${e.seq}\nevent: ${e.event.type}\ndata: ${JSON.stringify(e.event)}\n\n`,
      );
    });
    req.on('close', stop);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  options.log.info({ url: `http://${host}:${address.port}` }, 'service listening');

  return {
    url: `http://${host}:${address.port}`,
    server,
    runs,
    metrics,
    close: async (reason = new InterruptedError('SIGTERM')) => {
      stopping = true;
      const unfinished = await runs.shutdown(reason, options.stopGraceMs ?? STOP_GRACE_MS);
      // Streams of runs still wrapping up end here; those of ended runs have ended with them.
      for (const res of streams) res.end();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, DRAIN_MS)))]);
      clearTimeout(timer);
      server.closeAllConnections();
      await closed;
      return { unfinished };
    },
  };
}

const STOPPING = 'the service is stopping: it starts no new run (the runs under way are wrapping up)';

/** The run's HTML report: the final one, or the report so far from the events kept, reloading itself. */
function reportPage<S extends RunSpec>(run: Run<S>, runs: RunManager<S>): string {
  if (run.report) return renderHtmlReport(run.report);
  const live = new LiveReport(run.spec.mode);
  // The replay is synchronous: stop following as soon as it is done.
  runs.subscribe(run.id, 0, (e) => {
    if (e !== 'end') live.apply(e.event);
  })?.();
  const ended = run.state === 'failed' || run.state === 'finished';
  return renderHtmlReport(live.view(new Date(), run.error), ended ? {} : { refreshSeconds: 5 });
}

/** What GET answers about a run: never its options (they may hold secrets). */
function summary<S extends RunSpec>(run: Run<S>, detailed: boolean): Record<string, unknown> {
  const p = run.progress;
  const base: Record<string, unknown> = {
    id: run.id,
    mode: run.spec.mode,
    cluster: run.spec.clusterLabel,
    clusterUuid: run.spec.clusterKey,
    state: run.state,
    createdAt: run.createdAt,
    ...(run.finishedAt === undefined ? {} : { finishedAt: run.finishedAt }),
    ...(run.report ? { outcome: run.report.outcome, exitCode: run.report.exitCode, message: run.report.message } : {}),
    ...(run.error === undefined ? {} : { error: run.error }),
  };
  if (!detailed) return base;
  return {
    ...base,
    progress: {
      targetVersion: p.targetVersion,
      toReplace: p.toReplace,
      replaced: p.replaced,
      phase: p.phase,
      current: p.current ? { node: p.current.nodeName, index: p.current.index, total: p.current.total } : undefined,
      wait: p.wait,
      recovery: p.recovery,
      lastAction: p.lastAction,
    },
    nodes: run.report ? run.report.nodes : p.nodes,
    refusals: run.report ? run.report.refusals : p.refusals,
    terminatedInstanceIds: run.report?.terminatedInstanceIds ?? [],
    ...(run.report ? { report: run.report } : {}),
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`${JSON.stringify(body)}\n`);
}

function notAllowed(res: ServerResponse, allow: string): void {
  res.setHeader('Allow', allow);
  sendJson(res, 405, { error: 'method not allowed' });
}

async function readJson(
  req: IncomingMessage,
): Promise<{ ok: true; value: unknown } | { ok: false; status: number; error: string }> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
    req.resume();
    return { ok: false, status: 415, error: 'the body must be JSON (Content-Type: application/json)' };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return { ok: false, status: 413, error: `the body must be at most ${MAX_BODY_BYTES} bytes` };
    chunks.push(chunk);
  }
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown };
  } catch {
    return { ok: false, status: 400, error: 'the body is not valid JSON' };
  }
}
