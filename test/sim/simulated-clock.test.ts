import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/sim/simulated-clock.ts';

const T0 = new Date('2026-11-28T00:00:00Z');
const elapsed = (clock: SimulatedClock): number => clock.nowMs() - T0.getTime();

describe('SimulatedClock', () => {
  it('fires scheduled events in time order, ties in scheduling order', () => {
    const clock = new SimulatedClock(T0);
    const fired: string[] = [];
    clock.schedule(T0.getTime() + 2000, () => fired.push('b'));
    clock.schedule(T0.getTime() + 1000, () => fired.push('a'));
    clock.schedule(T0.getTime() + 2000, () => fired.push('c'));
    clock.advance(1500);
    expect(fired).toEqual(['a']);
    expect(elapsed(clock)).toBe(1500);
    clock.advance(500);
    expect(fired).toEqual(['a', 'b', 'c']);
  });

  it('does not fire a cancelled event', () => {
    const clock = new SimulatedClock(T0);
    const fired: string[] = [];
    clock.after(10, () => fired.push('kept'));
    clock.after(10, () => fired.push('cancelled')).cancel();
    clock.advance(10);
    expect(fired).toEqual(['kept']);
  });

  it('sleep moves virtual time to now+ms, firing the events on the way, at their own times', async () => {
    const clock = new SimulatedClock(T0);
    const seen: number[] = [];
    clock.after(3_600_000, () => seen.push(elapsed(clock)));
    clock.after(7_200_000, () => seen.push(elapsed(clock)));
    const realStart = performance.now();
    await clock.sleep(5 * 3_600_000);
    expect(seen).toEqual([3_600_000, 7_200_000]);
    expect(elapsed(clock)).toBe(5 * 3_600_000);
    expect(performance.now() - realStart).toBeLessThan(100);
  });

  it('interleaves two sleepers in virtual-time order', async () => {
    const clock = new SimulatedClock(T0);
    const order: string[] = [];
    const a = (async () => {
      await clock.sleep(5000);
      order.push(`a@${elapsed(clock)}`);
    })();
    const b = (async () => {
      await clock.sleep(3000);
      order.push(`b@${elapsed(clock)}`);
      await clock.sleep(3000);
      order.push(`b@${elapsed(clock)}`);
    })();
    await Promise.all([a, b]);
    expect(order).toEqual(['b@3000', 'a@5000', 'b@6000']);
  });

  it('rejects with the reason of a signal already aborted, without moving time', async () => {
    const clock = new SimulatedClock(T0);
    const reason = new Error('stop');
    await expect(clock.sleep(1000, AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(elapsed(clock)).toBe(0);
  });

  it('rejects when a world event aborts the signal mid-sleep, at that moment', async () => {
    const clock = new SimulatedClock(T0);
    const controller = new AbortController();
    const reason = new Error('SIGINT');
    clock.after(60_000, () => controller.abort(reason));
    await expect(clock.sleep(3_600_000, controller.signal)).rejects.toBe(reason);
    expect(elapsed(clock)).toBe(60_000);
  });

  it('waitUntil resolves at once when the condition holds, after the event that makes it hold, or false at the deadline', async () => {
    const clock = new SimulatedClock(T0);
    let ready = false;
    await expect(clock.waitUntil(() => true, 1000)).resolves.toBe(true);
    expect(elapsed(clock)).toBe(0);

    clock.after(42_000, () => {
      ready = true;
    });
    await expect(clock.waitUntil(() => ready, 600_000)).resolves.toBe(true);
    expect(elapsed(clock)).toBe(42_000);

    await expect(clock.waitUntil(() => false, 30_000)).resolves.toBe(false);
    expect(elapsed(clock)).toBe(72_000);
  });

  it('calls observers after every world event, not after an actor wakes', async () => {
    const clock = new SimulatedClock(T0);
    const labels: string[] = [];
    clock.onEvent((e) => labels.push(e.label));
    clock.after(10, () => undefined, 'one');
    clock.after(20, () => undefined, 'two');
    await clock.sleep(100);
    expect(labels).toEqual(['one', 'two']);
  });
});
