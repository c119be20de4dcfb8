// The run's lease, in memory: one stored record per world, so every controller on the same world
// contends for it and two worlds share nothing. Records are copied in and out, as if stored remotely,
// and the locking itself is the real one (LeaseLock), judged on the world's clock.

import type { Clock } from '../shared/clock.ts';
import { LeaseLock, type LeaseStore, type StoredLease } from '../upgrade/lease-lock.ts';
import type { LeaseRecord } from '../upgrade/ports.ts';

/** How answers are delivered (the world's clock answers on a later macrotask, as a remote store would). */
export type Responder = <T>(operation: string, answer: () => T, signal?: AbortSignal) => Promise<T>;

const immediately: Responder = <T>(_operation: string, answer: () => T): Promise<T> =>
  new Promise<T>((resolve) => resolve(answer()));

export class MemoryLeaseStore implements LeaseStore {
  #stored: StoredLease | undefined;
  #seq = 0;
  readonly #respond: Responder;

  constructor(respond: Responder = immediately) {
    this.#respond = respond;
  }

  read(signal?: AbortSignal): Promise<StoredLease | undefined> {
    return this.#answer('lease.read', signal, () => (this.#stored ? structuredClone(this.#stored) : undefined));
  }

  create(record: LeaseRecord, signal?: AbortSignal): Promise<string | undefined> {
    return this.#answer('lease.create', signal, () => (this.#stored ? undefined : this.#put(record)));
  }

  replace(record: LeaseRecord, version: string, signal?: AbortSignal): Promise<string | undefined> {
    return this.#answer('lease.replace', signal, () => (this.#stored?.version === version ? this.#put(record) : undefined));
  }

  remove(version: string, signal?: AbortSignal): Promise<'deleted' | 'conflict'> {
    return this.#answer('lease.remove', signal, () => {
      if (this.#stored === undefined) return 'deleted';
      if (this.#stored.version !== version) return 'conflict';
      this.#stored = undefined;
      return 'deleted';
    });
  }

  /** The stored record, for tests. */
  peek(): LeaseRecord | undefined {
    return this.#stored ? structuredClone(this.#stored.record) : undefined;
  }

  #put(record: LeaseRecord): string {
    this.#seq += 1;
    this.#stored = { record: structuredClone(record), version: String(this.#seq) };
    return this.#stored.version;
  }

  #answer<T>(operation: string, signal: AbortSignal | undefined, answer: () => T): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    return this.#respond(operation, answer, signal);
  }
}

/** A controller's lock on the world's lease. */
export class SimulatedLock extends LeaseLock {
  readonly memory: MemoryLeaseStore;

  constructor(store: MemoryLeaseStore, clock: Clock) {
    super(store, clock);
    this.memory = store;
  }

  /** The stored record, for tests. */
  peek(): LeaseRecord | undefined {
    return this.memory.peek();
  }
}
