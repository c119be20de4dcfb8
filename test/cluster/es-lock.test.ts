import { describe, expect, it } from 'vitest';
import { EsLock } from '../../src/cluster/es-lock.ts';
import { LockLostError } from '../../src/shared/errors.ts';
import { silentLogger } from '../../src/shared/log.ts';
import type { LeaseRecord } from '../../src/upgrade/ports.ts';
import { fixtureSet, mockedEs, type MockedEs, type Request } from './es-fixtures.ts';

// Captured with test/cluster/capture-write-fixtures.ts: host-a's lease, acquired 10:00, expiring 10:05.
const { versionsWith, loadFixture, fixtureResponse } = fixtureSet('es-writes');
const fast = { retries: 2, minDelayMs: 1, maxDelayMs: 2 };
const TTL = 5 * 60_000;
const at = (time: string): Date => new Date(`2026-01-01T${time}.000Z`);

const LEASE = '/es-rolling-upgrade-lock/_doc/lease';

interface Routes {
  createIndex?: string;
  /** PUT with op_type=create. */
  create?: string[];
  /** PUT with if_seq_no/if_primary_term. */
  write?: string[];
  get?: string[];
  remove?: string[];
}

function serveLock(es: MockedEs, version: string, routes: Routes): void {
  const r = (name: string) => fixtureResponse(version, name);
  const sequence = (names: string[] | undefined) => {
    let n = 0;
    return () => {
      const name = names?.[Math.min(n++, names.length - 1)];
      if (!name) throw new Error('unexpected request');
      return r(name);
    };
  };
  const create = sequence(routes.create);
  const write = sequence(routes.write);
  es.serve('PUT', '/es-rolling-upgrade-lock', r(routes.createIndex ?? 'lock-index-exists'));
  es.serve('PUT', LEASE, (request: Request) => (request.querystring.op_type === 'create' ? create() : write()));
  es.serve('GET', LEASE, sequence(routes.get));
  es.serve('DELETE', LEASE, sequence(routes.remove));
}

const fixture = (version: string, name: string): LeaseRecord => loadFixture<{ _source: LeaseRecord }>(version, name)._source;
const newLock = (es: MockedEs): EsLock => new EsLock(es.client, silentLogger(), { retry: fast });
const writes = (es: MockedEs): Request[] => es.requests.filter((q) => q.method === 'PUT' && q.path === LEASE);

describe.each(versionsWith('lock-get-found', 'lock-get-updated'))('EsLock against Elasticsearch %s', (version) => {
  describe('acquire', () => {
    it('creates the lock index with one shard on every data node, then the lease with op_type=create', async () => {
      // Prepare
      const es = mockedEs();
      serveLock(es, version, { createIndex: 'lock-index-created', create: ['lock-create-created'] });

      // Act
      const outcome = await newLock(es).acquire('host-a:1:a', '9.5.4', TTL, at('10:00:00'));

      // Assess
      expect(es.requests[0]).toMatchObject({
        method: 'PUT',
        path: '/es-rolling-upgrade-lock',
        body: { settings: { number_of_shards: 1, auto_expand_replicas: '0-all', hidden: true } },
      });
      expect(writes(es)[0]?.querystring).toEqual({ op_type: 'create' });
      expect(outcome).toEqual({
        acquired: true,
        resumed: false,
        record: {
          holder: 'host-a:1:a',
          targetVersion: '9.5.4',
          acquiredAt: '2026-01-01T10:00:00.000Z',
          expiresAt: '2026-01-01T10:05:00.000Z',
          runStartedAt: '2026-01-01T10:00:00.000Z',
          terminatedInstanceIds: [],
        },
      });
    });

    it('accepts a lock index that already exists', async () => {
      const es = mockedEs();
      serveLock(es, version, { createIndex: 'lock-index-exists', create: ['lock-create-created'] });

      const outcome = await newLock(es).acquire('host-a:1:a', '9.5.4', TTL, at('10:00:00'));

      expect(outcome.acquired).toBe(true);
    });

    it("refuses while another controller's lease is live, saying who holds it", async () => {
      const es = mockedEs();
      serveLock(es, version, { create: ['lock-create-conflict'], get: ['lock-get-found'] });

      const outcome = await newLock(es).acquire('host-b:2:b', '9.5.4', TTL, at('10:03:00'));

      expect(outcome).toEqual({ acquired: false, heldBy: fixture(version, 'lock-get-found') });
      expect(writes(es)).toHaveLength(1);
    });

    it('takes over an expired lease conditionally on its seq_no and primary term, resuming the same target', async () => {
      // Prepare
      const es = mockedEs();
      serveLock(es, version, { create: ['lock-create-conflict'], get: ['lock-get-found'], write: ['lock-index-updated'] });
      const previous = fixture(version, 'lock-get-found');
      const found = loadFixture<{ _seq_no: number; _primary_term: number }>(version, 'lock-get-found');

      // Act
      const outcome = await newLock(es).acquire('host-b:2:b', '9.5.4', TTL, at('10:10:00'));

      // Assess
      expect(writes(es)[1]?.querystring).toEqual({ if_seq_no: String(found._seq_no), if_primary_term: String(found._primary_term) });
      expect(outcome).toMatchObject({ acquired: true, resumed: true });
      expect(outcome.acquired && outcome.record).toMatchObject({
        holder: 'host-b:2:b',
        expiresAt: '2026-01-01T10:15:00.000Z',
        runStartedAt: previous.runStartedAt,
        terminatedInstanceIds: previous.terminatedInstanceIds,
      });
    });

    it('takes over its own lease (same holder) even before it expires', async () => {
      const es = mockedEs();
      serveLock(es, version, { create: ['lock-create-conflict'], get: ['lock-get-found'], write: ['lock-index-updated'] });

      const outcome = await newLock(es).acquire('host-a:1:a', '9.5.4', TTL, at('10:03:00'));

      expect(outcome).toMatchObject({ acquired: true, resumed: true });
    });

    it('does not resume an expired lease for another target version', async () => {
      const es = mockedEs();
      serveLock(es, version, { create: ['lock-create-conflict'], get: ['lock-get-found'], write: ['lock-index-updated'] });

      const outcome = await newLock(es).acquire('host-b:2:b', '9.6.0', TTL, at('10:10:00'));

      expect(outcome).toMatchObject({ acquired: true, resumed: false, record: { runStartedAt: '2026-01-01T10:10:00.000Z', terminatedInstanceIds: [] } });
    });

    it('reports the lease held when another controller wins the takeover race', async () => {
      // Prepare: our conditional write conflicts; the lease now reads as host-a's renewed one.
      const es = mockedEs();
      serveLock(es, version, { create: ['lock-create-conflict'], get: ['lock-get-found', 'lock-get-updated'], write: ['lock-index-stale'] });

      // Act
      const outcome = await newLock(es).acquire('host-b:2:b', '9.5.4', TTL, at('10:06:00'));

      // Assess
      expect(outcome).toEqual({ acquired: false, heldBy: fixture(version, 'lock-get-updated') });
    });
  });

  describe('update', () => {
    it('extends the lease conditionally on where its previous write landed', async () => {
      // Prepare
      const es = mockedEs();
      serveLock(es, version, { create: ['lock-create-created'], write: ['lock-index-updated'] });
      const lock = newLock(es);
      const outcome = await lock.acquire('host-a:1:a', '9.5.4', TTL, at('10:00:00'));
      if (!outcome.acquired) throw new Error('expected the lease');
      const created = loadFixture<{ _seq_no: number; _primary_term: number }>(version, 'lock-create-created');

      // Act
      const updated = await lock.update({ ...outcome.record, terminatedInstanceIds: ['i-1'] }, TTL, at('10:02:00'));

      // Assess
      expect(writes(es)[1]?.querystring).toEqual({ if_seq_no: String(created._seq_no), if_primary_term: String(created._primary_term) });
      expect(writes(es)[1]?.body).toMatchObject({ terminatedInstanceIds: ['i-1'], expiresAt: '2026-01-01T10:07:00.000Z' });
      expect(updated.expiresAt).toBe('2026-01-01T10:07:00.000Z');
    });

    it('throws LockLostError naming the new holder when someone else took the lease', async () => {
      const es = mockedEs();
      serveLock(es, version, { create: ['lock-create-created'], write: ['lock-index-stale'], get: ['lock-get-updated'] });
      const lock = newLock(es);
      const outcome = await lock.acquire('host-c:3:c', '9.5.4', TTL, at('10:00:00'));
      if (!outcome.acquired) throw new Error('expected the lease');

      const update = lock.update(outcome.record, TTL, at('10:01:00'));

      await expect(update).rejects.toBeInstanceOf(LockLostError);
      await expect(update).rejects.toThrow(`taken over by ${fixture(version, 'lock-get-updated').holder}`);
    });
  });

  describe('release', () => {
    it('deletes the lease conditionally on its last write', async () => {
      const es = mockedEs();
      serveLock(es, version, { create: ['lock-create-created'], remove: ['lock-delete-deleted'] });
      const lock = newLock(es);
      const outcome = await lock.acquire('host-a:1:a', '9.5.4', TTL, at('10:00:00'));
      if (!outcome.acquired) throw new Error('expected the lease');

      await lock.release(outcome.record);

      const deletes = es.requests.filter((q) => q.method === 'DELETE');
      expect(deletes).toHaveLength(1);
      expect(deletes[0]?.querystring).toMatchObject({ if_seq_no: expect.any(String) as string, if_primary_term: expect.any(String) as string });
    });

    it('ignores a lease that is already gone (404)', async () => {
      const es = mockedEs();
      serveLock(es, version, { create: ['lock-create-created'], remove: ['lock-delete-missing'] });
      const lock = newLock(es);
      const outcome = await lock.acquire('host-a:1:a', '9.5.4', TTL, at('10:00:00'));
      if (!outcome.acquired) throw new Error('expected the lease');

      await expect(lock.release(outcome.record)).resolves.toBeUndefined();
    });

    it("does not delete another controller's lease: 409, then LockLostError", async () => {
      const es = mockedEs();
      serveLock(es, version, { create: ['lock-create-created'], remove: ['lock-delete-stale'], get: ['lock-get-updated'] });
      const lock = newLock(es);
      const outcome = await lock.acquire('host-c:3:c', '9.5.4', TTL, at('10:00:00'));
      if (!outcome.acquired) throw new Error('expected the lease');

      await expect(lock.release(outcome.record)).rejects.toBeInstanceOf(LockLostError);
    });
  });
});
