// The sandbox's TLS front for Elasticsearch against a small upstream HTTP server (no Elasticsearch):
// certificates from openssl, the controller's own Elasticsearch client builder on the other side.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEsTlsProxy, type EsTlsProxy } from '../../sandbox/es-tls-proxy.ts';
import { generateTlsMaterial, type TlsMaterial } from '../../sandbox/tls-certs.ts';
import { createEsClient } from '../../src/cluster/es-client.ts';

const USER = { username: 'sandbox-admin', password: 'correct horse battery staple' };
const API_KEY = { id: 'sandbox-key', key: 'k3y-s3cret' };

interface Answer { status: number; headers: IncomingHttpHeaders; body: string }

function get(url: string, options: { ca?: string; authorization?: string }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(`${url}/_cluster/health`, {
      ...(options.ca ? { ca: options.ca } : {}),
      headers: options.authorization ? { authorization: options.authorization } : {},
    }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const basic = (username: string, password: string): string => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

describe('TLS and basic-auth front for Elasticsearch', () => {
  let tmp = '';
  let tls: TlsMaterial;
  let upstream: Server;
  let proxy: EsTlsProxy;
  const seen: IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'esru-es-tls-'));
    tls = generateTlsMaterial(tmp);
    upstream = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
      res.end(JSON.stringify({ cluster_name: 'upstream', status: 'green' }));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    proxy = await startEsTlsProxy({
      port: 0,
      key: readFileSync(tls.keyFile, 'utf8'),
      cert: readFileSync(tls.certFile, 'utf8'),
      upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
      users: [USER],
      apiKeys: [API_KEY],
    });
  });

  afterAll(async () => {
    await proxy?.close();
    await new Promise<void>((resolve) => (upstream ? upstream.close(() => resolve()) : resolve()));
    rmSync(tmp, { recursive: true, force: true });
  });

  it('with the right CA and password, answers what the node behind answers, without passing the credentials on', async () => {
    const answer = await get(proxy.url, { ca: readFileSync(tls.caFile, 'utf8'), authorization: basic(USER.username, USER.password) });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ cluster_name: 'upstream', status: 'green' });
    expect(seen.at(-1)?.authorization).toBeUndefined();
  });

  it('works for the controller\'s own client, with --es-ca-file and a password, or an API key', async () => {
    for (const auth of [{ username: USER.username, password: USER.password }, { apiKey: Buffer.from(`${API_KEY.id}:${API_KEY.key}`).toString('base64') }]) {
      const client = createEsClient({ nodes: [proxy.url], caFile: tls.caFile, maxRetries: 0, ...auth });
      const health = await client.cluster.health();
      expect(health.status).toBe('green');
      await client.close();
    }
  });

  it.each([
    ['an unrelated CA', (t: TlsMaterial): string | undefined => readFileSync(t.wrongCaFile, 'utf8')],
    ['the system CAs only', (): string | undefined => undefined],
  ])('fails TLS verification with %s', async (_name, ca) => {
    const error = await get(proxy.url, { ca: ca(tls), authorization: basic(USER.username, USER.password) })
      .then(() => undefined, (e: unknown) => e as NodeJS.ErrnoException);
    expect(error?.code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    const client = createEsClient({ nodes: [proxy.url], caFile: ca(tls) ? tls.wrongCaFile : undefined, maxRetries: 0, ...USER });
    await expect(client.cluster.health()).rejects.toThrow(/unable to verify the first certificate/);
    await client.close();
  });

  it.each([
    ['a wrong password', basic(USER.username, 'wrong'), `unable to authenticate user [${USER.username}] for REST request [/_cluster/health]`],
    ['an unknown user', basic('nobody', USER.password), 'unable to authenticate user [nobody] for REST request [/_cluster/health]'],
    ['no credentials', undefined, 'missing authentication credentials for REST request [/_cluster/health]'],
    ['a wrong API key', `ApiKey ${Buffer.from(`${API_KEY.id}:nope`).toString('base64')}`,
      'unable to authenticate with provided credentials and anonymous access is not allowed for this request'],
  ])('answers %s with 401 and a security_exception, as Elasticsearch does', async (_name, authorization, reason) => {
    const before = seen.length;
    const answer = await get(proxy.url, { ca: readFileSync(tls.caFile, 'utf8'), ...(authorization ? { authorization } : {}) });
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toContain('Basic realm="security", charset="UTF-8"');
    expect(answer.headers['x-elastic-product']).toBe('Elasticsearch');
    const body = JSON.parse(answer.body) as { status: number; error: { type: string; reason: string; root_cause: { type: string }[] } };
    expect(body).toMatchObject({ status: 401, error: { type: 'security_exception', reason, root_cause: [{ type: 'security_exception' }] } });
    expect(seen.length).toBe(before);
  });

  it('gives the controller\'s client a 401 ResponseError for a wrong password, never the secret', async () => {
    const client = createEsClient({ nodes: [proxy.url], caFile: tls.caFile, maxRetries: 0, username: USER.username, password: 'wrong-password-123' });
    const error = await client.cluster.health().then(() => undefined, (e: unknown) => e as Error & { meta?: { statusCode?: number } });
    await client.close();
    expect(error?.meta?.statusCode).toBe(401);
    expect(error?.message).toContain('security_exception');
    expect(JSON.stringify(error)).not.toContain('wrong-password-123');
  });
});
