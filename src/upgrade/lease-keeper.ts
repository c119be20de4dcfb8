// Keeps this run's lease: renews it in the background, at least four times per TTL, whatever the
// run is doing (a long-poll, a retry, a call that hangs), and stores the upgrade's record in it. A
// dead holder is taken over within about one TTL; a live one, renewing, never is.
//
// Writes go one at a time: a renewal and a record never race each other's conditional write.

import type { Clock } from '../shared/clock.ts';
import { LockLostError } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';
import { redactSecrets } from '../shared/redact.ts';
import type { LeaseRecord, Lock } from './ports.ts';

/** How long storing a fact may take once the run is being stopped. */
const FACT_WRITE_MS = 8_000;

export class LeaseKeeper {
  private current: LeaseRecord;
  private writing: Promise<unknown> = Promise.resolve();
  private readonly stopping = new AbortController();
  private readonly lostController = new AbortController();
  private beating: Promise<void> | undefined;

  private readonly lock: Lock;
  private readonly clock: Clock;
  private readonly ttlMs: number;
  private readonly log: Logger;

  constructor(lock: Lock, clock: Clock, ttlMs: number, initial: LeaseRecord, log: Logger) {
    this.lock = lock;
    this.clock = clock;
    this.ttlMs = ttlMs;
    this.log = log;
    this.current = initial;
  }

  /** The record as this run knows it (facts included, even before they are stored). */
  get record(): LeaseRecord {
    return this.current;
  }

  /** Aborted, with a LockLostError as reason, once someone else holds the lease. */
  get lost(): AbortSignal {
    return this.lostController.signal;
  }

  /** Store a record before acting on it: the run acts only once this resolves. */
  async save(next: LeaseRecord, signal?: AbortSignal): Promise<void> {
    const stored = await this.write(() => next, signal);
    this.current = stored;
  }

  /**
   * Record what just happened: kept in memory at once (the next renewal stores it if this write
   * fails), and stored even if an interrupt came meanwhile.
   */
  async recordFact(next: LeaseRecord): Promise<void> {
    this.current = next;
    const stored = await this.write(() => next, AbortSignal.timeout(FACT_WRITE_MS));
    if (this.current === next) this.current = stored;
  }

  /** Renew every quarter TTL in the background until stopped or lost. */
  start(): void {
    const every = this.ttlMs / 4;
    this.beating = (async () => {
      while (!this.stopping.signal.aborted) {
        try {
          await this.clock.sleep(every, this.stopping.signal, { background: true });
        } catch {
          return;
        }
        try {
          // The record as it is when the write goes out, not when the beat woke: a record written
          // meanwhile must not be overwritten by an older one.
          let sent: LeaseRecord | undefined;
          const stored = await this.write(() => (sent = this.current), this.stopping.signal);
          if (this.current === sent) this.current = stored;
        } catch (error) {
          if (error instanceof LockLostError) {
            this.log.error({ err: error.message }, 'lost the upgrade lease: stopping without touching the cluster');
            this.lostController.abort(error);
            return;
          }
          // A transient failure: the next beat tries again; a lease left unrenewed for a whole TTL may be taken over.
          if (!this.stopping.signal.aborted) this.log.warn({ err: redactSecrets(error instanceof Error ? error.message : String(error)) }, 'could not renew the upgrade lease');
        }
      }
    })();
  }

  /** Stop renewing; resolves once no write is in flight. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.beating;
    await this.writing.catch(() => undefined);
  }

  private write(record: () => LeaseRecord, signal?: AbortSignal): Promise<LeaseRecord> {
    const run = (): Promise<LeaseRecord> => this.lock.update(record(), this.ttlMs, signal);
    const next = this.writing.then(run, run);
    this.writing = next.catch(() => undefined);
    return next;
  }
}
