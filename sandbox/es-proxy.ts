// A stable Elasticsearch URL for the sandbox, like a load balancer in front of the fleet: each
// request goes to the next node that accepts a connection. Replaced nodes come and go behind it.

import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface ProxyTarget {
  name: string;
  port: number;
}

export function startEsProxy(port: number, targets: () => ProxyTarget[], onError: (message: string) => void): Promise<Server> {
  let next = 0;
  const server = createServer((req, res) => {
    const body: Buffer[] = [];
    req.on('data', (chunk: Buffer) => body.push(chunk));
    req.on('end', () => {
      const candidates = targets();
      const start = next++;
      const ordered = candidates.map((_, i) => candidates[(start + i) % candidates.length]).filter((t) => t !== undefined);
      forward(req, res, Buffer.concat(body), ordered, onError);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

function forward(req: IncomingMessage, res: ServerResponse, body: Buffer, targets: ProxyTarget[], onError: (m: string) => void): void {
  const [target, ...rest] = targets;
  if (!target) {
    res.writeHead(503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'sandbox proxy: no Elasticsearch node accepts connections', status: 503 }));
    return;
  }
  const upstream = httpRequest(
    { host: '127.0.0.1', port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: `127.0.0.1:${target.port}` } },
    (response) => {
      res.writeHead(response.statusCode ?? 502, response.headers);
      response.pipe(res);
    },
  );
  upstream.on('error', (error: NodeJS.ErrnoException) => {
    // Only a refused connection is safe to retry elsewhere; the request never reached a node.
    if (error.code === 'ECONNREFUSED' && !res.headersSent) {
      forward(req, res, body, rest, onError);
      return;
    }
    onError(`${req.method} ${req.url} via ${target.name}: ${error.message}`);
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: `sandbox proxy: ${error.message}`, status: 502 }));
  });
  upstream.end(body);
}
