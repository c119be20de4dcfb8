// _cat/shards is read as a stream over real HTTP (the mocked client hands over whole strings): its
// chunks, its error statuses and an abort while its body is still coming.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { createEsClient } from '../../src/cluster/es-client.ts';
import { EsCluster } from '../../src/cluster/es-cluster.ts';
import { ServiceError } from '../../src/shared/errors.ts';
import { silentLogger } from '../../src/shared/log.ts';

const fast = { retries: 2, minDelayMs: 1, maxDelayMs: 2 };
const JSON_HEADERS = { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' };

/** What the rest of observe reads: one data node, green. */
const small: Record<string, unknown> = {
  '/_nodes': { nodes: { n1: { name: 'données-1', ip: '10.0.0.1', version: '9.5.4', roles: ['data'], attributes: {} } } },
  '/_cluster/health': { status: 'green', number_of_nodes: 1, number_of_data_nodes: 1, active_shards: 2, unassigned_shards: 0 },
  '/_cluster/state/master_node,metadata': { master_node: 'n1', metadata: { cluster_coordination: { last_committed_config: ['n1'], voting_config_exclusions: [] } } },
  '/_cluster/settings': { persistent: {}, transient: {} },
};

const ROWS = '[{"i":"logs","s":"0","p":"p","st":"STARTED","n":"données-1","ua":null},{"i":"logs","s":"0","p":"r","st":"UNASSIGNED","n":null,"ua":"2026-11-28T05:00:00.000Z"}]';

type CatShards = (res: ServerResponse, attempt: number) => void;

let server: Server | undefined;
const catShardsRequests: string[] = [];

async function serve(catShards: CatShards): Promise<EsCluster> {
  let attempt = 0;
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/_cat/shards') {
      catShardsRequests.push(url.search);
      catShards(res, attempt++);
      return;
    }
    const body = small[decodeURIComponent(url.pathname)];
    res.writeHead(body ? 200 : 404, JSON_HEADERS);
    res.end(JSON.stringify(body ?? { error: 'not served', status: 404 }));
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return new EsCluster(createEsClient({ nodes: [`http://127.0.0.1:${port}`], maxRetries: 0 }), silentLogger(), { retry: fast });
}

afterEach(async () => {
  catShardsRequests.length = 0;
  const s = server;
  server = undefined;
  if (s) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

describe('EsCluster.observe reading _cat/shards over HTTP', () => {
  it('asks for the short columns and reads a body whose chunks split a character', async () => {
    const cluster = await serve((res) => {
      const bytes = Buffer.from(ROWS);
      // Inside the two bytes of "é".
      const cut = bytes.indexOf(Buffer.from('é')) + 1;
      res.writeHead(200, JSON_HEADERS);
      res.write(bytes.subarray(0, cut));
      setTimeout(() => res.end(bytes.subarray(cut)), 20);
    });

    const snapshot = await cluster.observe();

    expect(new URLSearchParams(catShardsRequests[0]).get('h')).toBe('i,s,p,st,n,ua');
    expect(new URLSearchParams(catShardsRequests[0]).get('format')).toBe('json');
    expect(snapshot.shards).toEqual([
      { index: 'logs', shard: 0, primary: true, state: 'STARTED', node: 'données-1' },
      { index: 'logs', shard: 0, primary: false, state: 'UNASSIGNED', unassignedAt: '2026-11-28T05:00:00.000Z' },
    ]);
  });

  it('reads a gzip-encoded body', async () => {
    const cluster = await serve((res) => {
      res.writeHead(200, { ...JSON_HEADERS, 'content-encoding': 'gzip' });
      res.end(gzipSync(ROWS));
    });

    const snapshot = await cluster.observe();

    expect(snapshot.shards.map((s) => s.node ?? s.unassignedAt)).toEqual(['données-1', '2026-11-28T05:00:00.000Z']);
  });

  it('retries a 503 as any other call, then reads the next answer', async () => {
    const cluster = await serve((res, attempt) => {
      if (attempt === 0) {
        res.writeHead(503, JSON_HEADERS);
        res.end(JSON.stringify({ error: { type: 'master_not_discovered_exception', reason: null }, status: 503 }));
        return;
      }
      res.writeHead(200, JSON_HEADERS);
      res.end(ROWS);
    });

    const snapshot = await cluster.observe();

    expect(catShardsRequests).toHaveLength(2);
    expect(snapshot.shards).toHaveLength(2);
  });

  it('reports a 4xx with its status, type and reason, without retrying', async () => {
    const cluster = await serve((res) => {
      res.writeHead(400, JSON_HEADERS);
      res.end(JSON.stringify({ error: { type: 'illegal_argument_exception', reason: 'request [/_cat/shards] contains unrecognized parameter: [x]' }, status: 400 }));
    });

    const error = await cluster.observe().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ServiceError);
    expect((error as Error).message).toBe(
      'GET _cat/shards failed: HTTP 400, illegal_argument_exception: request [/_cat/shards] contains unrecognized parameter: [x], (GET /_cat/shards)',
    );
    expect(catShardsRequests).toHaveLength(1);
  });

  it('reports an error answer that is not JSON by its status', async () => {
    const cluster = await serve((res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html>Bad Gateway</html>');
    });

    const error = await cluster.observe().catch((e: unknown) => e);

    expect((error as Error).message).toBe('GET _cat/shards failed: HTTP 502, (GET /_cat/shards)');
    expect(catShardsRequests).toHaveLength(3);
  });

  it('stops reading a body that stalls when the run is interrupted', async () => {
    const cluster = await serve((res) => {
      res.writeHead(200, JSON_HEADERS);
      res.write('[{"i":"logs",');
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('interrupted by test')), 300);
    const started = Date.now();

    const error = await cluster.observe(controller.signal).catch((e: unknown) => e);

    expect(error).toMatchObject({ message: 'interrupted by test' });
    expect(Date.now() - started).toBeLessThan(2_300);
  });
});

describe('EsCluster.observe on a _cat/shards answer it cannot read', () => {
  it.each([
    ['cut short', '[{"i":"logs","s":"0"', /^GET _cat\/shards failed: Error: _cat\/shards answered something other than JSON/],
    ['of a state it does not know', '[{"i":"logs","s":"0","p":"p","st":"CLOSED","n":"data-1"}]', /^GET _cat\/shards failed: Error: unknown shard state "CLOSED" for logs\[0\]$/],
  ])('fails the observation naming the call when the answer is %s, without retrying', async (_name, body, message) => {
    const cluster = await serve((res) => {
      res.writeHead(200, JSON_HEADERS);
      res.end(body);
    });

    const error = await cluster.observe().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ServiceError);
    expect((error as Error).message).toMatch(message);
    expect(catShardsRequests).toHaveLength(1);
  });
});
