// The run's lease, in memory: one record per world, so two controllers on the same world contend
// for it and two worlds share nothing. Records are copied in and out, as if stored remotely.

import { LockLostError } from '../shared/errors.ts';
import type { LeaseRecord, Lock, LockOutcome } from '../upgrade/ports.ts';

export class SimulatedLock implements Lock {
  #record: LeaseRecord | undefined;

  acquire(holder: string, targetVersion: string, ttlMs: number, now: Date): Promise<LockOutcome> {
    const current = this.#record;
    const expired = current !== undefined && Date.parse(current.expiresAt) <= now.getTime();
    if (current && !expired && current.holder !== holder) {
      return Promise.resolve({ acquired: false, heldBy: structuredClone(current) });
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
    return Promise.resolve({ acquired: true, record: structuredClone(record), resumed: sameTarget });
  }

  update(record: LeaseRecord, ttlMs: number, now: Date): Promise<LeaseRecord> {
    const current = this.#record;
    if (!current || current.holder !== record.holder) {
      const by = current ? `taken over by ${current.holder}` : 'released';
      return Promise.reject(new LockLostError(`lease for ${record.targetVersion} lost: ${by}`));
    }
    const next: LeaseRecord = { ...structuredClone(record), expiresAt: new Date(now.getTime() + ttlMs).toISOString() };
    this.#record = next;
    return Promise.resolve(structuredClone(next));
  }

  release(record: LeaseRecord): Promise<void> {
    // Releasing a lease someone else now holds must not free theirs.
    if (this.#record?.holder === record.holder) this.#record = undefined;
    return Promise.resolve();
  }

  /** The stored record, for tests. */
  peek(): LeaseRecord | undefined {
    return this.#record ? structuredClone(this.#record) : undefined;
  }
}
