// What judging the unassigned copies costs a tick (judgeSettlement), apart from the rest: on the
// first tick that sees the explanations (or after they were read anew), and on the ticks after,
// with the shards read anew each tick and the explanations kept (src/cluster/explanation-cache.ts).
// The shard index every rule shares is built before the clock starts.
//
//   node bench/judge-process.ts <nodes> <conflicts>

import { performance } from 'node:perf_hooks';
import { copiesOf } from '../src/upgrade/shard-copies.ts';
import { judgeSettlement } from '../src/upgrade/version-conflicts.ts';
import { buildWorld, clusterSnapshot, explanationsOf } from './synthetic-world.ts';

const [nodes = 1000, conflicts = 2000] = process.argv.slice(2).map(Number);
const world = buildWorld({ nodes, replaced: 1, conflicts });
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

function judged(explanations: ReturnType<typeof explanationsOf>): { ms: number; kind: string } {
  const snapshot = clusterSnapshot(world.es, explanations);
  copiesOf(snapshot.shards, { index: '', shard: 0 });
  const started = performance.now();
  const s = judgeSettlement(snapshot.health, snapshot.shards, snapshot.unassignedExplanations, { mixedVersions: true });
  const ms = performance.now() - started;
  if (s.kind !== 'version-conflicts-only' || s.conflicts.length !== conflicts) throw new Error(`expected ${conflicts} conflicts, got ${s.kind}`);
  return { ms, kind: s.kind };
}

const first: number[] = [];
const later: number[] = [];
for (let round = 0; round < 3; round++) {
  const explanations = explanationsOf(world.es);
  first.push(judged(explanations).ms);
  for (let t = 0; t < 5; t++) later.push(judged(explanations).ms);
}
process.send?.({ firstMs: median(first), laterMs: median(later) });
