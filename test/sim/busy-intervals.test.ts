import { describe, expect, it } from 'vitest';
import { createSimulatedWorld } from '../../src/sim/index.ts';
import { SimulatedClock } from '../../src/sim/simulated-clock.ts';

const T0 = new Date('2026-11-28T00:00:00Z');
const t = (ms: number): number => T0.getTime() + ms;

describe('SimulatedClock.busyIntervals', () => {
  it('counts the time a busy event is pending, and nothing else', () => {
    const clock = new SimulatedClock(T0, { busyLabels: ['work'] });
    clock.after(1_000, () => undefined, 'other');
    clock.advance(500);
    clock.after(2_000, () => undefined, 'work');
    clock.advance(5_000);
    expect(clock.busyIntervals()).toEqual([{ fromMs: t(500), toMs: t(2_500) }]);
  });

  it('merges overlapping work and work that follows at the same instant into one stretch', () => {
    const clock = new SimulatedClock(T0, { busyLabels: ['work'] });
    clock.after(1_000, () => clock.after(1_000, () => undefined, 'work'), 'work');
    clock.after(1_500, () => undefined, 'work');
    clock.advance(10_000);
    clock.after(1_000, () => undefined, 'work');
    clock.advance(1_000);
    expect(clock.busyIntervals()).toEqual([
      { fromMs: t(0), toMs: t(2_000) },
      { fromMs: t(10_000), toMs: t(11_000) },
    ]);
  });

  it('ends work when it is cancelled, and shows work under way up to now', () => {
    const clock = new SimulatedClock(T0, { busyLabels: ['work'] });
    const cancelled = clock.after(5_000, () => undefined, 'work');
    clock.advance(1_000);
    cancelled.cancel();
    cancelled.cancel();
    clock.advance(1_000);
    clock.after(9_000, () => undefined, 'work');
    clock.advance(3_000);
    expect(clock.busyIntervals()).toEqual([
      { fromMs: t(0), toMs: t(1_000) },
      { fromMs: t(2_000), toMs: t(5_000) },
    ]);
  });

  it('counts nothing without busy labels', () => {
    const clock = new SimulatedClock(T0);
    clock.after(1_000, () => undefined, 'work');
    clock.advance(2_000);
    expect(clock.busyIntervals()).toEqual([]);
  });
});

describe('world.busyIntervals', () => {
  it('is the replacement of a terminated instance, from the terminate until its node has joined', async () => {
    const world = createSimulatedWorld({ masters: 3, data: 3, fromVersion: '9.4.5', launchVersion: '9.5.4' });
    expect(world.busyIntervals()).toEqual([]);
    const startMs = world.clock.nowMs();
    const victim = world.cluster.nodes().find((n) => n.roles.includes('master'))?.attributes.instance_id ?? '';
    await world.fleet.terminateInGroup(victim);
    await world.clock.sleep(3_600_000);

    const joinedAt = world.history.find((h) => h.kind === 'node-joined')?.at.getTime();
    const terminatedAt = world.history.find((h) => h.kind === 'instance-terminated')?.at.getTime() ?? 0;
    expect(joinedAt).toBeDefined();
    // The replacement joins after the old instance is gone, so the join ends the work.
    expect(joinedAt).toBeGreaterThan(terminatedAt);
    expect(world.busyIntervals()).toEqual([{ fromMs: startMs, toMs: joinedAt }]);
  });
});
