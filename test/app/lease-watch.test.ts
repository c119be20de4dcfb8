// Watching the lease: a change of any kind while watched is a sign of life, judged on the watcher's
// clock; a lease left alone past its holder's renewal interval has missed a renewal.

import { describe, expect, it } from 'vitest';
import { judgeUnchanged, watchLease, watchLength } from '../../src/app/lease-watch.ts';
import { MemoryLeaseStore } from '../../src/sim/simulated-lock.ts';
import { LeaseLock } from '../../src/upgrade/lease-lock.ts';
import type { LeaseRecord } from '../../src/upgrade/ports.ts';
import { ManualClock } from '../support/manual-clock.ts';

const TTL = 60_000;
const T0 = '2026-11-28T04:00:00.000Z';

async function heldLease(holderClock: ManualClock): Promise<{ store: MemoryLeaseStore; lock: LeaseLock; record: LeaseRecord }> {
  const store = new MemoryLeaseStore();
  const lock = new LeaseLock(store, holderClock);
  const outcome = await lock.acquire('ops-1:4242:9f3a1c2b', '9.5.4', TTL);
  if (!outcome.acquired) throw new Error('not acquired');
  return { store, lock, record: outcome.record };
}

describe('watchLease', () => {
  it('sees a holder whose clock stands still renew: the record is the same, its version is not', async () => {
    const frozen = new ManualClock(T0);
    const { store, lock, record } = await heldLease(frozen);
    const watcher = new ManualClock(T0);
    watcher.onSleep = async (nowMs) => {
      if (nowMs - Date.parse(T0) === 5_000) await lock.update(record, TTL);
    };
    const watch = await watchLease(new LeaseLock(store, watcher), watcher);
    expect(watch?.last).toEqual(record);
    expect(watch?.liveness).toEqual({ kind: 'renewed', afterMs: 5_000 });
  });

  it('says who took the lease over while watched', async () => {
    const { store, record } = await heldLease(new ManualClock(T0));
    const watcher = new ManualClock(T0);
    watcher.onSleep = async (nowMs) => {
      if (nowMs - Date.parse(T0) === 2_000) await new LeaseLock(store, watcher).breakLease('ops@laptop', 'gone');
    };
    const watch = await watchLease(new LeaseLock(store, watcher), watcher);
    expect(watch?.first).toEqual(record);
    expect(watch?.liveness).toEqual({ kind: 'changed-hands', holder: null });
    expect(watch?.last?.released?.by).toBe('ops@laptop');
  });

  it('says the lease went away while watched', async () => {
    const { store, lock, record } = await heldLease(new ManualClock(T0));
    const watcher = new ManualClock(T0);
    watcher.onSleep = async () => {
      await lock.release(record, { complete: true, reason: 'done' });
    };
    const watch = await watchLease(new LeaseLock(store, watcher), watcher);
    expect(watch).toMatchObject({ last: undefined, liveness: { kind: 'gone' } });
  });

  it.each([
    ['the default: a renewal interval and its slack', undefined, 20_000],
    ['as asked', 7_000, 7_000],
    ['never past the TTL', 3_600_000, TTL],
    ['not at all', 0, 0],
  ])('watches %s', async (_name, asked, expected) => {
    const { store } = await heldLease(new ManualClock(T0));
    const watcher = new ManualClock(T0);
    const watch = await watchLease(new LeaseLock(store, watcher), watcher, asked === undefined ? {} : { watchMs: asked });
    expect(watch?.plannedMs).toBe(expected);
    expect(watcher.now().getTime() - Date.parse(T0)).toBe(expected);
  });

  it('judges by the holder\'s TTL, or by the default lease length for a lease without one', () => {
    const record = { ttlMs: 20_000 } as LeaseRecord;
    expect(judgeUnchanged(record, 9_999)).toEqual({ kind: 'undecided', unchangedMs: 9_999, neededMs: 10_000 });
    expect(judgeUnchanged(record, 10_000)).toEqual({ kind: 'missed-renewal', unchangedMs: 10_000 });
    expect(watchLength({ ttlMs: 0 } as LeaseRecord)).toBe(20_000);
  });
});
