// Decides which call gets an injected error: the rules of faults.json in order, each with what is
// left of its count and its own seeded generator, so a run with the same calls gets the same errors.

import type { AwsErrorRule } from './aws-faults.ts';

export interface InjectedCall {
  operation: string;
  instanceIds: string[];
}

export interface Injection {
  rule: AwsErrorRule;
  /** The rule's id (or position and content when it has none). */
  key: string;
}

/** mulberry32: small, fast and good enough to pick calls reproducibly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface RuleState {
  left: number;
  random: () => number;
}

export class ErrorInjector {
  private rules: { key: string; rule: AwsErrorRule }[] = [];
  private readonly states = new Map<string, RuleState>();

  /** Takes a new rule list; rules already known (same key) keep their count and generator. */
  setRules(rules: AwsErrorRule[]): void {
    this.rules = rules.map((rule, i) => ({ key: rule.id ?? `${i}:${JSON.stringify(rule)}`, rule }));
    const keys = new Set(this.rules.map((r) => r.key));
    for (const key of this.states.keys()) if (!keys.has(key)) this.states.delete(key);
    for (const { key, rule } of this.rules) {
      if (!this.states.has(key)) this.states.set(key, { left: rule.count ?? Infinity, random: seededRandom(rule.seed ?? 1) });
    }
  }

  /** The first rule that hits this call, its count taken; undefined when none does. */
  decide(call: InjectedCall): Injection | undefined {
    for (const { key, rule } of this.rules) {
      if (rule.operation !== '*' && rule.operation !== call.operation) continue;
      if (rule.instanceId !== undefined && !call.instanceIds.includes(rule.instanceId)) continue;
      const state = this.states.get(key);
      if (!state || state.left <= 0) continue;
      if (rule.probability !== undefined && state.random() >= rule.probability) continue;
      state.left -= 1;
      return { rule, key };
    }
    return undefined;
  }

  /** What is left of each rule's count (Infinity: no count). */
  remaining(): Record<string, number> {
    return Object.fromEntries([...this.states].map(([key, s]) => [key, s.left]));
  }
}
