import { describe, expect, it } from 'vitest';
import { errors } from '@elastic/elasticsearch';
import { createEsLock, EsLeaseStore } from '../../src/cluster/es-lock.ts';
import { LockLostError } from '../../src/shared/errors.ts';
import { silentLogger } from '../../src/shared/log.ts';
import type { LeaseRecord } from '../../src/upgrade/ports.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { fixtureSet, mockedEs, type MockedEs, type Request, type Response } from './es-fixtures.ts';

// Captured with test/cluster/capture-write-fixtures.ts: host-a's lease (written by an earlier
// release of this tool: an expiry time instead of a TTL), acquired 10:00.
const { versionsWith, loadFixture, fixtureResponse } = fixtureSet('es-writes');
const fast = { retries: 2, minDelayMs: 1, maxDelayMs: 2 };
const TTL = 5 * 60_000;

const LEASE = '/es-rolling-upgrade-lock/_doc/lease';

interface Routes {
  createIndex?: string;
  /** PUT with op_type=create. */
  create?: string[];
  /** PUT with if_seq_no/if_primary_term. */
  write?: string[];
  get?: string[];
  remove?: string[];
  /** The answer to an index settings update, if not an acknowledgement. */
  settings?: Response;
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
  // What Elasticsearch answers to an index settings update.
  es.serve('PUT', '/es-rolling-upgrade-lock/_settings', routes.settings ?? { acknowledged: true });
  es.serve('PUT', LEASE, (request: Request) => (request.querystring.op_type === 'create' ? create() : write()));
  es.serve('GET', LEASE, sequence(routes.get));
  es.serve('DELETE', LEASE, sequence(routes.remove));
}

const fixture = (version: string, name: string): LeaseRecord => loadFixture<{ _source: LeaseRecord }>(version, name)._source;
const position = (version: string, name: string): string => {
  const f = loadFixture<{ _seq_no: number; _primary_term: number }>(version, name);
  return `${f._seq_no}:${f._primary_term}`;
};
const newStore = (es: MockedEs): EsLeaseStore => new EsLeaseStore(es.client, silentLogger(), { retry: fast });
const writes = (es: MockedEs): Request[] => es.requests.filter((q) => q.method === 'PUT' && q.path === LEASE);
const record = (holder: string): LeaseRecord => ({
  holder,
  targetVersion: '9.5.4',
  acquiredAt: '2026-01-01T10:00:00.000Z',
  renewedAt: '2026-01-01T10:00:00.000Z',
  ttlMs: TTL,
  runStartedAt: '2026-01-01T10:00:00.000Z',
  terminatedInstanceIds: [],
});

const versions = versionsWith('lock-get-found', 'lock-get-updated');

describe('EsLeaseStore', () => {
  it('has captured versions to test against', () => expect(versions.length).toBeGreaterThan(0));

  describe.each(versions)('against Elasticsearch %s', (version) => {
    it('creates the lock index with one shard and two copies (no auto-expand, no node-left delay), then the lease with op_type=create', async () => {
      const es = mockedEs();
      serveLock(es, version, { createIndex: 'lock-index-created', create: ['lock-create-created'] });

      const created = await newStore(es).create(record('host-a:1:a'));

      expect(es.requests[0]).toMatchObject({
        method: 'PUT',
        path: '/es-rolling-upgrade-lock',
        body: { settings: { number_of_shards: 1, number_of_replicas: 1, auto_expand_replicas: 'false', 'unassigned.node_left.delayed_timeout': '0', hidden: true } },
      });
      expect(writes(es)[0]?.querystring).toEqual({ op_type: 'create' });
      expect(created).toBe(position(version, 'lock-create-created'));
    });

    it('brings an existing lock index (a copy on every node, from an earlier release) to two copies', async () => {
      const es = mockedEs();
      serveLock(es, version, { createIndex: 'lock-index-exists', create: ['lock-create-created'] });

      await newStore(es).create(record('host-a:1:a'));

      expect(es.requests.find((q) => q.path === '/es-rolling-upgrade-lock/_settings')?.body).toEqual({ index: { auto_expand_replicas: 'false', number_of_replicas: 1, 'unassigned.node_left.delayed_timeout': '0' } });
    });

    it('takes the lease on an existing lock index even when its settings may not be changed (403: no manage privilege)', async () => {
      const es = mockedEs();
      const forbidden = { error: { type: 'security_exception', reason: 'action [indices:admin/settings/update] is unauthorized for user [upgrader]' }, status: 403 };
      const settings = new errors.ResponseError({ body: forbidden, statusCode: 403, headers: {}, warnings: null, meta: {} as never });
      serveLock(es, version, { createIndex: 'lock-index-exists', create: ['lock-create-created'], settings });

      expect(await newStore(es).create(record('host-a:1:a'))).toBe(position(version, 'lock-create-created'));
      expect(es.requests.filter((q) => q.path === '/es-rolling-upgrade-lock/_settings')).toHaveLength(1);
    });

    it('reports an existing lease on create as nothing created', async () => {
      const es = mockedEs();
      serveLock(es, version, { create: ['lock-create-conflict'] });
      expect(await newStore(es).create(record('host-b:2:b'))).toBeUndefined();
    });

    it('reads the lease with the position a conditional write must name', async () => {
      const es = mockedEs();
      serveLock(es, version, { get: ['lock-get-found'] });
      expect(await newStore(es).read()).toEqual({ record: fixture(version, 'lock-get-found'), version: position(version, 'lock-get-found') });
    });

    it('reads no lease on 404', async () => {
      const es = mockedEs();
      serveLock(es, version, { get: ['lock-get-missing'] });
      expect(await newStore(es).read()).toBeUndefined();
    });

    it('replaces the lease conditionally on its seq_no and primary term; a stale position changes nothing', async () => {
      const es = mockedEs();
      serveLock(es, version, { write: ['lock-index-updated', 'lock-index-stale'] });
      const store = newStore(es);
      const at = position(version, 'lock-get-found');

      expect(await store.replace(record('host-b:2:b'), at)).toBe(position(version, 'lock-index-updated'));
      expect(await store.replace(record('host-b:2:b'), at)).toBeUndefined();
      const [seqNo, primaryTerm] = at.split(':');
      expect(writes(es)[0]?.querystring).toEqual({ if_seq_no: seqNo, if_primary_term: primaryTerm });
    });

    it.each([
      ['lock-delete-deleted', 'deleted'],
      ['lock-delete-missing', 'deleted'],
      ['lock-delete-stale', 'conflict'],
    ])('removes conditionally: %s is %s', async (name, outcome) => {
      const es = mockedEs();
      serveLock(es, version, { remove: [name] });
      expect(await newStore(es).remove('0:1')).toBe(outcome);
      expect(es.requests.find((q) => q.method === 'DELETE')?.querystring).toEqual({ if_seq_no: '0', if_primary_term: '1' });
    });

    it('a lock on the cluster takes over a lease from an earlier release once it has stayed unchanged for its TTL, resuming it', async () => {
      const es = mockedEs();
      serveLock(es, version, { create: ['lock-create-conflict'], get: ['lock-get-found'], write: ['lock-index-updated'] });
      const clock = new ManualClock('2026-01-01T10:03:00.000Z');
      const previous = fixture(version, 'lock-get-found');

      const outcome = await createEsLock(es.client, clock, silentLogger(), { retry: fast }).acquire('host-b:2:b', '9.5.4', TTL);

      expect(outcome).toMatchObject({ acquired: true, resumed: true, record: { holder: 'host-b:2:b', runStartedAt: previous.runStartedAt } });
      // The legacy lease said it expired at 10:05; staleness is judged by watching, from 10:03.
      expect(clock.now().getTime() - Date.parse('2026-01-01T10:03:00.000Z')).toBeGreaterThanOrEqual(TTL);
      expect(writes(es).at(-1)?.body).toMatchObject({ holder: 'host-b:2:b', ttlMs: TTL });
      expect(writes(es).at(-1)?.body).not.toHaveProperty('expiresAt');
    });

    it('update through the lock fails with LockLostError naming the new holder when someone else took the lease', async () => {
      const es = mockedEs();
      serveLock(es, version, { create: ['lock-create-created'], write: ['lock-index-stale'], get: ['lock-get-updated'] });
      const lock = createEsLock(es.client, new ManualClock('2026-01-01T10:00:00.000Z'), silentLogger(), { retry: fast });
      const outcome = await lock.acquire('host-c:3:c', '9.5.4', TTL);
      if (!outcome.acquired) throw new Error('expected the lease');

      const update = lock.update(outcome.record, TTL);

      await expect(update).rejects.toBeInstanceOf(LockLostError);
      await expect(update).rejects.toThrow(`taken over by ${fixture(version, 'lock-get-updated').holder ?? ''}`);
    });
  });
});
