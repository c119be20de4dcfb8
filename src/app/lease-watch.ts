// Watching the cluster lease for a while, to judge whether its holder is alive: a holder renews it
// every quarter of its TTL, so a lease seen unchanged for longer than that (on our own clock) has
// missed a renewal. The holder's timestamps never decide: its clock may differ from ours.

import type { Clock } from '../shared/clock.ts';
import type { LeaseRecord, LeaseView, Lock } from '../upgrade/ports.ts';

/** Beyond the renewal interval, for a renewal that is slow to land (a retried write). */
export const RENEWAL_SLACK_MS = 5_000;
/** A lease without a TTL (from an early release) is judged by the default --lock-ttl. */
const DEFAULT_TTL_MS = 60_000;
/** How often the lease is read while watched: a GET of one document. */
const POLL_MS = 1_000;

/** What the watch showed about the holder. */
export type Liveness =
  /** Nobody holds it: released by its last holder, or broken. */
  | { kind: 'released' }
  /** Its holder wrote it while watched: alive. */
  | { kind: 'renewed'; afterMs: number }
  /** Released or taken over while watched. */
  | { kind: 'changed-hands'; holder: string | null }
  /** Deleted while watched: its upgrade completed. */
  | { kind: 'gone' }
  /** Unchanged for longer than its holder's renewal interval: stalled or dead. */
  | { kind: 'missed-renewal'; unchangedMs: number }
  /** Unchanged, but not watched long enough to tell (0 when not watched at all). */
  | { kind: 'undecided'; unchangedMs: number; neededMs: number };

export interface LeaseWatch {
  /** The lease as first read. */
  first: LeaseRecord;
  /** The lease as last read; undefined once deleted. */
  last: LeaseRecord | undefined;
  /** How long it was watched, on our clock. */
  watchedMs: number;
  /** How long it was to be watched (as asked, or the default, never beyond the holder's TTL). */
  plannedMs: number;
  liveness: Liveness;
}

export interface WatchOptions {
  /** As asked (--watch); undefined: long enough to see one renewal. */
  watchMs?: number | undefined;
  signal?: AbortSignal;
  pollMs?: number;
  /** Called once the lease is read and a watch begins (not for a released lease, nor a watch of 0). */
  onWatch?: (record: LeaseRecord, plannedMs: number) => void;
}

/** The holder's lease length, as it wrote it. */
export function ttlOf(record: LeaseRecord): number {
  return record.ttlMs > 0 ? record.ttlMs : DEFAULT_TTL_MS;
}

/** A live holder writes its lease at least this often. */
export function renewalIntervalOf(record: LeaseRecord): number {
  return ttlOf(record) / 4;
}

/** Watched unchanged this long, the holder has missed a renewal. */
export function neededToJudge(record: LeaseRecord): number {
  return renewalIntervalOf(record) + RENEWAL_SLACK_MS;
}

/** How long to watch: as asked, else long enough to see one renewal; never longer than the TTL. */
export function watchLength(record: LeaseRecord, askedMs?: number): number {
  return Math.min(askedMs ?? neededToJudge(record), ttlOf(record));
}

/** What a lease seen unchanged for `unchangedMs` says of its holder. */
export function judgeUnchanged(record: LeaseRecord, unchangedMs: number): Liveness {
  const neededMs = neededToJudge(record);
  return unchangedMs >= neededMs ? { kind: 'missed-renewal', unchangedMs } : { kind: 'undecided', unchangedMs, neededMs };
}

/**
 * Read the lease, then watch it until it changes or the watch is over. Undefined when there is no
 * lease. Aborting the signal rejects with its reason.
 */
export async function watchLease(lock: Lock, clock: Clock, options: WatchOptions = {}): Promise<LeaseWatch | undefined> {
  const firstView = await lock.inspect(options.signal);
  if (!firstView) return undefined;
  const first = firstView.record;
  if (first.holder === null) return { first, last: first, watchedMs: 0, plannedMs: 0, liveness: { kind: 'released' } };
  const plannedMs = watchLength(first, options.watchMs);
  if (plannedMs > 0) options.onWatch?.(first, plannedMs);
  const pollMs = options.pollMs ?? POLL_MS;
  const startMs = clock.now().getTime();
  let previous = firstView;
  for (;;) {
    const watchedMs = clock.now().getTime() - startMs;
    if (watchedMs >= plannedMs) return { first, last: previous.record, watchedMs, plannedMs, liveness: judgeUnchanged(first, watchedMs) };
    await clock.sleep(Math.min(pollMs, plannedMs - watchedMs), options.signal);
    const view = await lock.inspect(options.signal);
    const atMs = clock.now().getTime() - startMs;
    if (!view) return { first, last: undefined, watchedMs: atMs, plannedMs, liveness: { kind: 'gone' } };
    if (changed(previous, view)) {
      const liveness: Liveness =
        view.record.holder === first.holder ? { kind: 'renewed', afterMs: atMs } : { kind: 'changed-hands', holder: view.record.holder };
      return { first, last: view.record, watchedMs: atMs, plannedMs, liveness };
    }
    previous = view;
  }
}

/**
 * Written since the last read: another record, or one the lock first saw later than the last (a
 * rewrite of the same record still starts the lock's count again).
 */
function changed(previous: LeaseView, current: LeaseView): boolean {
  return JSON.stringify(previous.record) !== JSON.stringify(current.record) || current.unchangedForMs < previous.unchangedForMs;
}
