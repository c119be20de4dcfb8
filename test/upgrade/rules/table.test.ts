import { describe, expect, it } from 'vitest';
import { RULES, RULE_NAMES } from '../../../src/upgrade/predicates.ts';

describe('the rule table', () => {
  it('holds every named rule exactly once', () => {
    expect(RULE_NAMES.length).toBeGreaterThan(10);
    for (const name of RULE_NAMES) expect(RULES.filter((r) => r.name === name)).toHaveLength(1);
    expect(RULES).toHaveLength(RULE_NAMES.length);
  });

  it('gives waiting rules a kind that says what they wait for', () => {
    for (const rule of RULES) expect(['structural', 'precondition', 'recovery']).toContain(rule.kind);
  });
});
