// Each safety rule's whole behaviour in one table pair, after typescript-eslint's RuleTester: cases
// it lets pass (`valid`) and cases it refuses (`invalid`, each with the reason it must give).

import { describe, expect, it } from 'vitest';
import type { UpgradeOptions } from '../../../src/upgrade/plan-model.ts';
import type { LeaseRecord } from '../../../src/upgrade/ports.ts';
import type { Rule, RuleContext } from '../../../src/upgrade/predicates.ts';
import { judgeSettlement, type Settlement } from '../../../src/upgrade/version-conflicts.ts';
import { aLease, aWorld, defaultOptions, type WorldSpec } from '../builders.ts';

export interface RuleCase {
  name: string;
  world: () => WorldSpec;
  /** The node judged (default: the first node of the world). */
  candidate?: string;
  options?: Partial<UpgradeOptions>;
  lease?: Partial<LeaseRecord>;
  atStart?: boolean;
  ignored?: string[];
  settlement?: Settlement;
}

export interface InvalidCase extends RuleCase {
  reason: RegExp;
}

/** The rule's verdict on a case: null (passes), a reason, or the text "not applicable". */
export function judge(rule: Rule, c: RuleCase): string | null {
  const options = defaultOptions(c.options);
  const world = aWorld(c.world(), options);
  const candidate = c.candidate === undefined ? world.nodes[0] : world.nodes.find((n) => n.node.name === c.candidate);
  if (!candidate) throw new Error(`no node ${c.candidate ?? '(first)'} in the case`);
  const ctx: RuleContext = {
    world,
    options,
    lease: aLease(c.lease),
    settlement: c.settlement ?? judgeSettlement(world.cluster.health, world.cluster.shards, world.cluster.unassignedExplanations),
    atStart: c.atStart ?? true,
    ignoredInstanceIds: new Set(c.ignored),
  };
  if (!rule.appliesTo(candidate, ctx)) return 'not applicable';
  return rule.check(candidate, ctx);
}

export function testRule(rule: Rule, cases: { valid: RuleCase[]; invalid: InvalidCase[] }): void {
  describe(`rule ${rule.name} (${rule.kind})`, () => {
    it('has passing and refusing cases', () => {
      expect(cases.valid.length).toBeGreaterThan(0);
      expect(cases.invalid.length).toBeGreaterThan(0);
    });
    it.each(cases.valid)('passes: $name', (c) => {
      expect([null, 'not applicable']).toContain(judge(rule, c));
    });
    it.each(cases.invalid)('refuses: $name', (c) => {
      const verdict = judge(rule, c);
      expect(verdict).not.toBeNull();
      expect(verdict).not.toBe('not applicable');
      expect(verdict).toMatch(c.reason);
    });
  });
}
