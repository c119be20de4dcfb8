import { describe, expect, it } from 'vitest';
import { RULES, type Rule, type RuleContext } from '../../../src/upgrade/predicates.ts';
import { onceForAllCandidates } from '../../../src/upgrade/rules/rule.ts';
import { judgeSettlement } from '../../../src/upgrade/version-conflicts.ts';
import { aLease, aNode, aWorld, defaultOptions, OLD, type WorldSpec } from '../builders.ts';

function aContext(spec: WorldSpec): RuleContext {
  const options = defaultOptions();
  const world = aWorld(spec, options);
  return {
    world,
    options,
    lease: aLease(),
    settlement: judgeSettlement(world.cluster.health, world.cluster.shards, world.cluster.unassignedExplanations),
    atStart: true,
    ignoredInstanceIds: new Set(),
  };
}

function ruleNamed(name: Rule['name']): Rule {
  const rule = RULES.find((r) => r.name === name);
  if (!rule) throw new Error(`no rule ${name}`);
  return rule;
}

const fleet = (): WorldSpec => ({ nodes: Array.from({ length: 50 }, (_, i) => aNode(`es-data-${i + 1}`).data()) });

describe('onceForAllCandidates', () => {
  it('judges a check that ignores the candidate once per context, however many candidates ask', () => {
    // Prepare
    let calls = 0;
    const check = onceForAllCandidates((ctx) => {
      calls += 1;
      return `${ctx.world.nodes.length} nodes`;
    });
    const first = aContext(fleet());
    const second = aContext({ nodes: [aNode('es-data-1').data()] });

    // Act
    const answers = first.world.nodes.map((c) => check(c, first));
    const other = check(second.world.nodes[0]!, second);

    // Assess
    expect(answers).toEqual(Array<string>(50).fill('50 nodes'));
    expect(other).toBe('1 nodes');
    expect(calls).toBe(2);
  });

  it('remembers a check that passed as passing', () => {
    let calls = 0;
    const check = onceForAllCandidates(() => {
      calls += 1;
      return null;
    });
    const ctx = aContext(fleet());

    expect(ctx.world.nodes.map((c) => check(c, ctx)).every((r) => r === null)).toBe(true);
    expect(calls).toBe(1);
  });

  it.each([
    // A replacement launched with the wrong version, no node yet: each refuses.
    ['replacement_at_target', '2026-11-28T01:00:00Z'],
    ['all_expected_nodes_present', '2026-11-28T01:00:00Z'],
    // An instance without a node from before the upgrade.
    ['no_orphans', '2026-11-27T01:00:00Z'],
  ] as const)(
    '%s gives every candidate of one tick the same verdict, and each tick its own',
    (name, launched) => {
      const rule = ruleNamed(name);
      const broken = aContext({
        ...fleet(),
        extraInstances: [{ id: 'i-new', state: 'running', groupName: 'es-data', tags: { Version: OLD }, launchTime: new Date(launched), lifecycleState: 'InService' }],
      });
      const fine = aContext(fleet());

      const verdicts = new Set(broken.world.nodes.map((c) => rule.check(c, broken)));

      expect(verdicts.size).toBe(1);
      expect([...verdicts][0]).toMatch(/i-new/);
      expect(rule.check(fine.world.nodes[0]!, fine)).toBeNull();
    },
  );
});
