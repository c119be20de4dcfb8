// Elasticsearch as a secured cluster shows itself: HTTPS with a certificate from the sandbox's own CA,
// and basic or API-key authentication checked like Elasticsearch's security layer (401, a
// `security_exception` body, WWW-Authenticate challenges). The integration-test distribution has no
// security, so this front stands before the sandbox's plain HTTP proxy.

import { timingSafeEqual } from 'node:crypto';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface EsTlsProxyOptions {
  /** Loopback port; 0 for any free one. */
  port: number;
  /** PEM server key and certificate. */
  key: string;
  cert: string;
  /** The plain HTTP Elasticsearch URL behind. */
  upstream: string;
  users: { username: string; password: string }[];
  /** API keys by id, accepted as `Authorization: ApiKey base64(id:key)`. */
  apiKeys?: { id: string; key: string }[];
}

export interface EsTlsProxy {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The challenges Elasticsearch sends with a 401 (basic, bearer token, API key realms). */
export const WWW_AUTHENTICATE = ['Basic realm="security", charset="UTF-8"', 'Bearer realm="security"', 'ApiKey'];

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export type AuthOutcome = { ok: true } | { ok: false; reason: string };

/** Judges a request's Authorization header as Elasticsearch's security layer would, with its wording. */
export function authenticate(authorization: string | undefined, path: string, options: Pick<EsTlsProxyOptions, 'users' | 'apiKeys'>): AuthOutcome {
  const [scheme = '', token = ''] = (authorization ?? '').split(/\s+/, 2);
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const [name, secret] = colon < 0 ? [decoded, ''] : [decoded.slice(0, colon), decoded.slice(colon + 1)];
  if (scheme.toLowerCase() === 'basic' && colon >= 0) {
    const user = options.users.find((u) => u.username === name);
    // Compare the password even for an unknown user, so timing tells nothing about names.
    const ok = same(secret, user?.password ?? `\u0000${secret}`) && user !== undefined;
    return ok ? { ok: true } : { ok: false, reason: `unable to authenticate user [${name}] for REST request [${path}]` };
  }
  if (scheme.toLowerCase() === 'apikey' && colon >= 0) {
    const key = (options.apiKeys ?? []).find((k) => k.id === name);
    const ok = same(secret, key?.key ?? `\u0000${secret}`) && key !== undefined;
    return ok ? { ok: true } : { ok: false, reason: `unable to authenticate with provided credentials and anonymous access is not allowed for this request` };
  }
  return { ok: false, reason: `missing authentication credentials for REST request [${path}]` };
}

/** The 401 body Elasticsearch sends. */
export function securityExceptionBody(reason: string): string {
  const cause = { type: 'security_exception', reason, header: { 'WWW-Authenticate': WWW_AUTHENTICATE } };
  return JSON.stringify({ error: { root_cause: [cause], ...cause }, status: 401 });
}

export async function startEsTlsProxy(options: EsTlsProxyOptions): Promise<EsTlsProxy> {
  const upstream = new URL(options.upstream);
  const server = createServer({ key: options.key, cert: options.cert }, (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const auth = authenticate(req.headers.authorization, path, options);
    if (!auth.ok) {
      refuse(req, res, auth.reason);
      return;
    }
    forward(req, res, upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function refuse(req: IncomingMessage, res: ServerResponse, reason: string): void {
  // The body is consumed so the client can reuse the connection, as it would with Elasticsearch.
  req.resume();
  const compatible = /compatible-with=(\d+)/.exec(req.headers.accept ?? '')?.[1];
  res.writeHead(401, {
    'content-type': compatible ? `application/vnd.elasticsearch+json;compatible-with=${compatible}` : 'application/json',
    'x-elastic-product': 'Elasticsearch',
    'www-authenticate': WWW_AUTHENTICATE,
  });
  res.end(req.method === 'HEAD' ? undefined : securityExceptionBody(reason));
}

function forward(req: IncomingMessage, res: ServerResponse, upstream: URL): void {
  const headers = { ...req.headers, host: upstream.host };
  // The credentials were for this front; the node behind has no security.
  delete headers.authorization;
  const outbound = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (response) => {
    res.writeHead(response.statusCode ?? 502, response.headers);
    response.pipe(res);
  });
  outbound.on('error', (error) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: `sandbox TLS proxy: ${error.message}`, status: 502 }));
  });
  req.pipe(outbound);
}
