// An interrupt must never wait for a slow answer: every call to Elasticsearch takes the run's abort
// signal, through the client and the retries, against a real HTTP endpoint that never answers.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEsClient } from '../../src/cluster/es-client.ts';
import { EsCluster } from '../../src/cluster/es-cluster.ts';
import { EsLeaseStore } from '../../src/cluster/es-lock.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { startHangingServer, timeToAbort, type HangingServer } from '../support/hanging-server.ts';

describe('Elasticsearch calls abort within 2 s against a server that never answers', () => {
  let server: HangingServer;
  let cluster: EsCluster;
  let store: EsLeaseStore;

  beforeAll(async () => {
    server = await startHangingServer();
    const client = createEsClient({ nodes: [server.url], requestTimeoutMs: 60_000, maxRetries: 0 });
    cluster = new EsCluster(client, silentLogger());
    store = new EsLeaseStore(client, silentLogger());
  });
  afterAll(() => server.close());

  const calls: [string, (signal: AbortSignal) => Promise<unknown>][] = [
    ['observe', (signal) => cluster.observe(signal)],
    ['waitForHealth', (signal) => cluster.waitForHealth({ status: 'green', timeoutMs: 30_000 }, signal)],
    ['putSettings', (signal) => cluster.putSettings({ 'cluster.routing.allocation.enable': { persistent: null, transient: null } }, signal)],
    ['excludeFromVoting', (signal) => cluster.excludeFromVoting(['id-m-1'], signal)],
    ['the lease read', (signal) => store.read(signal)],
  ];

  it.each(calls)('%s', async (_name, call) => {
    const { settledAfterAbortMs, error } = await timeToAbort(call);
    expect(error).toMatchObject({ message: 'interrupted by test' });
    expect(settledAfterAbortMs).toBeLessThan(2_000);
  });
});
