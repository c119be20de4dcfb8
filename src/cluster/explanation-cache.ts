// Allocation explanations of unassigned copies, kept between ticks. Mid-upgrade a cluster can hold
// thousands of version conflicts that stay exactly as they are for hours: explaining each of them
// on every tick would make a tick's cost grow with them. A copy is explained again only when
// something its explanation depends on changed: when it became unassigned, where its shard's other
// copies are, or the cluster's shape (nodes, their versions and roles, the allocation settings).

import type { AllocationExplanation, ClusterSnapshot, ShardCopy } from '../upgrade/model.ts';
import { copiesOf } from '../upgrade/shard-copies.ts';

type CopyKey = Pick<ShardCopy, 'index' | 'shard' | 'primary'>;

interface Entry {
  fingerprint: string;
  explanation: AllocationExplanation;
}

/** Answers that describe a passing moment, never reused. */
const PASSING: ReadonlySet<string> = new Set(['throttled', 'awaiting_info', 'allocation_delayed']);

export class ExplanationCache {
  private entries = new Map<string, Entry>();
  private pending = new Map<string, string>();
  /**
   * The cluster's shape the entries were explained in. Compared once per tick rather than kept in
   * every fingerprint: at 1,000 nodes it is some 40 KB, and 2,000 fingerprints made of it cost 80 MB.
   */
  private shape: string | undefined;

  /**
   * Splits this snapshot's unassigned copies into those whose stored explanation still holds and
   * those to explain (then `store` each answer). Copies no longer unassigned are forgotten.
   */
  plan(snapshot: ClusterSnapshot): { fresh: AllocationExplanation[]; stale: CopyKey[] } {
    const shape = clusterShape(snapshot);
    const sameShape = shape === this.shape;
    this.shape = shape;
    const fresh: AllocationExplanation[] = [];
    const stale: CopyKey[] = [];
    const next = new Map<string, Entry>();
    this.pending = new Map();
    for (const copy of uniqueUnassigned(snapshot.shards)) {
      const key = keyOf(copy);
      const fingerprint = `${copy.unassignedAt ?? ''}|${siblings(snapshot.shards, copy)}`;
      const entry = sameShape ? this.entries.get(key) : undefined;
      if (entry && entry.fingerprint === fingerprint) {
        fresh.push(entry.explanation);
        next.set(key, entry);
      } else {
        stale.push({ index: copy.index, shard: copy.shard, primary: copy.primary });
        this.pending.set(key, fingerprint);
      }
    }
    this.entries = next;
    return { fresh, stale };
  }

  store(copy: CopyKey, explanation: AllocationExplanation | undefined): void {
    const key = keyOf(copy);
    const fingerprint = this.pending.get(key);
    if (fingerprint === undefined || explanation === undefined) return;
    if (explanation.canAllocate !== undefined && PASSING.has(explanation.canAllocate)) return;
    this.entries.set(key, { fingerprint, explanation });
  }

  clear(): void {
    this.entries.clear();
    this.pending.clear();
    this.shape = undefined;
  }

  get size(): number {
    return this.entries.size;
  }
}

function keyOf(copy: CopyKey): string {
  return `${copy.index}\u0000${copy.shard}\u0000${String(copy.primary)}`;
}

function uniqueUnassigned(shards: ShardCopy[]): ShardCopy[] {
  const seen = new Map<string, ShardCopy>();
  for (const s of shards) if (s.state === 'UNASSIGNED' && !seen.has(keyOf(s))) seen.set(keyOf(s), s);
  return [...seen.values()];
}

function clusterShape(snapshot: ClusterSnapshot): string {
  const nodes = snapshot.nodes
    .map((n) => `${n.id}:${n.version}:${n.roles.join('+')}`)
    .sort()
    .join(',');
  return `${nodes}|${snapshot.allocationEnable ?? ''}|${snapshot.allocationExcludeNames.join(',')}`;
}

function siblings(shards: ShardCopy[], copy: ShardCopy): string {
  return copiesOf(shards, copy)
    .map((c) => `${c.primary ? 'p' : 'r'}${c.state}@${c.node ?? ''}`)
    .sort()
    .join(',');
}
