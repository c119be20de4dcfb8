// Elasticsearch behind TLS, against a real HTTPS server with certificates made by openssl: the
// right CA is trusted, a wrong one fails at once with a clear error, never waited out as if the
// cluster were restarting.

import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTlsMaterial, type TlsMaterial } from '../../sandbox/tls-certs.ts';
import { createEsClient } from '../../src/cluster/es-client.ts';
import { EsCluster } from '../../src/cluster/es-cluster.ts';
import { ServiceError } from '../../src/shared/errors.ts';
import { silentLogger } from '../../src/shared/log.ts';

describe('Elasticsearch over HTTPS', () => {
  let tls: TlsMaterial;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    tls = generateTlsMaterial(mkdtempSync(join(tmpdir(), 'esru-tls-')));
    server = createServer({ key: readFileSync(tls.keyFile), cert: readFileSync(tls.certFile) }, (_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-elastic-product', 'Elasticsearch');
      res.end(JSON.stringify({ status: 'green', number_of_nodes: 1 }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const cluster = (caFile: string): EsCluster =>
    new EsCluster(createEsClient({ nodes: [url], caFile }), silentLogger(), { retry: { retries: 5, minDelayMs: 1000, maxDelayMs: 2000 } });

  it('trusts the server with the CA that signed it', async () => {
    const health = await cluster(tls.caFile).waitForHealth({ timeoutMs: 1000 });
    expect(health.status).toBe('green');
  });

  it('refuses a server its CA did not sign: not transient, no retries, naming the certificate', async () => {
    const started = Date.now();
    const error = await cluster(tls.wrongCaFile).waitForHealth({ timeoutMs: 1000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect(error).toMatchObject({ transient: false });
    expect((error as Error).message).toMatch(/certificate/i);
    // Five retries a second apart would take five seconds at least.
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
