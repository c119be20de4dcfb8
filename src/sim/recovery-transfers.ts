// Bytes on the wire of shard recoveries and relocations. Each node moves at most
// `indices.recovery.max_bytes_per_sec` (40 MiB/s by default), inbound and outbound together, shared
// evenly among the transfers it takes part in; a transfer runs at the lesser share of its two ends.
// When a transfer starts or ends, the others at its two nodes are re-timed from the bytes they have left.

import type { ScheduledEvent, SimulatedClock } from './simulated-clock.ts';

/** A node as a transfer sees it: the transfers it takes part in. */
export interface TransferEndpoint {
  readonly id: string;
  readonly transfers: Set<Transfer>;
}

export interface Transfer {
  readonly bytes: number;
  /** Bytes left as of `updatedMs`. */
  remaining: number;
  /** Bytes per second since `updatedMs`. */
  rateBps: number;
  updatedMs: number;
  /** Until then the transfer holds its slot but moves no bytes (the fixed cost of a recovery). */
  readonly startupUntilMs: number;
  /** None for a new primary, which starts empty. */
  readonly source: TransferEndpoint | undefined;
  readonly target: TransferEndpoint;
  readonly done: () => void;
  event: ScheduledEvent | undefined;
}

export class RecoveryTransfers {
  readonly #clock: SimulatedClock;
  readonly #maxBytesPerSec: number;
  readonly #startupMs: number;

  constructor(clock: SimulatedClock, maxBytesPerSec: number, startupMs: number) {
    if (!(maxBytesPerSec > 0)) throw new Error(`indices.recovery.max_bytes_per_sec must be positive, got ${maxBytesPerSec}`);
    this.#clock = clock;
    this.#maxBytesPerSec = maxBytesPerSec;
    this.#startupMs = startupMs;
  }

  /** Start moving `bytes` from `source` to `target`; `done` runs when the last byte is in. */
  start(source: TransferEndpoint | undefined, target: TransferEndpoint, bytes: number, done: () => void): Transfer {
    const nowMs = this.#clock.nowMs();
    const transfer: Transfer = {
      bytes,
      remaining: bytes,
      rateBps: 0,
      updatedMs: nowMs,
      startupUntilMs: nowMs + this.#startupMs,
      source,
      target,
      done,
      event: undefined,
    };
    target.transfers.add(transfer);
    source?.transfers.add(transfer);
    this.#retime(target);
    if (source) this.#retime(source);
    return transfer;
  }

  /** Stop a transfer that will not finish (its copy moved on); the others at its ends speed up. */
  cancel(transfer: Transfer): void {
    transfer.event?.cancel();
    transfer.event = undefined;
    this.#detach(transfer);
  }

  #detach(transfer: Transfer): void {
    this.#progress(transfer);
    transfer.target.transfers.delete(transfer);
    transfer.source?.transfers.delete(transfer);
    this.#retime(transfer.target);
    if (transfer.source) this.#retime(transfer.source);
  }

  #retime(endpoint: TransferEndpoint): void {
    for (const transfer of endpoint.transfers) {
      this.#progress(transfer);
      const share = (e: TransferEndpoint | undefined): number => (e ? this.#maxBytesPerSec / Math.max(1, e.transfers.size) : Infinity);
      const rate = Math.min(share(transfer.source), share(transfer.target));
      if (rate === transfer.rateBps && transfer.event) continue;
      transfer.rateBps = rate;
      transfer.event?.cancel();
      const fromMs = Math.max(this.#clock.nowMs(), transfer.startupUntilMs);
      const atMs = Math.ceil(fromMs + (transfer.remaining / rate) * 1000);
      transfer.event = this.#clock.schedule(atMs, () => this.#finish(transfer), 'recovery-done');
    }
  }

  #progress(transfer: Transfer): void {
    const nowMs = this.#clock.nowMs();
    const movingSinceMs = Math.max(transfer.updatedMs, transfer.startupUntilMs);
    if (nowMs > movingSinceMs && transfer.rateBps > 0) {
      transfer.remaining = Math.max(0, transfer.remaining - (transfer.rateBps * (nowMs - movingSinceMs)) / 1000);
    }
    transfer.updatedMs = nowMs;
  }

  #finish(transfer: Transfer): void {
    transfer.event = undefined;
    transfer.remaining = 0;
    this.#detach(transfer);
    transfer.done();
  }
}
