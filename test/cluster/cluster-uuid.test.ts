// readClusterUuid against a local HTTP server answering GET / as Elasticsearch does.

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readClusterUuid } from '../../src/cluster/cluster-uuid.ts';
import { ServiceError } from '../../src/shared/errors.ts';

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** A server answering every request with `status` and `body`; returns its URL and what it was asked. */
async function answering(status: number, body: unknown): Promise<{ url: string; requests: { path: string; headers: IncomingHttpHeaders }[] }> {
  const requests: { path: string; headers: IncomingHttpHeaders }[] = [];
  server = createServer((req, res) => {
    requests.push({ path: req.url ?? '', headers: req.headers });
    res.writeHead(status, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port.toString()}`, requests };
}

const root = (uuid: string) => ({
  name: 'es-master-1',
  cluster_name: 'prod',
  cluster_uuid: uuid,
  version: { number: '9.5.4', build_flavor: 'default', lucene_version: '10.3.0', minimum_wire_compatibility_version: '8.19.0', minimum_index_compatibility_version: '8.0.0' },
  tagline: 'You Know, for Search',
});

describe('readClusterUuid', () => {
  it('reads the UUID from GET /, with the connection\'s credentials', async () => {
    const es = await answering(200, root('Xq3b7eU1Rj2pL0aE-0Vn9w'));
    await expect(readClusterUuid({ nodes: [es.url], username: 'upgrader', password: 'pw-0123456789' })).resolves.toBe('Xq3b7eU1Rj2pL0aE-0Vn9w');
    expect(es.requests).toHaveLength(1);
    expect(es.requests[0]?.path).toBe('/');
    expect(es.requests[0]?.headers.authorization).toBe(`Basic ${Buffer.from('upgrader:pw-0123456789').toString('base64')}`);
  });

  it('refuses a cluster that has not formed yet (_na_)', async () => {
    const es = await answering(200, root('_na_'));
    await expect(readClusterUuid({ nodes: [es.url] })).rejects.toThrow(/no UUID yet/);
  });

  it('says why when the cluster refuses, as a ServiceError', async () => {
    const es = await answering(401, { error: { type: 'security_exception', reason: 'unable to authenticate user [upgrader]' }, status: 401 });
    const error = await readClusterUuid({ nodes: [es.url], username: 'upgrader', password: 'pw-0123456789' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as Error).message).toContain('GET / (the cluster UUID) failed: HTTP 401, security_exception: unable to authenticate user [upgrader]');
  });
});
