import { describe, expect, it } from 'vitest';
import { SimulatedLock } from '../../src/sim/simulated-lock.ts';
import { LockLostError } from '../../src/shared/errors.ts';
import type { LeaseRecord } from '../../src/upgrade/ports.ts';

const T0 = new Date('2026-11-28T04:00:00Z');
const at = (minutes: number): Date => new Date(T0.getTime() + minutes * 60_000);
const TTL = 10 * 60_000;

async function heldBy(holder: string, targetVersion = '9.5.4'): Promise<{ lock: SimulatedLock; record: LeaseRecord }> {
  const lock = new SimulatedLock();
  const outcome = await lock.acquire(holder, targetVersion, TTL, T0);
  if (!outcome.acquired) throw new Error('not acquired');
  const record = await lock.update(
    { ...outcome.record, allocationOverride: { previous: null, setAt: T0.toISOString() }, terminatedInstanceIds: ['i-0aaaaaaaaaaaaaaaa'] },
    TTL,
    T0,
  );
  return { lock, record };
}

describe('SimulatedLock', () => {
  it('creates the lease when there is none', async () => {
    const outcome = await new SimulatedLock().acquire('a', '9.5.4', TTL, T0);
    expect(outcome).toMatchObject({
      acquired: true,
      resumed: false,
      record: { holder: 'a', targetVersion: '9.5.4', acquiredAt: T0.toISOString(), expiresAt: at(10).toISOString(), runStartedAt: T0.toISOString(), terminatedInstanceIds: [] },
    });
  });

  it.each([
    { case: 'another holder, lease alive', holder: 'b', target: '9.5.4', when: 5, acquired: false, resumed: undefined, keepsTerminated: undefined },
    { case: 'another holder, lease expired, same target', holder: 'b', target: '9.5.4', when: 11, acquired: true, resumed: true, keepsTerminated: true },
    { case: 'another holder, lease expired, other target', holder: 'b', target: '9.6.0', when: 11, acquired: true, resumed: false, keepsTerminated: false },
    { case: 'same holder, lease alive', holder: 'a', target: '9.5.4', when: 5, acquired: true, resumed: true, keepsTerminated: true },
  ])('$case', async ({ holder, target, when, acquired, resumed, keepsTerminated }) => {
    const { lock } = await heldBy('a');
    const outcome = await lock.acquire(holder, target, TTL, at(when));
    expect(outcome.acquired).toBe(acquired);
    if (!outcome.acquired) {
      expect(outcome.heldBy.holder).toBe('a');
      return;
    }
    expect(outcome.resumed).toBe(resumed);
    expect(outcome.record.holder).toBe(holder);
    expect(outcome.record.terminatedInstanceIds).toEqual(keepsTerminated ? ['i-0aaaaaaaaaaaaaaaa'] : []);
    expect(outcome.record.runStartedAt).toBe(keepsTerminated ? T0.toISOString() : at(when).toISOString());
    // What the cluster's settings were before a controller changed them is kept whatever the target.
    expect(outcome.record.allocationOverride).toEqual({ previous: null, setAt: T0.toISOString() });
  });

  it('fails an update with LockLostError once someone else took the lease over', async () => {
    const { lock, record } = await heldBy('a');
    await lock.acquire('b', '9.5.4', TTL, at(11));
    await expect(lock.update(record, TTL, at(12))).rejects.toBeInstanceOf(LockLostError);
  });

  it('extends the lease on update, even after it expired if nobody took it', async () => {
    const { lock, record } = await heldBy('a');
    const updated = await lock.update(record, TTL, at(15));
    expect(updated.expiresAt).toBe(at(25).toISOString());
    expect(lock.peek()?.expiresAt).toBe(at(25).toISOString());
  });

  it('release frees our lease but never someone else\'s', async () => {
    const { lock, record } = await heldBy('a');
    await lock.acquire('b', '9.5.4', TTL, at(11));
    await lock.release(record);
    expect(lock.peek()?.holder).toBe('b');
    const mine = lock.peek();
    if (mine) await lock.release(mine);
    expect(lock.peek()).toBeUndefined();
  });

  it('hands out copies: changing a returned record changes nothing stored', async () => {
    const { lock, record } = await heldBy('a');
    record.terminatedInstanceIds.push('i-0bbbbbbbbbbbbbbbb');
    expect(lock.peek()?.terminatedInstanceIds).toEqual(['i-0aaaaaaaaaaaaaaaa']);
  });
});
