// Virtual time with a scheduler of world events. Nothing here uses a real timer: time moves only when
// every actor (a controller in `sleep` or a long-poll) is waiting, and then jumps straight to the next
// event, so hours of waiting take milliseconds and the same inputs give the same timeline.

import type { Clock } from '../shared/clock.ts';

export interface ScheduledEvent {
  readonly atMs: number;
  readonly label: string;
  cancel(): void;
}

/** Called after every world event fires (not after an actor wakes up). */
export type EventObserver = (event: { atMs: number; label: string }) => void;

/** A stretch of virtual time during which the world had work of its own under way. */
export interface BusyInterval {
  fromMs: number;
  toMs: number;
}

interface Entry {
  atMs: number;
  seq: number;
  label: string;
  fn: () => void;
  /** True for an actor's wake-up: the drain hands control back to the actors after it. */
  wake: boolean;
  /** Counted as the world's own work until it fires or is cancelled (see busyIntervals). */
  busy?: boolean;
  /** A background timer: the drain hands control back after it too, without it counting as blocked. */
  background?: boolean;
  cancelled: boolean;
}

interface ConditionWaiter {
  condition: () => boolean;
  settle: (met: boolean) => void;
}

export class SimulatedClock implements Clock {
  #nowMs: number;
  #seq = 0;
  /** A binary heap on (atMs, seq): ties fire in scheduling order, which keeps runs deterministic. */
  #queue: Entry[] = [];
  #waiters = new Set<ConditionWaiter>();
  /** Actors blocked on this clock; time only moves while at least one is. */
  #blocked = 0;
  #drainQueued = false;
  #observers = new Set<EventObserver>();
  readonly #maxCallsPerInstant: number;
  #callsThisInstant = 0;
  #instantMs: number;
  readonly #busyLabels: ReadonlySet<string>;
  /** Events of a busy label scheduled and not yet fired or cancelled. */
  #busyPending = 0;
  readonly #busy: BusyInterval[] = [];

  /**
   * @param maxCallsPerInstant API calls allowed without virtual time moving before `respond` fails:
   *   a caller that polls without ever waiting would otherwise spin forever in microtasks.
   * @param busyLabels labels of the world events that end work of the world's own (a node leaving,
   *   an instance booting, a recovery): see busyIntervals.
   */
  constructor(start: Date, options: { maxCallsPerInstant?: number; busyLabels?: Iterable<string> } = {}) {
    this.#nowMs = start.getTime();
    this.#instantMs = this.#nowMs;
    this.#maxCallsPerInstant = options.maxCallsPerInstant ?? 10_000;
    this.#busyLabels = new Set(options.busyLabels ?? []);
  }

  /**
   * When the world had work of its own under way, up to now: the stretches during which an event of
   * a busy label was pending, merged. Time outside them passed only because some actor waited.
   */
  busyIntervals(): BusyInterval[] {
    const intervals = this.#busy.map((i) => ({ ...i }));
    const last = intervals.at(-1);
    if (this.#busyPending > 0 && last) last.toMs = this.#nowMs;
    return intervals;
  }

  /**
   * Answer an API call as a remote service would: on a later macrotask, so signal handlers and test
   * timeouts still run even if the caller never waits. With a latency the caller waits for the answer
   * as for a sleep (virtual time moves meanwhile) and the answer reads the world as it is then; an
   * abort meanwhile drops the call. Fails once a caller has made too many calls without letting time
   * pass (a busy loop that would hang the demo or a test).
   */
  respond<T>(operation: string, answer: () => T, options: { latencyMs?: number; signal?: AbortSignal } = {}): Promise<T> {
    if (this.#instantMs !== this.#nowMs) {
      this.#instantMs = this.#nowMs;
      this.#callsThisInstant = 0;
    }
    this.#callsThisInstant += 1;
    if (this.#callsThisInstant > this.#maxCallsPerInstant) {
      return Promise.reject(
        new Error(`simulated world: ${operation} is call ${this.#callsThisInstant} at ${this.now().toISOString()} without any time passing; the caller is spinning`),
      );
    }
    const latencyMs = options.latencyMs ?? 0;
    if (latencyMs > 0) {
      return this.#block<{ ok: true; value: T } | { ok: false; error: Error }>(options.signal, (settle) => {
        const entry = this.#push(
          this.#nowMs + latencyMs,
          () => {
            try {
              settle({ ok: true, value: answer() });
            } catch (err) {
              settle({ ok: false, error: err as Error });
            }
          },
          'wake',
          true,
        );
        return () => {
          entry.cancelled = true;
        };
      }).then((outcome) => {
        if (!outcome.ok) throw outcome.error;
        return outcome.value;
      });
    }
    return new Promise<T>((resolve, reject) => {
      try {
        const value = answer();
        setImmediate(() => resolve(value));
      } catch (err) {
        setImmediate(() => reject(err as Error));
      }
    });
  }

  now(): Date {
    return new Date(this.#nowMs);
  }

  nowMs(): number {
    return this.#nowMs;
  }

  /** Run `fn` at virtual time `atMs` (or now, if that is past). */
  schedule(atMs: number, fn: () => void, label = 'event'): ScheduledEvent {
    const entry = this.#push(Math.max(atMs, this.#nowMs), fn, label, false);
    if (this.#busyLabels.has(label)) this.#busyStart(entry);
    return {
      atMs: entry.atMs,
      label,
      cancel: () => {
        entry.cancelled = true;
        this.#busyEnd(entry);
      },
    };
  }

  after(delayMs: number, fn: () => void, label?: string): ScheduledEvent {
    return this.schedule(this.#nowMs + delayMs, fn, label);
  }

  /** Virtual time of the next pending event, if any. */
  nextEventAtMs(): number | undefined {
    return this.#peek()?.atMs;
  }

  /** Fire every event due within `ms` from now, in order, and end at now+ms. For tests. */
  advance(ms: number): void {
    this.advanceTo(this.#nowMs + ms);
  }

  advanceTo(atMs: number): void {
    for (let next = this.#peek(); next && next.atMs <= atMs; next = this.#peek()) {
      this.#fire(this.#take());
    }
    this.#nowMs = Math.max(this.#nowMs, atMs);
  }

  /** Fire events until none is left or `limitMs` is reached. For tests. */
  runUntilIdle(limitMs = Number.MAX_SAFE_INTEGER): void {
    for (let next = this.#peek(); next && next.atMs <= limitMs; next = this.#peek()) {
      this.#fire(this.#take());
    }
  }

  /** Observe every world event as it fires (the world's observer hook builds on this). */
  onEvent(observer: EventObserver): () => void {
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }

  /** Tell observers about a change made outside the scheduler (an API call mutating the world). */
  notify(label: string): void {
    this.#afterChange(label);
  }

  sleep(ms: number, signal?: AbortSignal, options?: { background?: boolean }): Promise<void> {
    if (options?.background) return this.#timer(ms, signal);
    return this.#block(signal, (settle) => {
      const entry = this.#push(this.#nowMs + Math.max(0, ms), () => settle(undefined), 'wake', true);
      return () => {
        entry.cancelled = true;
      };
    });
  }

  /**
   * Resolve true as soon as `condition` holds (checked now and after every world event), or false
   * once `timeoutMs` of virtual time has passed. The simulated long-poll.
   */
  waitUntil(condition: () => boolean, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    if (condition()) return Promise.resolve(true);
    return this.#block<boolean>(signal, (settle) => {
      const waiter: ConditionWaiter = { condition, settle };
      this.#waiters.add(waiter);
      const deadline = this.#push(this.#nowMs + Math.max(0, timeoutMs), () => settle(false), 'wake', true);
      return () => {
        this.#waiters.delete(waiter);
        deadline.cancelled = true;
      };
    });
  }

  /** A background timer: fires when time gets there, never makes it move. */
  #timer(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        entry.cancelled = true;
        reject(signal?.reason as Error);
      };
      const entry = this.#push(this.#nowMs + Math.max(0, ms), () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, 'timer', false);
      entry.background = true;
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Block one actor until `settle` is called (by a wake-up or a condition) or the signal aborts. */
  #block<T>(signal: AbortSignal | undefined, arm: (settle: (value: T) => void) => () => void): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const finish = (): void => {
        done = true;
        this.#blocked -= 1;
        disarm();
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        if (done) return;
        finish();
        reject(signal?.reason as Error);
      };
      this.#blocked += 1;
      const disarm = arm((value) => {
        if (done) return;
        finish();
        resolve(value);
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queueDrain();
    });
  }

  // A macrotask, so every actor's pending microtasks run (and reach their next wait) before time moves.
  #queueDrain(): void {
    if (this.#drainQueued) return;
    this.#drainQueued = true;
    setImmediate(() => {
      this.#drainQueued = false;
      this.#drain();
    });
  }

  #drain(): void {
    while (this.#blocked > 0) {
      const before = this.#blocked;
      if (!this.#peek()) return; // cannot happen: every blocked actor has a wake-up entry
      const entry = this.#take();
      this.#fire(entry);
      if (this.#blocked < before || entry.background) {
        // Someone woke (or a background timer fired): let it run before moving time further.
        if (this.#blocked > 0) this.#queueDrain();
        return;
      }
    }
  }

  #fire(entry: Entry): void {
    this.#nowMs = Math.max(this.#nowMs, entry.atMs);
    entry.fn();
    // After its consequences are scheduled, so a chain of work (a node leaves, its copies recover)
    // stays one busy stretch.
    this.#busyEnd(entry);
    if (!entry.wake) this.#afterChange(entry.label);
  }

  #busyStart(entry: Entry): void {
    entry.busy = true;
    this.#busyPending += 1;
    if (this.#busyPending > 1) return;
    const last = this.#busy.at(-1);
    if (last && last.toMs === this.#nowMs) return; // resumed at the instant it stopped: one stretch
    this.#busy.push({ fromMs: this.#nowMs, toMs: this.#nowMs });
  }

  #busyEnd(entry: Entry): void {
    if (entry.busy !== true) return;
    entry.busy = false;
    this.#busyPending -= 1;
    const last = this.#busy.at(-1);
    if (this.#busyPending === 0 && last) last.toMs = this.#nowMs;
  }

  #afterChange(label: string): void {
    for (const observer of this.#observers) observer({ atMs: this.#nowMs, label });
    for (const waiter of [...this.#waiters]) {
      if (waiter.condition()) waiter.settle(true);
    }
  }

  #push(atMs: number, fn: () => void, label: string, wake: boolean): Entry {
    const entry: Entry = { atMs, seq: this.#seq++, label, fn, wake, cancelled: false };
    const heap = this.#queue;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >>> 1;
      const up = heap[parent];
      if (!up || !before(entry, up)) break;
      heap[i] = up;
      i = parent;
    }
    heap[i] = entry;
    return entry;
  }

  // Cancelled entries stay in the heap until they reach the top: cheaper than finding them.
  #peek(): Entry | undefined {
    while (this.#queue[0]?.cancelled) this.#pop();
    return this.#queue[0];
  }

  #take(): Entry {
    const entry = this.#peek();
    if (!entry) throw new Error('no scheduled event');
    this.#pop();
    return entry;
  }

  #pop(): void {
    const heap = this.#queue;
    const last = heap.pop();
    if (!last || heap.length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const leftEntry = heap[left];
      const rightEntry = heap[right];
      const child = rightEntry && leftEntry && before(rightEntry, leftEntry) ? right : left;
      const childEntry = heap[child];
      if (!childEntry || !before(childEntry, last)) break;
      heap[i] = childEntry;
      i = child;
    }
    heap[i] = last;
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}
