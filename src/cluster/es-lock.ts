// The lease store as one document in the cluster itself. Every write is conditional on the
// seq_no/primary_term last seen, so two controllers can never both believe they hold the lease.
// GETs are realtime, so no refresh is needed for a controller to see the latest lease.

import type { Client } from '@elastic/elasticsearch';
import type { Clock } from '../shared/clock.ts';
import { ServiceError } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';
import { withRetry, type RetryOptions } from '../shared/retry.ts';
import { LeaseLock, type LeaseLockOptions, type LeaseStore, type StoredLease } from '../upgrade/lease-lock.ts';
import type { LeaseRecord } from '../upgrade/ports.ts';
import { esErrorTypeOf, esStatusOf, toEsServiceError } from './es-error.ts';

export const LOCK_INDEX = 'es-rolling-upgrade-lock';
const LEASE_ID = 'lease';
/**
 * Two copies, whatever the size of the cluster: the lease survives any one data node (or zone, with
 * awareness) leaving, without a copy on every node of a large cluster. A fixed count, not
 * auto_expand_replicas: Elasticsearch shrinks an auto-expanded index when a node is excluded from
 * allocation, which this controller does to every node it replaces.
 */
const LOCK_INDEX_REPLICAS = 1;

export interface EsLockOptions extends LeaseLockOptions {
  retry?: RetryOptions;
  index?: string;
}

/** The Lock port on a document of the cluster. */
export function createEsLock(client: Client, clock: Clock, log: Logger, options: EsLockOptions = {}): LeaseLock {
  return new LeaseLock(new EsLeaseStore(client, log, options), clock, options);
}

export class EsLeaseStore implements LeaseStore {
  private readonly client: Client;
  private readonly log: Logger;
  private readonly options: EsLockOptions;
  private readonly index: string;
  private indexReady = false;

  constructor(client: Client, log: Logger, options: EsLockOptions = {}) {
    this.client = client;
    this.log = log;
    this.options = options;
    this.index = options.index ?? LOCK_INDEX;
  }

  async read(signal?: AbortSignal): Promise<StoredLease | undefined> {
    return this.call(
      'GET lease',
      async () => {
        try {
          const r = await this.client.get<LeaseRecord>({ index: this.index, id: LEASE_ID }, signal ? { signal } : {});
          if (!r.found || !r._source) return undefined;
          return { record: r._source, version: toVersion(r) };
        } catch (error) {
          if (esStatusOf(error) === 404) return undefined;
          throw error;
        }
      },
      signal,
    );
  }

  async create(record: LeaseRecord, signal?: AbortSignal): Promise<string | undefined> {
    await this.ensureIndex(signal);
    return this.call(
      'PUT lease (create)',
      async () => {
        try {
          const r = await this.client.index({ index: this.index, id: LEASE_ID, op_type: 'create', document: record }, signal ? { signal } : {});
          return toVersion(r);
        } catch (error) {
          if (esStatusOf(error) === 409) return undefined;
          throw error;
        }
      },
      signal,
    );
  }

  async replace(record: LeaseRecord, version: string, signal?: AbortSignal): Promise<string | undefined> {
    const { seqNo, primaryTerm } = fromVersion(version);
    return this.call(
      'PUT lease',
      async () => {
        try {
          const r = await this.client.index(
            { index: this.index, id: LEASE_ID, document: record, if_seq_no: seqNo, if_primary_term: primaryTerm },
            signal ? { signal } : {},
          );
          return toVersion(r);
        } catch (error) {
          if (esStatusOf(error) === 409) return undefined;
          throw error;
        }
      },
      signal,
    );
  }

  async remove(version: string, signal?: AbortSignal): Promise<'deleted' | 'conflict'> {
    const { seqNo, primaryTerm } = fromVersion(version);
    const outcome = await this.call(
      'DELETE lease',
      async () => {
        try {
          await this.client.delete(
            { index: this.index, id: LEASE_ID, if_seq_no: seqNo, if_primary_term: primaryTerm },
            signal ? { signal } : {},
          );
          return 'deleted' as const;
        } catch (error) {
          const status = esStatusOf(error);
          // 404: already gone (a retried delete that had landed, or someone cleaned up): fine.
          if (status === 404) return 'deleted' as const;
          if (status === 409) return 'conflict' as const;
          throw error;
        }
      },
      signal,
    );
    if (outcome === 'deleted') this.log.info('deleted the upgrade lease: the upgrade is complete');
    return outcome;
  }

  /**
   * One shard with two copies; an index left by an earlier release (a copy on every node) is brought
   * in line. Its copy on a replaced node is allocated again at once: with Elasticsearch's default
   * one-minute node-left delay the cluster stayed yellow for that minute, and the run with it, after
   * every replacement of a node that held one.
   */
  private async ensureIndex(signal?: AbortSignal): Promise<void> {
    if (this.indexReady) return;
    const inLine = { auto_expand_replicas: 'false', number_of_replicas: LOCK_INDEX_REPLICAS, 'unassigned.node_left.delayed_timeout': '0' };
    const settings = { number_of_shards: 1, ...inLine, hidden: true };
    await this.call(
      `PUT ${this.index}`,
      async () => {
        try {
          await this.client.indices.create(
            { index: this.index, settings, mappings: { dynamic: false, properties: {} } },
            signal ? { signal } : {},
          );
        } catch (error) {
          if (esErrorTypeOf(error) !== 'resource_already_exists_exception') throw error;
          try {
            await this.client.indices.putSettings(
              { index: this.index, settings: { index: inLine } },
              signal ? { signal } : {},
            );
          } catch (settingsError) {
            // Bringing the index in line needs `manage` on it; a user granted only create_index,
            // read and write still has a working lease, with the copies the index already has.
            if (esStatusOf(settingsError) !== 403) throw settingsError;
            this.log.warn(
              { index: this.index },
              'could not bring the lock index to one replica without auto-expand or node-left delay (no manage privilege on it); the lease works as it is',
            );
          }
        }
      },
      signal,
    );
    this.indexReady = true;
  }

  private async call<T>(what: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    try {
      return await withRetry(fn, { log: this.log, what, options: this.options.retry, signal });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw toEsServiceError(error, what);
    }
  }
}

function toVersion(r: { _seq_no?: number; _primary_term?: number }): string {
  if (r._seq_no === undefined || r._primary_term === undefined) {
    throw new ServiceError('elasticsearch', 'lease response carried no _seq_no/_primary_term');
  }
  return `${r._seq_no}:${r._primary_term}`;
}

function fromVersion(version: string): { seqNo: number; primaryTerm: number } {
  const [seqNo, primaryTerm] = version.split(':').map(Number);
  return { seqNo: seqNo ?? -1, primaryTerm: primaryTerm ?? -1 };
}
