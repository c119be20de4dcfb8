// The run's lease, in memory: one record per world, so two controllers on the same world contend
// for it and two worlds share nothing. Records are copied in and out, as if stored remotely.

import { LockLostError } from '../shared/errors.ts';
import type { LeaseRecord, Lock, LockOutcome } from '../upgrade/ports.ts';

/** How answers are delivered (the world's clock answers on a later macrotask, as a remote store would). */
export type Responder = <T>(operation: string, answer: () => T) => Promise<T>;

const immediately: Responder = <T>(_operation: string, answer: () => T): Promise<T> =>
  new Promise<T>((resolve) => resolve(answer()));

export class SimulatedLock implements Lock {
  #record: LeaseRecord | undefined;
  readonly #respond: Responder;

  constructor(respond: Responder = immediately) {
    this.#respond = respond;
  }

  acquire(holder: string, targetVersion: string, ttlMs: number, now: Date): Promise<LockOutcome> {
    return this.#respond('lock.acquire', () => this.#acquire(holder, targetVersion, ttlMs, now));
  }

  update(record: LeaseRecord, ttlMs: number, now: Date): Promise<LeaseRecord> {
    return this.#respond('lock.update', () => this.#update(record, ttlMs, now));
  }

  release(record: LeaseRecord): Promise<void> {
    return this.#respond('lock.release', () => {
      // Releasing a lease someone else now holds must not free theirs.
      if (this.#record?.holder === record.holder) this.#record = undefined;
    });
  }

  /** The stored record, for tests. */
  peek(): LeaseRecord | undefined {
    return this.#record ? structuredClone(this.#record) : undefined;
  }

  #acquire(holder: string, targetVersion: string, ttlMs: number, now: Date): LockOutcome {
    const current = this.#record;
    const expired = current !== undefined && Date.parse(current.expiresAt) <= now.getTime();
    if (current && !expired && current.holder !== holder) {
      return { acquired: false, heldBy: structuredClone(current) };
    }
    // A run for the same target version resumes where the previous one stopped: it keeps what that
    // one terminated and which settings it changed. Settings changes are kept for any target, since
    // they describe the cluster, not the run: someone has to restore them.
    const sameTarget = current?.targetVersion === targetVersion;
    const record: LeaseRecord = {
      holder,
      targetVersion,
      acquiredAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + ttlMs).toISOString(),
      runStartedAt: sameTarget ? (current.runStartedAt ?? current.acquiredAt) : now.toISOString(),
      ...(current?.allocationOverride ? { allocationOverride: current.allocationOverride } : {}),
      ...(current?.drainExclusion ? { drainExclusion: current.drainExclusion } : {}),
      terminatedInstanceIds: sameTarget ? [...current.terminatedInstanceIds] : [],
    };
    this.#record = record;
    return { acquired: true, record: structuredClone(record), resumed: sameTarget };
  }

  #update(record: LeaseRecord, ttlMs: number, now: Date): LeaseRecord {
    const current = this.#record;
    if (!current || current.holder !== record.holder) {
      const by = current ? `taken over by ${current.holder}` : 'released';
      throw new LockLostError(`lease for ${record.targetVersion} lost: ${by}`);
    }
    const next: LeaseRecord = { ...structuredClone(record), expiresAt: new Date(now.getTime() + ttlMs).toISOString() };
    this.#record = next;
    return structuredClone(next);
  }
}
