import { describe, expect, it } from 'vitest';
import { ExplainPool, toAllocationExplanation, toShardCopies, type ExplainBody } from '../../src/cluster/es-read-model.ts';
import { loadFixture, versionsWith } from './es-fixtures.ts';

const captured = versionsWith('allocation-explain-allocation-disabled');
const mixed = 'mixed-9.4.5-9.5.4';
const conflict = (): ExplainBody => loadFixture<ExplainBody>(mixed, 'allocation-explain-version-conflict');

/** The answer for another copy: the same node decisions, as a new answer parsed from the wire. */
function anotherCopy(body: ExplainBody, shard: number): ExplainBody {
  return { ...(JSON.parse(JSON.stringify(body)) as ExplainBody), shard };
}

describe('toAllocationExplanation', () => {
  it('has captured answers to read', () => {
    expect(captured.length).toBeGreaterThan(0);
  });

  it.each(captured)('reads each node decision of a captured answer with only its refusals kept as given (%s)', (version) => {
    const body = loadFixture<ExplainBody>(version, 'allocation-explain-allocation-disabled');
    const read = toAllocationExplanation(body);
    expect(read.nodeDecisions).toEqual(
      (body.node_allocation_decisions ?? []).map((d) => ({
        nodeId: d.node_id,
        nodeName: d.node_name,
        nodeDecision: d.node_decision,
        deciders: (d.deciders ?? []).map((r) => ({ decider: r.decider, decision: r.decision === 'ALWAYS' ? 'YES' : r.decision, explanation: r.explanation })),
      })),
    );
  });

  it('shares equal node decisions between the answers read with one pool, and reads them the same', () => {
    // Prepare: explain lists every node for every copy; mid-upgrade most answer alike.
    const pool = new ExplainPool();

    // Act
    const first = toAllocationExplanation(conflict(), pool);
    const second = toAllocationExplanation(anotherCopy(conflict(), 1), pool);
    const alone = toAllocationExplanation(anotherCopy(conflict(), 1));

    // Assess
    expect(first.nodeDecisions.length).toBeGreaterThan(1);
    first.nodeDecisions.forEach((d, i) => expect(second.nodeDecisions[i]).toBe(d));
    expect(alone).toEqual(second);
    expect(alone.nodeDecisions[0]).not.toBe(second.nodeDecisions[0]);
  });

  it('keeps decisions apart that differ in any decider, and freezes what it shares', () => {
    const pool = new ExplainPool();
    const body = conflict();
    const changed = anotherCopy(body, 1);
    const decider = changed.node_allocation_decisions?.[0]?.deciders?.find((r) => r.decision === 'NO');
    if (decider) decider.explanation = 'something else';

    const first = toAllocationExplanation(body, pool);
    const second = toAllocationExplanation(changed, pool);

    expect(decider).toBeDefined();
    expect(second.nodeDecisions[0]).not.toBe(first.nodeDecisions[0]);
    expect(second.nodeDecisions[0]?.deciders).toContainEqual(expect.objectContaining({ explanation: 'something else' }));
    expect(Object.isFrozen(first.nodeDecisions[0])).toBe(true);
    expect(Object.isFrozen(first.nodeDecisions[0]?.deciders)).toBe(true);
  });
});

describe('toShardCopies', () => {
  it('reads each column by the short name it was asked by', () => {
    const copies = toShardCopies([
      { i: 'logs', s: '0', p: 'p', st: 'STARTED', n: 'data-1', ua: null },
      { i: 'logs', s: '0', p: 'r', st: 'UNASSIGNED', n: null, ua: '2026-11-28T05:00:00.000Z' },
      { i: 'logs', s: '1', p: 'p', st: 'RELOCATING', n: 'data-1 -> 10.0.0.2 Zx9dQ data-2', ua: null },
      { i: 'logs', s: '1', p: 'r', st: 'INITIALIZING', n: 'data-3', ua: '2026-11-28T05:01:00.000Z' },
    ]);

    expect(copies).toEqual([
      { index: 'logs', shard: 0, primary: true, state: 'STARTED', node: 'data-1' },
      { index: 'logs', shard: 0, primary: false, state: 'UNASSIGNED', unassignedAt: '2026-11-28T05:00:00.000Z' },
      { index: 'logs', shard: 1, primary: true, state: 'RELOCATING', node: 'data-1' },
      { index: 'logs', shard: 1, primary: false, state: 'INITIALIZING', node: 'data-3' },
    ]);
  });

  it('refuses a state it does not know, naming the copy', () => {
    expect(() => toShardCopies([{ i: 'logs', s: '2', p: 'p', st: 'CLOSED', n: 'data-1' }])).toThrow('unknown shard state "CLOSED" for logs[2]');
  });
});
