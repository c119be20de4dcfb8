import { describe, expect, it } from 'vitest';
import { MemoryLeaseStore, SimulatedLock } from '../../src/sim/simulated-lock.ts';
import { SimulatedClock } from '../../src/sim/simulated-clock.ts';
import { LockLostError } from '../../src/shared/errors.ts';
import type { LeaseRecord } from '../../src/upgrade/ports.ts';

const T0 = new Date('2026-11-28T04:00:00Z');
const at = (minutes: number): string => new Date(T0.getTime() + minutes * 60_000).toISOString();
const TTL = 10 * 60_000;
const override = { setAt: T0.toISOString(), nodeNames: ['es-data-1'], narrowed: true, found: {} };

/** Two controllers on one stored lease, on one virtual clock. */
function aLease(): { clock: SimulatedClock; store: MemoryLeaseStore; newLock: () => SimulatedLock } {
  const clock = new SimulatedClock(T0);
  const store = new MemoryLeaseStore((operation, answer) => clock.respond(operation, answer));
  return { clock, store, newLock: () => new SimulatedLock(store, clock) };
}

async function heldBy(lease: ReturnType<typeof aLease>, holder: string): Promise<{ lock: SimulatedLock; record: LeaseRecord }> {
  const lock = lease.newLock();
  const outcome = await lock.acquire(holder, '9.5.4', TTL);
  if (!outcome.acquired) throw new Error('not acquired');
  const record = await lock.update({ ...outcome.record, allocationOverride: override, terminatedInstanceIds: ['i-0aaaaaaaaaaaaaaaa'] }, TTL);
  return { lock, record };
}

/** Renew the lease every minute of virtual time, as a live holder does, until stopped. */
function keepRenewing(clock: SimulatedClock, lock: SimulatedLock, record: LeaseRecord): () => void {
  let stopped = false;
  const renew = (): void => {
    if (stopped) return;
    void lock.update(record, TTL).catch(() => undefined);
    clock.after(60_000, renew, 'renew');
  };
  clock.after(60_000, renew, 'renew');
  return () => {
    stopped = true;
  };
}

describe('SimulatedLock', () => {
  it('creates the lease when there is none', async () => {
    const outcome = await aLease().newLock().acquire('a', '9.5.4', TTL);
    expect(outcome).toMatchObject({
      acquired: true,
      resumed: false,
      record: { holder: 'a', targetVersion: '9.5.4', acquiredAt: at(0), renewedAt: at(0), ttlMs: TTL, runStartedAt: at(0), terminatedInstanceIds: [] },
    });
  });

  it.each([
    { case: 'another holder, renewing', holder: 'b', target: '9.5.4', renewing: true, acquired: false, resumed: undefined, keepsTerminated: undefined },
    { case: 'another holder, silent for its TTL, same target', holder: 'b', target: '9.5.4', renewing: false, acquired: true, resumed: true, keepsTerminated: true },
    { case: 'another holder, silent for its TTL, other target', holder: 'b', target: '9.6.0', renewing: false, acquired: true, resumed: false, keepsTerminated: false },
    { case: 'same holder, renewing', holder: 'a', target: '9.5.4', renewing: true, acquired: true, resumed: true, keepsTerminated: true },
  ])('$case', async ({ holder, target, renewing, acquired, resumed, keepsTerminated }) => {
    const lease = aLease();
    const { lock, record } = await heldBy(lease, 'a');
    const stop = renewing ? keepRenewing(lease.clock, lock, record) : () => undefined;
    const outcome = await lease.newLock().acquire(holder, target, TTL);
    stop();
    expect(outcome.acquired).toBe(acquired);
    if (!outcome.acquired) {
      expect(outcome.heldBy.holder).toBe('a');
      expect(lease.store.peek()?.holder).toBe('a');
      return;
    }
    expect(outcome.resumed).toBe(resumed);
    expect(outcome.record.holder).toBe(holder);
    expect(lease.store.peek()?.holder).toBe(holder);
    expect(outcome.record.terminatedInstanceIds).toEqual(keepsTerminated ? ['i-0aaaaaaaaaaaaaaaa'] : []);
    if (keepsTerminated) expect(outcome.record.runStartedAt).toBe(at(0));
    else expect(outcome.record.runStartedAt).toBe(outcome.record.acquiredAt);
    // A silent lease is taken only after watching it unchanged for its whole TTL, on the taker's clock.
    if (holder !== 'a') expect(lease.clock.nowMs() - T0.getTime()).toBeGreaterThanOrEqual(TTL);
    // What the cluster's settings were before a controller changed them is kept whatever the target.
    expect(outcome.record.allocationOverride).toEqual(override);
  });

  it('fails an update with LockLostError once someone else took the lease over', async () => {
    const lease = aLease();
    const { lock, record } = await heldBy(lease, 'a');
    await lease.newLock().acquire('b', '9.5.4', TTL);
    await expect(lock.update(record, TTL)).rejects.toBeInstanceOf(LockLostError);
    expect(lease.store.peek()?.holder).toBe('b');
  });

  it('renews the lease on update, even after its TTL if nobody took it', async () => {
    const lease = aLease();
    const { lock, record } = await heldBy(lease, 'a');
    await lease.clock.sleep(15 * 60_000);
    const updated = await lock.update(record, TTL);
    expect(updated.renewedAt).toBe(at(15));
    expect(lease.store.peek()?.renewedAt).toBe(at(15));
  });

  it('release frees our lease but never someone else\'s', async () => {
    const lease = aLease();
    const { lock, record } = await heldBy(lease, 'a');
    const taker = lease.newLock();
    const taken = await taker.acquire('b', '9.5.4', TTL);
    if (!taken.acquired) throw new Error('not taken over');
    await expect(lock.release(record, { complete: true, reason: 'done' })).rejects.toBeInstanceOf(LockLostError);
    await expect(lock.release(record, { complete: false, reason: 'stopped' })).rejects.toBeInstanceOf(LockLostError);
    expect(lease.store.peek()?.holder).toBe('b');
    await taker.release(taken.record, { complete: false, reason: 'stopped' });
    expect(lease.store.peek()).toMatchObject({ holder: null, released: { by: 'b', reason: 'stopped' } });
    const resumed = await lease.newLock().acquire('c', '9.5.4', TTL);
    if (!resumed.acquired) throw new Error('not resumed');
    await lease.newLock().release(resumed.record, { complete: true, reason: 'done' });
    expect(lease.store.peek()).toBeUndefined();
  });

  it('hands out copies: changing a returned record changes nothing stored', async () => {
    const lease = aLease();
    const { record } = await heldBy(lease, 'a');
    record.terminatedInstanceIds.push('i-0bbbbbbbbbbbbbbbb');
    expect(lease.store.peek()?.terminatedInstanceIds).toEqual(['i-0aaaaaaaaaaaaaaaa']);
    const read = await lease.store.read();
    read?.record.terminatedInstanceIds.push('i-0cccccccccccccccc');
    expect(lease.store.peek()?.terminatedInstanceIds).toEqual(['i-0aaaaaaaaaaaaaaaa']);
  });
});

describe('MemoryLeaseStore', () => {
  it('writes only at the version it is told, and creates only once', async () => {
    const store = new MemoryLeaseStore();
    const record = { holder: 'a', targetVersion: '9.5.4', acquiredAt: at(0), renewedAt: at(0), ttlMs: TTL, runStartedAt: at(0), terminatedInstanceIds: [] };
    const first = await store.create(record);
    expect(first).toBeDefined();
    expect(await store.create({ ...record, holder: 'b' })).toBeUndefined();
    const second = await store.replace({ ...record, renewedAt: at(1) }, first ?? '');
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    expect(await store.replace({ ...record, holder: 'b' }, first ?? '')).toBeUndefined();
    expect(await store.remove(first ?? '')).toBe('conflict');
    expect(store.peek()?.renewedAt).toBe(at(1));
    expect(await store.remove(second ?? '')).toBe('deleted');
    expect(store.peek()).toBeUndefined();
  });

  it('answers an aborted call with the abort reason, changing nothing', async () => {
    const store = new MemoryLeaseStore();
    const reason = new Error('SIGTERM');
    const record = { holder: 'a', targetVersion: '9.5.4', acquiredAt: at(0), renewedAt: at(0), ttlMs: TTL, runStartedAt: at(0), terminatedInstanceIds: [] };
    await expect(store.create(record, AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(store.peek()).toBeUndefined();
  });
});
