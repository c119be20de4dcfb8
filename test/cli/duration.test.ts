import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/app/duration.ts';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['90s', 90_000],
    ['15m', 900_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['2d', 172_800_000],
    [' 45s ', 45_000],
    ['1m30s500ms', 90_500],
  ])('reads %j as %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '90', 's', '1 h', '15min', '-5s', '1h 30m', '1y', 'abc'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it.each([
    [850, '850ms'],
    [2_340, '2.3s'],
    [45_000, '45s'],
    [725_000, '12m 5s'],
    [3_600_000, '1h'],
    [3_720_000, '1h 2m'],
    [183_600_000, '2d 3h'],
    [-1, '-'],
  ])('writes %i ms as %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
