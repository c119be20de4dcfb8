// How long one tick's judgement takes on a large cluster, and what it holds in memory: the world
// join, the plan order, the safety rules and the version-conflict judgement, on a snapshot of
// N data nodes and thousands of shard copies, mid-upgrade (half the data nodes replaced, every
// index created since then holding back its replica: a version conflict each).
//
//   npm run bench                       # default sizes
//   npm run bench -- 600 40000          # data nodes, shard copies

import { performance } from 'node:perf_hooks';
import { decide } from '../src/upgrade/decide.ts';
import { buildPlan } from '../src/upgrade/plan.ts';
import type { AllocationExplanation, ShardCopy } from '../src/upgrade/model.ts';
import { aLease, aNode, aWorld, decider, defaultOptions, explanation, versionNo, type NodeBuilder } from '../test/upgrade/builders.ts';

const dataNodes = Number(process.argv[2] ?? 200);
const copies = Number(process.argv[3] ?? 20_000);

function buildSpec(): Parameters<typeof aWorld>[0] {
  const masters = [aNode('m-1').master().atTarget(), aNode('m-2').master().atTarget(), aNode('m-3').master().atTarget()];
  const data: NodeBuilder[] = [];
  for (let i = 0; i < dataNodes; i++) {
    const b = aNode(`d-${i}`).data();
    data.push(i < dataNodes / 2 ? b.atTarget() : b);
  }
  const names = data.map((d) => d.node.name);
  const upgraded = names.slice(0, Math.floor(dataNodes / 2));
  const old = names.slice(Math.floor(dataNodes / 2));
  const shards: ShardCopy[] = [];
  const explanations: AllocationExplanation[] = [];
  const pairs = Math.floor(copies / 2);
  const conflicts = Math.floor(pairs / 20);
  for (let i = 0; i < pairs; i++) {
    const index = `logs-${Math.floor(i / 5)}`;
    const shard = i % 5;
    if (i < conflicts) {
      // A new index: primary on an upgraded node, replica held back by the version deciders.
      const primary = upgraded[i % upgraded.length] ?? 'd-0';
      shards.push({ index, shard, primary: true, state: 'STARTED', node: primary });
      shards.push({ index, shard, primary: false, state: 'UNASSIGNED' });
      const perNode: Record<string, ReturnType<typeof decider>[]> = { [primary]: [decider('same_shard', 'NO')] };
      for (const n of old) perNode[n] = [decider('index_version', 'NO'), versionNo()];
      explanations.push(explanation(index, shard, perNode, { unassignedReason: 'INDEX_CREATED' }));
    } else {
      shards.push({ index, shard, primary: true, state: 'STARTED', node: names[i % names.length] });
      shards.push({ index, shard, primary: false, state: 'STARTED', node: names[(i + 1) % names.length] });
    }
  }
  return {
    nodes: [...masters, ...data],
    health: { status: 'yellow', unassignedShards: conflicts },
    shards,
    explanations,
  };
}

const options = defaultOptions({ order: 'data-first' });
const spec = buildSpec();
const heapBefore = process.memoryUsage().heapUsed;
const iterations = 50;
const started = performance.now();
let last: ReturnType<typeof decide> | undefined;
for (let i = 0; i < iterations; i++) {
  const world = aWorld(spec, options);
  buildPlan(world, options);
  last = decide({ world, options, lease: aLease(), atStart: false, ignoredInstanceIds: new Set(), now: new Date() });
}
const perTick = (performance.now() - started) / iterations;
const heapAfter = process.memoryUsage().heapUsed;

console.log(`[bench] decide tick: ${dataNodes} data nodes, ${spec.shards?.length ?? 0} shard copies, ${spec.explanations?.length ?? 0} explanations`);
console.log(`[bench]   ${perTick.toFixed(1)} ms per tick (join + plan + rules + judgement), ${iterations} ticks`);
console.log(`[bench]   heap used ${(heapAfter / 1048576).toFixed(1)} MiB (${((heapAfter - heapBefore) / 1048576).toFixed(1)} MiB over the run, before GC)`);
console.log(`[bench]   decision: ${last?.kind ?? 'none'}`);
