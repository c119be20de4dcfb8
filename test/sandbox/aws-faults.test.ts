import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BadAwsFault, readAwsFaults, updateAwsFaults, validateAwsFaults, writeAwsFaults, type AwsFaultConfig } from '../../sandbox/aws-faults.ts';

describe('AWS fault configuration', () => {
  let dir = '';
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'esru-aws-faults-unit-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('gives each error rule an id of its own, and appends rules on update', () => {
    writeAwsFaults(dir, { terminateLag: { terminatingMs: 1, waitMs: 2 }, errors: [{ operation: 'DescribeInstances', error: 'throttling', count: 1 }] });
    const next = updateAwsFaults(dir, { repeatTerminate: 'accept', errors: [{ operation: 'DescribeInstances', error: 'throttling', count: 1 }] });
    expect(next.errors).toHaveLength(2);
    expect(new Set(next.errors?.map((r) => r.id)).size).toBe(2);
    expect(readAwsFaults(dir)).toEqual(next);
    expect(next.terminateLag).toEqual({ terminatingMs: 1, waitMs: 2 });
    expect(next.repeatTerminate).toBe('accept');
  });

  const BAD: [string, AwsFaultConfig, RegExp][] = [
    ['a negative lag', { terminateLag: { terminatingMs: -1, waitMs: 0 } }, /terminateLag\.terminatingMs must be a number of milliseconds >= 0, got -1/],
    ['an unknown replacement timing', { replacement: 'later' as never }, /replacement must be at-terminate or after-terminate, got "later"/],
    ['an unknown repeat mode', { repeatTerminate: 'ignore' as never }, /repeatTerminate must be reject or accept/],
    ['an unknown error', { errors: [{ operation: 'DescribeInstances', error: 'boom' as never, count: 1 }] }, /error must be one of throttling, .*connection-reset; got "boom"/],
    ['a lower-case operation', { errors: [{ operation: 'describeInstances', error: 'throttling', count: 1 }] }, /operation must be an AWS Action name/],
    ['an Auto Scaling error on an EC2 operation', { errors: [{ operation: 'DescribeInstances', error: 'scaling-activity-in-progress', count: 1 }] },
      /DescribeInstances is an EC2 operation, which never answers scaling-activity-in-progress; use one of throttling, internal-error, unavailable, connection-reset/],
    ['a count of zero', { errors: [{ operation: 'DescribeInstances', error: 'throttling', count: 0 }] }, /count must be a whole number >= 1, got 0/],
    ['a probability above one', { errors: [{ operation: 'DescribeInstances', error: 'throttling', probability: 1.5 }] }, /probability must be a number in \(0, 1\], got 1.5/],
    ['neither count nor probability', { errors: [{ operation: 'DescribeInstances', error: 'throttling' }] }, /needs a count, a probability or both/],
  ];

  it.each(BAD)('refuses %s, naming the value and what is valid, and writes nothing', (_name, config, message) => {
    expect(() => validateAwsFaults(config)).toThrow(BadAwsFault);
    expect(() => writeAwsFaults(dir, config)).toThrow(message);
    expect(readAwsFaults(dir)).toEqual({});
  });
});
