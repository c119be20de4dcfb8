// An HTTP server on loopback that accepts every request and never answers: the slowest Elasticsearch
// or AWS endpoint there is. Tests abort calls against it and time how long the abort takes.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HangingServer {
  url: string;
  /** Requests received so far (method and path). */
  requests: string[];
  close(): Promise<void>;
}

export async function startHangingServer(): Promise<HangingServer> {
  const requests: string[] = [];
  const held: ServerResponse[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests.push(`${req.method ?? '?'} ${req.url ?? '?'}`);
    req.resume();
    held.push(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Runs `call` with a signal aborted after `afterMs`; resolves with how long it took to settle after the abort. */
export async function timeToAbort(call: (signal: AbortSignal) => Promise<unknown>, afterMs = 200): Promise<{ settledAfterAbortMs: number; error: unknown }> {
  const controller = new AbortController();
  let abortedAt = 0;
  setTimeout(() => {
    abortedAt = performance.now();
    controller.abort(new Error('interrupted by test'));
  }, afterMs);
  let error: unknown;
  try {
    await call(controller.signal);
  } catch (e) {
    error = e;
  }
  return { settledAfterAbortMs: performance.now() - abortedAt, error };
}
