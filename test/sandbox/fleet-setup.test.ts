import { describe, expect, it } from 'vitest';
import { MAX_ZONES, zoneCountProblem } from '../../sandbox/fleet-setup.ts';

describe('zoneCountProblem (up --zones)', () => {
  it.each([1, 2, 3])('takes %i zones', (zones) => {
    expect(zoneCountProblem(zones)).toBeUndefined();
  });

  it.each([
    [0, '0'], [4, '4'], [2.5, '2.5'], [Number.NaN, 'three'], [Number.NaN, ''],
  ])('refuses %s (given as %j), naming the value and the valid range', (zones, given) => {
    expect(zoneCountProblem(zones, given)).toBe(`--zones must be a whole number of availability zones from 1 to ${MAX_ZONES}, got ${JSON.stringify(given)}`);
  });
});
