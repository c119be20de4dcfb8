// The Lock port on top of any store with conditional writes (a document in the cluster itself, or
// memory in the simulator). One controller holds the lease at a time; the upgrade's record in it
// (what was terminated, which settings were changed) outlives every run until the upgrade is done.
//
// Whether a holder is dead is judged on the taker's own clock: a lease that has not changed for
// the holder's TTL while we watched it is dead. Comparing the holder's timestamps with our clock
// would let a clock running ahead take over a live lease.

import type { Clock } from '../shared/clock.ts';
import { LockLostError, ServiceError } from '../shared/errors.ts';
import type { LeaseRecord, LeaseView, Lock, LockOutcome } from './ports.ts';

/** A stored lease and the version a conditional write must name to replace it. */
export interface StoredLease {
  record: LeaseRecord;
  version: string;
}

/** Storage with compare-and-set: every write names the version it replaces. */
export interface LeaseStore {
  read(signal?: AbortSignal): Promise<StoredLease | undefined>;
  /** Create the lease; undefined when one exists already. */
  create(record: LeaseRecord, signal?: AbortSignal): Promise<string | undefined>;
  /** Replace the lease if still at `version`; undefined when someone changed it meanwhile. */
  replace(record: LeaseRecord, version: string, signal?: AbortSignal): Promise<string | undefined>;
  /** Delete the lease if still at `version`. */
  remove(version: string, signal?: AbortSignal): Promise<'deleted' | 'conflict'>;
}

export interface LeaseLockOptions {
  /** How often a taker looks at a lease held by someone else (default: a tenth of the TTL, 250 ms to 5 s). */
  watchIntervalMs?: number;
}

export class LeaseLock implements Lock {
  private readonly store: LeaseStore;
  private readonly clock: Clock;
  private readonly options: LeaseLockOptions;
  /** Where our last write landed: the condition for the next one. */
  private version: string | undefined;
  /** The last version we read, and when (our clock) we first saw it. */
  private seen: { version: string; sinceMs: number } | undefined;

  constructor(store: LeaseStore, clock: Clock, options: LeaseLockOptions = {}) {
    this.store = store;
    this.clock = clock;
    this.options = options;
  }

  async acquire(holder: string, targetVersion: string, ttlMs: number, signal?: AbortSignal): Promise<LockOutcome> {
    const watchStartMs = this.clock.now().getTime();
    let watchedVersion: string | undefined;
    for (let round = 0; ; round++) {
      const fresh = freshLease(holder, targetVersion, ttlMs, this.clock.now());
      const created = await this.store.create(fresh, signal);
      if (created !== undefined) {
        this.version = created;
        return { acquired: true, record: fresh, resumed: false };
      }
      const current = await this.read(signal);
      if (!current) continue;
      const existing = current.record;
      const free = existing.holder === null || existing.holder === holder;
      const view = this.view(current);
      const holderTtl = existing.ttlMs > 0 ? existing.ttlMs : ttlMs;
      const dead = !free && view.unchangedForMs >= holderTtl;
      if (!free && !dead) {
        // It changed while we watched: its holder renews it, so it is alive.
        if (watchedVersion !== undefined && watchedVersion !== current.version) {
          return { acquired: false, heldBy: existing, reason: 'its holder renewed it while this controller watched' };
        }
        watchedVersion = current.version;
        if (this.clock.now().getTime() - watchStartMs > 2 * holderTtl) {
          return { acquired: false, heldBy: existing, reason: 'it kept changing' };
        }
        await this.clock.sleep(this.watchInterval(holderTtl), signal);
        continue;
      }
      const record = takeOver(existing, fresh);
      const written = await this.store.replace(record, current.version, signal);
      if (written !== undefined) {
        this.version = written;
        return { acquired: true, record, resumed: existing.targetVersion === targetVersion };
      }
      if (round > 20) throw new ServiceError('elasticsearch', 'could not acquire the upgrade lease: it kept changing under us');
    }
  }

  async update(record: LeaseRecord, ttlMs: number, signal?: AbortSignal): Promise<LeaseRecord> {
    if (this.version === undefined) throw new LockLostError('the upgrade lease is not held by this controller');
    const next: LeaseRecord = { ...record, renewedAt: this.clock.now().toISOString(), ttlMs };
    this.version = await this.write(next, this.version, signal);
    return next;
  }

  async release(record: LeaseRecord, options: { complete: boolean; reason: string }, signal?: AbortSignal): Promise<void> {
    const version = this.version ?? (await this.ownVersion(record, signal));
    if (version === undefined) return;
    if (options.complete) {
      const outcome = await this.store.remove(version, signal);
      this.version = undefined;
      if (outcome === 'conflict') await this.failIfTaken(record, signal);
      return;
    }
    const released: LeaseRecord = {
      ...record,
      holder: null,
      released: { at: this.clock.now().toISOString(), by: record.holder ?? 'unknown', reason: options.reason },
    };
    await this.write(released, version, signal);
    this.version = undefined;
  }

  async inspect(signal?: AbortSignal): Promise<LeaseView | undefined> {
    const current = await this.read(signal);
    return current ? this.view(current) : undefined;
  }

  async breakLease(by: string, reason: string, signal?: AbortSignal): Promise<LeaseRecord | undefined> {
    for (let round = 0; round < 5; round++) {
      const current = await this.read(signal);
      if (!current) return undefined;
      const broken: LeaseRecord = {
        ...current.record,
        holder: null,
        released: { at: this.clock.now().toISOString(), by, reason: `broken by hand: ${reason} (was held by ${current.record.holder ?? 'nobody'})` },
      };
      if ((await this.store.replace(broken, current.version, signal)) !== undefined) return broken;
    }
    throw new ServiceError('elasticsearch', 'could not break the upgrade lease: it kept changing');
  }

  /** Write at `version`; a conflict is ours only when the stored lease is exactly what we wrote (a retried write that had landed). */
  private async write(record: LeaseRecord, version: string, signal?: AbortSignal): Promise<string> {
    const written = await this.store.replace(record, version, signal);
    if (written !== undefined) return written;
    const current = await this.read(signal);
    if (current && sameWrite(current.record, record)) return current.version;
    this.version = undefined;
    throw new LockLostError(
      current
        ? `the upgrade lease was taken over by ${current.record.holder ?? 'nobody'}${current.record.released ? ` (${current.record.released.reason})` : ''}`
        : 'the upgrade lease was deleted',
    );
  }

  private async ownVersion(record: LeaseRecord, signal?: AbortSignal): Promise<string | undefined> {
    const current = await this.read(signal);
    if (!current) return undefined;
    if (current.record.holder !== record.holder) throw new LockLostError(`the upgrade lease is held by ${current.record.holder ?? 'nobody'}`);
    return current.version;
  }

  private async failIfTaken(record: LeaseRecord, signal?: AbortSignal): Promise<void> {
    const current = await this.read(signal);
    if (current && current.record.holder !== record.holder) {
      throw new LockLostError(`the upgrade lease was taken over by ${current.record.holder ?? 'nobody'}`);
    }
  }

  private async read(signal?: AbortSignal): Promise<StoredLease | undefined> {
    const current = await this.store.read(signal);
    if (current && this.seen?.version !== current.version) this.seen = { version: current.version, sinceMs: this.clock.now().getTime() };
    return current ? { ...current, record: migrateLease(current.record) } : undefined;
  }

  private view(current: StoredLease): LeaseView {
    const since = this.seen?.version === current.version ? this.seen.sinceMs : this.clock.now().getTime();
    return { record: current.record, unchangedForMs: this.clock.now().getTime() - since };
  }

  private watchInterval(ttlMs: number): number {
    return this.options.watchIntervalMs ?? Math.min(5_000, Math.max(250, Math.round(ttlMs / 10)));
  }
}

export function freshLease(holder: string, targetVersion: string, ttlMs: number, now: Date): LeaseRecord {
  const at = now.toISOString();
  return { holder, targetVersion, acquiredAt: at, renewedAt: at, ttlMs, runStartedAt: at, terminatedInstanceIds: [] };
}

/**
 * The new lease keeps what an earlier controller left behind. Settings it changed and did not restore
 * stay recorded whatever the target, so their original values can still be restored; terminated
 * instances only count toward the same target version.
 */
function takeOver(existing: LeaseRecord, fresh: LeaseRecord): LeaseRecord {
  const record: LeaseRecord = { ...fresh };
  if (existing.allocationOverride) record.allocationOverride = existing.allocationOverride;
  if (existing.votingExclusion) record.votingExclusion = existing.votingExclusion;
  if (existing.targetVersion === fresh.targetVersion) {
    record.terminatedInstanceIds = [...existing.terminatedInstanceIds];
    if (existing.terminatedNodeIds) record.terminatedNodeIds = [...existing.terminatedNodeIds];
    if (existing.terminationRequested) record.terminationRequested = existing.terminationRequested;
    // Replacements launched since the first run began must still be judged as replacements.
    record.runStartedAt = existing.runStartedAt;
  }
  return record;
}

function sameWrite(a: LeaseRecord, b: LeaseRecord): boolean {
  return a.holder === b.holder && a.renewedAt === b.renewedAt && a.acquiredAt === b.acquiredAt && a.released?.at === b.released?.at;
}

interface LegacyLease {
  expiresAt?: string;
  allocationOverride?: { previous?: string | null; setAt?: string; nodeName?: string; found?: unknown };
  drainExclusion?: { nodeName?: string; previous?: string[]; setAt?: string };
}

/**
 * Leases written by earlier releases of this tool: an allocation override as one previous value,
 * a drain exclusion apart, an expiry time instead of a TTL. What they recorded is kept.
 */
export function migrateLease(stored: LeaseRecord): LeaseRecord {
  const legacy = stored as LeaseRecord & LegacyLease;
  const record: LeaseRecord = {
    ...stored,
    holder: stored.holder ?? null,
    terminatedInstanceIds: [...(stored.terminatedInstanceIds ?? [])],
    runStartedAt: stored.runStartedAt ?? stored.acquiredAt,
    renewedAt: stored.renewedAt ?? stored.acquiredAt,
    ttlMs: stored.ttlMs ?? (legacy.expiresAt ? Math.max(0, Date.parse(legacy.expiresAt) - Date.parse(stored.acquiredAt)) : 0),
  };
  const oldOverride = legacy.allocationOverride && legacy.allocationOverride.found === undefined ? legacy.allocationOverride : undefined;
  const drain = legacy.drainExclusion;
  if (oldOverride || drain) {
    record.allocationOverride = {
      setAt: oldOverride?.setAt ?? drain?.setAt ?? record.acquiredAt,
      nodeNames: [...new Set([oldOverride?.nodeName, drain?.nodeName].filter((n): n is string => n !== undefined))],
      narrowed: oldOverride !== undefined,
      found: {
        ...(oldOverride ? { 'cluster.routing.allocation.enable': { persistent: oldOverride.previous ?? null, transient: null } } : {}),
        ...(drain
          ? { 'cluster.routing.allocation.exclude._name': { persistent: (drain.previous ?? []).join(',') || null, transient: null } }
          : {}),
      },
    };
  }
  delete (record as LeaseRecord & LegacyLease).expiresAt;
  delete (record as LeaseRecord & LegacyLease).drainExclusion;
  return record;
}
