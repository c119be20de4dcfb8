import { describe, expect, it } from 'vitest';
import { ErrorInjector, seededRandom } from '../../sandbox/aws-error-injector.ts';

const call = (operation: string, instanceIds: string[] = []): { operation: string; instanceIds: string[] } => ({ operation, instanceIds });

describe('ErrorInjector', () => {
  it('hits the next count calls of the named operation only', () => {
    const injector = new ErrorInjector();
    injector.setRules([{ id: 'r', operation: 'DescribeInstances', error: 'throttling', count: 2 }]);
    expect(injector.decide(call('DescribeAutoScalingGroups'))).toBeUndefined();
    expect(injector.decide(call('DescribeInstances'))?.key).toBe('r');
    expect(injector.decide(call('DescribeInstances'))?.key).toBe('r');
    expect(injector.decide(call('DescribeInstances'))).toBeUndefined();
  });

  it('keeps what is left of a count across a reload of the same rules, and starts afresh for a new id', () => {
    const injector = new ErrorInjector();
    const rule = { id: 'r', operation: '*', error: 'internal-error' as const, count: 1 };
    injector.setRules([rule]);
    expect(injector.decide(call('X'))).toBeDefined();
    injector.setRules([rule]);
    expect(injector.decide(call('X'))).toBeUndefined();
    injector.setRules([{ ...rule, id: 'r2' }]);
    expect(injector.decide(call('X'))).toBeDefined();
  });

  it('hits only calls naming the rule\'s instance', () => {
    const injector = new ErrorInjector();
    injector.setRules([{ id: 'r', operation: 'TerminateInstanceInAutoScalingGroup', error: 'connection-reset', count: 5, instanceId: 'i-1' }]);
    expect(injector.decide(call('TerminateInstanceInAutoScalingGroup', ['i-2']))).toBeUndefined();
    expect(injector.decide(call('TerminateInstanceInAutoScalingGroup', ['i-1']))).toBeDefined();
  });

  it('with a probability, hits the calls its seeded generator picks, at most count of them', () => {
    const pattern = (seed: number, count?: number): boolean[] => {
      const injector = new ErrorInjector();
      injector.setRules([{ id: 'r', operation: '*', error: 'throttling', probability: 0.3, seed, ...(count ? { count } : {}) }]);
      return Array.from({ length: 200 }, () => injector.decide(call('X')) !== undefined);
    };
    const unlimited = pattern(42);
    const hits = unlimited.filter(Boolean).length;
    expect(hits).toBeGreaterThan(40);
    expect(hits).toBeLessThan(80);
    expect(pattern(42)).toEqual(unlimited);
    expect(pattern(43)).not.toEqual(unlimited);
    const capped = pattern(42, 3);
    expect(capped.filter(Boolean)).toHaveLength(3);
    // The same calls as without a cap, up to the third hit.
    const third = unlimited.findIndex((_, i) => unlimited.slice(0, i + 1).filter(Boolean).length === 3);
    expect(capped.slice(0, third + 1)).toEqual(unlimited.slice(0, third + 1));
  });

  it('draws uniformly enough from [0, 1)', () => {
    const random = seededRandom(1);
    const draws = Array.from({ length: 10_000 }, random);
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
    expect(draws.reduce((a, b) => a + b, 0) / draws.length).toBeCloseTo(0.5, 1);
  });
});
