import { describe, expect, it } from 'vitest';
import {
  dueTerminations, ec2Overrides, extraMembers, heldTermination, lifecycleOverrides, prune, terminatingIds, type HeldTermination, type LayerState,
} from '../../sandbox/aws-lifecycle.ts';

const T0 = 1_000_000;

function termination(overrides: Partial<HeldTermination> = {}): HeldTermination {
  return {
    instanceId: 'i-old', groupName: 'g', requestedAt: T0, terminatingMs: 1000, waitMs: 2000, shuttingDownMs: 500, decrement: false,
    replacement: 'at-terminate', requests: 1,
    member: { instanceId: 'i-old', groupName: 'g', instanceType: 't3.large', availabilityZone: 'a', healthStatus: 'Healthy', protectedFromScaleIn: false },
    activity: { activityId: 'a', groupName: 'g', description: '', cause: '', details: '', startTime: '', statusCode: 'InProgress', progress: 0 },
    ...overrides,
  };
}

const launch = { instanceId: 'i-new', groupName: 'g', launchedAt: T0, pendingMs: 1000, waitMs: 1000 };

describe('the lifecycle model', () => {
  it.each([
    [0, 'Terminating'], [999, 'Terminating'], [1000, 'Terminating:Wait'], [2999, 'Terminating:Wait'],
  ])('a held termination %i ms after the call is %s, and EC2 keeps its own (running) state', (after, phase) => {
    const state: LayerState = { terminations: [termination()], launches: [] };
    expect(lifecycleOverrides(state, T0 + after).get('i-old')).toBe(phase);
    expect(ec2Overrides(state, T0 + after).has('i-old')).toBe(false);
    expect(heldTermination(state, 'i-old')).toBeDefined();
  });

  it('is due when its lag is over, and shutting-down for its time after moto was told', () => {
    const state: LayerState = { terminations: [termination()], launches: [] };
    expect(dueTerminations(state, T0 + 2999)).toHaveLength(0);
    expect(dueTerminations(state, T0 + 3000)).toHaveLength(1);
    const told: LayerState = { terminations: [termination({ terminatedAt: T0 + 3000 })], launches: [] };
    expect(heldTermination(told, 'i-old')).toBeUndefined();
    expect(lifecycleOverrides(told, T0 + 3100).has('i-old')).toBe(false);
    expect(ec2Overrides(told, T0 + 3499).get('i-old')).toBe('shutting-down');
    expect(ec2Overrides(told, T0 + 3500).has('i-old')).toBe(false);
    expect(prune(told, T0 + 3500).terminations).toHaveLength(0);
    expect(prune(told, T0 + 3499).terminations).toHaveLength(1);
  });

  it('lists an instance detached at the terminate call as a member until it is shut down, not one held in its group', () => {
    const atTerminate: LayerState = { terminations: [termination()], launches: [] };
    expect(extraMembers(atTerminate, T0 + 1500)).toEqual([{ member: termination().member, lifecycleState: 'Terminating:Wait' }]);
    expect(extraMembers({ terminations: [termination({ terminatedAt: T0 + 3000 })], launches: [] }, T0 + 3100)).toEqual([]);
    expect(extraMembers({ terminations: [termination({ replacement: 'after-terminate' })], launches: [] }, T0)).toEqual([]);
  });

  it.each([
    [0, 'Pending', 'pending'], [999, 'Pending', 'pending'], [1000, 'Pending:Wait', undefined], [2000, undefined, undefined],
  ])('a launch %i ms in is %s with EC2 %s', (after, lifecycle, ec2) => {
    const state: LayerState = { terminations: [], launches: [launch] };
    expect(lifecycleOverrides(state, T0 + after).get('i-new')).toBe(lifecycle);
    expect(ec2Overrides(state, T0 + after).get('i-new')).toBe(ec2);
    expect(prune(state, T0 + after).launches).toHaveLength(lifecycle ? 1 : 0);
  });

  it('counts an instance as terminating until moto is told, and keeps every zone when pruning', () => {
    const zones = { 'i-old': 'ap-southeast-2b', 'i-new': 'ap-southeast-2b' };
    const held: LayerState = { terminations: [termination()], launches: [launch], zones };
    expect(terminatingIds(held)).toEqual(new Set(['i-old']));
    const told: LayerState = { terminations: [termination({ terminatedAt: T0 + 3000 })], launches: [launch], zones };
    expect(terminatingIds(told)).toEqual(new Set());
    const pruned = prune(told, T0 + 10_000);
    expect(pruned).toEqual({ terminations: [], launches: [], zones });
  });
});
