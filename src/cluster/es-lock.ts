// The Lock port as a lease document in the cluster itself. Every write is conditional on the
// seq_no/primary_term last seen, so two controllers can never both believe they hold the lease.
// GETs are realtime, so no refresh is needed for a controller to see the latest lease.

import type { Client } from '@elastic/elasticsearch';
import { LockLostError, ServiceError } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';
import { withRetry, type RetryOptions } from '../shared/retry.ts';
import type { LeaseRecord, Lock, LockOutcome } from '../upgrade/ports.ts';
import { esErrorTypeOf, esStatusOf, toEsServiceError } from './es-error.ts';

export const LOCK_INDEX = 'es-rolling-upgrade-lock';
const LEASE_ID = 'lease';

export interface EsLockOptions {
  retry?: RetryOptions;
  index?: string;
}

interface Position {
  seqNo: number;
  primaryTerm: number;
}

interface Stored extends Position {
  record: LeaseRecord;
}

export class EsLock implements Lock {
  private readonly client: Client;
  private readonly log: Logger;
  private readonly options: EsLockOptions;
  private readonly index: string;
  /** Where our last write landed; the condition for the next one. */
  private position: Position | undefined;
  private indexReady = false;

  constructor(client: Client, log: Logger, options: EsLockOptions = {}) {
    this.client = client;
    this.log = log;
    this.options = options;
    this.index = options.index ?? LOCK_INDEX;
  }

  async acquire(holder: string, targetVersion: string, ttlMs: number, now: Date): Promise<LockOutcome> {
    await this.ensureIndex();
    const fresh: LeaseRecord = {
      holder,
      targetVersion,
      acquiredAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + ttlMs).toISOString(),
      runStartedAt: now.toISOString(),
      terminatedInstanceIds: [],
    };
    // A few rounds: another controller may delete or take the lease between our reads and writes.
    for (let round = 0; round < 3; round++) {
      const created = await this.create(fresh);
      if (created) {
        this.position = created;
        return { acquired: true, record: fresh, resumed: false };
      }
      const current = await this.read();
      if (!current) continue;
      const existing = current.record;
      const expired = Date.parse(existing.expiresAt) < now.getTime();
      if (!expired && existing.holder !== holder) return { acquired: false, heldBy: existing };
      const record = takeOver(existing, fresh);
      const written = await this.write(record, current);
      if (written) {
        this.position = written;
        const resumed = existing.targetVersion === targetVersion;
        this.log.info({ previousHolder: existing.holder, expired, resumed }, 'took over the upgrade lease');
        return { acquired: true, record, resumed };
      }
    }
    const current = await this.read();
    if (current) return { acquired: false, heldBy: current.record };
    throw new ServiceError('elasticsearch', 'could not acquire the upgrade lease: it kept changing under us');
  }

  async update(record: LeaseRecord, ttlMs: number, now: Date): Promise<LeaseRecord> {
    if (!this.position) throw new LockLostError('the upgrade lease is not held by this controller');
    const next: LeaseRecord = { ...record, expiresAt: new Date(now.getTime() + ttlMs).toISOString() };
    const written = await this.write(next, this.position);
    if (!written) {
      this.position = undefined;
      const current = await this.read();
      throw new LockLostError(
        current ? `the upgrade lease was taken over by ${current.record.holder}` : 'the upgrade lease was deleted',
      );
    }
    this.position = written;
    return next;
  }

  async release(record: LeaseRecord): Promise<void> {
    let position = this.position;
    if (!position) {
      const current = await this.read();
      if (!current) return;
      if (current.record.holder !== record.holder) throw new LockLostError(`the upgrade lease is held by ${current.record.holder}`);
      position = current;
    }
    const condition = position;
    const outcome = await this.call('DELETE lease', async () => {
      try {
        await this.client.delete({ index: this.index, id: LEASE_ID, if_seq_no: condition.seqNo, if_primary_term: condition.primaryTerm });
        return 'deleted';
      } catch (error) {
        const status = esStatusOf(error);
        // 404: already gone (a retried delete that had landed, or someone cleaned up): fine.
        if (status === 404) return 'deleted';
        if (status === 409) return 'conflict';
        throw error;
      }
    });
    this.position = undefined;
    if (outcome === 'conflict') {
      const current = await this.read();
      if (current) throw new LockLostError(`the upgrade lease was taken over by ${current.record.holder}`);
    }
    this.log.info({ holder: record.holder }, 'released the upgrade lease');
  }

  /** One shard with a copy on every data node, so the lease survives any single node leaving. */
  private async ensureIndex(): Promise<void> {
    if (this.indexReady) return;
    await this.call(`PUT ${this.index}`, async () => {
      try {
        await this.client.indices.create({
          index: this.index,
          settings: { number_of_shards: 1, auto_expand_replicas: '0-all', hidden: true },
          mappings: { dynamic: false, properties: {} },
        });
      } catch (error) {
        if (esErrorTypeOf(error) !== 'resource_already_exists_exception') throw error;
      }
    });
    this.indexReady = true;
  }

  /** Create the lease; undefined when one exists already. */
  private create(record: LeaseRecord): Promise<Position | undefined> {
    return this.call('PUT lease (create)', async () => {
      try {
        const r = await this.client.index({ index: this.index, id: LEASE_ID, op_type: 'create', document: record });
        return toPosition(r);
      } catch (error) {
        if (esStatusOf(error) === 409) return undefined;
        throw error;
      }
    });
  }

  /** Overwrite the lease if it is still at `condition`; undefined when someone else changed it. */
  private async write(record: LeaseRecord, condition: Position): Promise<Position | undefined> {
    const written = await this.call('PUT lease', async () => {
      try {
        const r = await this.client.index({
          index: this.index,
          id: LEASE_ID,
          document: record,
          if_seq_no: condition.seqNo,
          if_primary_term: condition.primaryTerm,
        });
        return toPosition(r);
      } catch (error) {
        if (esStatusOf(error) === 409) return undefined;
        throw error;
      }
    });
    if (written) return written;
    // A retried write whose first attempt landed conflicts with itself: the stored lease is ours.
    const current = await this.read();
    return current && sameLease(current.record, record) ? current : undefined;
  }

  private read(): Promise<Stored | undefined> {
    return this.call('GET lease', async () => {
      try {
        const r = await this.client.get<LeaseRecord>({ index: this.index, id: LEASE_ID });
        if (!r.found || !r._source) return undefined;
        return { record: r._source, ...toPosition(r) };
      } catch (error) {
        if (esStatusOf(error) === 404) return undefined;
        throw error;
      }
    });
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await withRetry(fn, { log: this.log, what, options: this.options.retry });
    } catch (error) {
      throw toEsServiceError(error, what);
    }
  }
}

/**
 * The new lease keeps what an earlier controller left behind. Settings it changed and did not restore
 * stay recorded whatever the target, so their original values can still be restored; terminated
 * instances only count toward the same target version.
 */
function takeOver(existing: LeaseRecord, fresh: LeaseRecord): LeaseRecord {
  const record: LeaseRecord = { ...fresh };
  if (existing.allocationOverride) record.allocationOverride = existing.allocationOverride;
  if (existing.drainExclusion) record.drainExclusion = existing.drainExclusion;
  if (existing.targetVersion === fresh.targetVersion) {
    record.terminatedInstanceIds = [...(existing.terminatedInstanceIds ?? [])];
    // Replacements launched since the first run began must still be judged as replacements.
    record.runStartedAt = existing.runStartedAt ?? existing.acquiredAt;
  }
  return record;
}

function sameLease(a: LeaseRecord, b: LeaseRecord): boolean {
  return a.holder === b.holder && a.expiresAt === b.expiresAt && a.acquiredAt === b.acquiredAt;
}

function toPosition(r: { _seq_no?: number; _primary_term?: number }): Position {
  if (r._seq_no === undefined || r._primary_term === undefined) {
    throw new ServiceError('elasticsearch', 'lease response carried no _seq_no/_primary_term');
  }
  return { seqNo: r._seq_no, primaryTerm: r._primary_term };
}
