import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryLeaseStore } from '../../src/sim/simulated-lock.ts';
import { LockLostError } from '../../src/shared/errors.ts';
import { LeaseLock, migrateLease } from '../../src/upgrade/lease-lock.ts';
import { ALLOCATION_ENABLE, ALLOCATION_EXCLUDE_NAME } from '../../src/upgrade/model.ts';
import type { LeaseRecord } from '../../src/upgrade/ports.ts';
import { ManualClock } from '../support/manual-clock.ts';

const TTL = 60_000;
const T0 = '2026-11-28T04:00:00.000Z';

describe('LeaseLock', () => {
  let store: MemoryLeaseStore;
  let clock: ManualClock;
  const lockFor = (): LeaseLock => new LeaseLock(store, clock);

  beforeEach(() => {
    store = new MemoryLeaseStore();
    clock = new ManualClock(T0);
  });

  async function held(holder: string, record: Partial<LeaseRecord> = {}): Promise<{ lock: LeaseLock; record: LeaseRecord }> {
    const lock = lockFor();
    const outcome = await lock.acquire(holder, '9.5.4', TTL);
    if (!outcome.acquired) throw new Error('not acquired');
    return { lock, record: await lock.update({ ...outcome.record, ...record }, TTL) };
  }

  it('creates the lease when there is none', async () => {
    const outcome = await lockFor().acquire('a', '9.5.4', TTL);
    expect(outcome).toEqual({
      acquired: true,
      resumed: false,
      record: { holder: 'a', targetVersion: '9.5.4', acquiredAt: T0, renewedAt: T0, ttlMs: TTL, runStartedAt: T0, terminatedInstanceIds: [] },
    });
  });

  it('refuses a holder that renews while it watches, within a quarter of the TTL', async () => {
    const { lock: a, record } = await held('a');
    let current = record;
    clock.onSleep = async (nowMs) => {
      // The live holder renews every quarter TTL.
      if (nowMs - Date.parse(current.renewedAt) >= TTL / 4) current = await a.update(current, TTL);
    };
    const started = clock.now().getTime();
    const outcome = await lockFor().acquire('b', '9.5.4', TTL);
    expect(outcome).toMatchObject({ acquired: false, heldBy: { holder: 'a' }, reason: expect.stringMatching(/renewed/) as string });
    expect(clock.now().getTime() - started).toBeLessThanOrEqual(TTL / 4 + 5_000);
  });

  it('takes over a lease left unchanged for the holder\'s TTL on the taker\'s own clock, keeping its record', async () => {
    await held('a', { terminatedInstanceIds: ['i-1'] });
    const started = clock.now().getTime();
    const outcome = await lockFor().acquire('b', '9.5.4', TTL);
    expect(outcome).toMatchObject({ acquired: true, resumed: true, record: { holder: 'b', terminatedInstanceIds: ['i-1'], runStartedAt: T0 } });
    const waited = clock.now().getTime() - started;
    expect(waited).toBeGreaterThanOrEqual(TTL);
    expect(waited).toBeLessThan(TTL + 10_000);
  });

  it('judges staleness by change, not by the holder\'s clock: a holder whose clock runs an hour behind is not taken over while it renews', async () => {
    const behind = new ManualClock(new Date(Date.parse(T0) - 3_600_000));
    const a = new LeaseLock(store, behind);
    const acquired = await a.acquire('a', '9.5.4', TTL);
    if (!acquired.acquired) throw new Error('not acquired');
    let current = acquired.record;
    clock.onSleep = async () => {
      behind.advance(TTL / 4);
      current = await a.update(current, TTL);
    };
    const outcome = await lockFor().acquire('b', '9.5.4', TTL);
    expect(outcome.acquired).toBe(false);
  });

  it('resumes a released record at once, with what the earlier run did', async () => {
    const { lock, record } = await held('a', { terminatedInstanceIds: ['i-1'] });
    await lock.release(record, { complete: false, reason: 'halted: timed out' });
    const outcome = await lockFor().acquire('b', '9.5.4', TTL);
    expect(clock.now().toISOString()).toBe(T0);
    expect(outcome).toMatchObject({ acquired: true, resumed: true, record: { holder: 'b', terminatedInstanceIds: ['i-1'] } });
  });

  it('does not resume the terminations of another target version, but keeps the settings to restore', async () => {
    const found = { [ALLOCATION_ENABLE]: { persistent: null, transient: null } };
    const override = { setAt: T0, nodeNames: ['d-1'], narrowed: true, found };
    const { lock, record } = await held('a', { terminatedInstanceIds: ['i-1'], allocationOverride: override });
    await lock.release(record, { complete: false, reason: 'interrupted' });
    const outcome = await lockFor().acquire('b', '9.6.0', TTL);
    expect(outcome).toMatchObject({ acquired: true, resumed: false, record: { terminatedInstanceIds: [], allocationOverride: override } });
  });

  it('a completed upgrade deletes its record', async () => {
    const { lock, record } = await held('a');
    await lock.release(record, { complete: true, reason: 'completed' });
    expect(store.peek()).toBeUndefined();
  });

  it('a stopped run keeps its record, released, with why', async () => {
    const { lock, record } = await held('a', { terminatedInstanceIds: ['i-1'] });
    await lock.release(record, { complete: false, reason: 'interrupted by SIGTERM' });
    expect(store.peek()).toMatchObject({ holder: null, terminatedInstanceIds: ['i-1'], released: { by: 'a', reason: 'interrupted by SIGTERM' } });
  });

  it('update fails with LockLostError naming whoever took the lease', async () => {
    const { lock, record } = await held('a');
    clock.advance(TTL + 1);
    await lockFor().acquire('b', '9.5.4', TTL);
    await expect(lock.update(record, TTL)).rejects.toBeInstanceOf(LockLostError);
    await expect(lock.update(record, TTL)).rejects.toThrow(/not held|taken over by b/);
  });

  it('breaking a lease by hand frees it at once, keeps the record and says who and why', async () => {
    await held('a', { terminatedInstanceIds: ['i-1'] });
    const broken = await lockFor().breakLease('ops@bastion', 'host of a is gone');
    expect(broken).toMatchObject({ holder: null, released: { by: 'ops@bastion', reason: expect.stringMatching(/host of a is gone.*was held by a/) as string } });
    const outcome = await lockFor().acquire('b', '9.5.4', TTL);
    expect(outcome).toMatchObject({ acquired: true, resumed: true, record: { terminatedInstanceIds: ['i-1'] } });
  });

  it('inspect tells how long the lease has been seen unchanged, on the reader\'s clock', async () => {
    await held('a');
    const reader = lockFor();
    expect((await reader.inspect())?.unchangedForMs).toBe(0);
    clock.advance(30_000);
    expect((await reader.inspect())?.unchangedForMs).toBe(30_000);
  });
});

describe('migrateLease', () => {
  it('reads a lease from an earlier release: one previous value, a drain apart, an expiry', () => {
    const legacy = {
      holder: 'a',
      targetVersion: '9.5.4',
      acquiredAt: '2026-01-01T10:00:00.000Z',
      expiresAt: '2026-01-01T10:15:00.000Z',
      runStartedAt: '2026-01-01T10:00:00.000Z',
      allocationOverride: { previous: 'all', setAt: '2026-01-01T10:01:00.000Z', nodeName: 'd-1' },
      drainExclusion: { nodeName: 'd-1', previous: ['d-old'], setAt: '2026-01-01T10:01:00.000Z' },
      terminatedInstanceIds: ['i-1'],
    } as unknown as LeaseRecord;
    expect(migrateLease(legacy)).toEqual({
      holder: 'a',
      targetVersion: '9.5.4',
      acquiredAt: '2026-01-01T10:00:00.000Z',
      renewedAt: '2026-01-01T10:00:00.000Z',
      ttlMs: 900_000,
      runStartedAt: '2026-01-01T10:00:00.000Z',
      terminatedInstanceIds: ['i-1'],
      allocationOverride: {
        setAt: '2026-01-01T10:01:00.000Z',
        nodeNames: ['d-1'],
        narrowed: true,
        found: { [ALLOCATION_ENABLE]: { persistent: 'all', transient: null }, [ALLOCATION_EXCLUDE_NAME]: { persistent: 'd-old', transient: null } },
      },
    });
  });
});
