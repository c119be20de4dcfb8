import { describe, expect, it } from 'vitest';
import { sleepFor } from '../../src/upgrade/act.ts';

describe('sleepFor', () => {
  it.each([
    [0, 5_000, 250],
    [2_000, 5_000, 500],
    [60_000, 5_000, 5_000],
    [0, 100, 100],
  ])('after %i ms of waiting with a %i ms poll interval, looks again in %i ms', (waited, poll, expected) => {
    expect(sleepFor(waited, poll)).toBe(expected);
  });
});
