// Ticks of the controller in a process of its own, as `run` does them: observe through the real
// adapters and clients (against the fake services) with observeWorld, decide; the first tick also plans and
// judges every stale node (atStart). Says on IPC what each tick cost and the most memory held.
//
//   BENCH_LEASE=<lease JSON> node bench/tick-process.ts <es-url> <aws-endpoint> <ticks>

import { performance } from 'node:perf_hooks';
import { createAwsClients } from '../src/cloud/aws-clients.ts';
import { AwsFleet } from '../src/cloud/aws-fleet.ts';
import { createEsClient } from '../src/cluster/es-client.ts';
import { EsCluster } from '../src/cluster/es-cluster.ts';
import { silentLogger } from '../src/shared/log.ts';
import { decide, trackHeldBack } from '../src/upgrade/decide.ts';
import { buildPlan } from '../src/upgrade/plan.ts';
import { observeWorld } from '../src/upgrade/observe-world.ts';
import type { Cluster, Fleet, LeaseRecord } from '../src/upgrade/ports.ts';
import { TARGET } from './synthetic-world.ts';
import { toolOptions } from './tool-options.ts';

export interface TickFigures {
  /** Wall time of the whole tick, then of its two halves. */
  ms: number;
  observeMs: number;
  decideMs: number;
  /** The observation's two reads, each from the tick's start to its end (they overlap): Elasticsearch, EC2 and Auto Scaling. */
  esMs: number;
  awsMs: number;
  /** CPU time of this process over the tick (the fake services run elsewhere). */
  cpuMs: number;
  describeInstances: number;
  decision: string;
}

const [esUrl = '', awsUrl = '', tickCount = '10'] = process.argv.slice(2);
const lease = JSON.parse(process.env.BENCH_LEASE ?? '{}') as LeaseRecord;
const options = toolOptions(TARGET);
const log = silentLogger();
const cluster = new EsCluster(createEsClient({ nodes: [esUrl] }), log);
const aws = createAwsClients({ region: 'eu-west-1', endpoint: awsUrl });
let describeInstances = 0;
aws.ec2.middlewareStack.add(
  (next, context) => (args) => {
    if (context.commandName === 'DescribeInstancesCommand') describeInstances += 1;
    return next(args);
  },
  { step: 'initialize', name: 'benchCountDescribeInstances' },
);
const fleet = new AwsFleet(aws.ec2, aws.autoScaling, log);
// Two hours into the run: long past every grace.
const now = new Date(Date.parse(lease.runStartedAt) + 2 * 3_600_000);

async function tick(first: boolean, heldBackSince: Map<string, number>): Promise<{ figures: TickFigures; heldBackSince: Map<string, number> }> {
  const before = describeInstances;
  const cpu = process.cpuUsage();
  const started = performance.now();
  let esRead = started;
  let awsRead = started;
  const timedCluster: Cluster = Object.assign(Object.create(cluster) as Cluster, {
    observe: (signal?: AbortSignal) => cluster.observe(signal).finally(() => (esRead = performance.now())),
  });
  const timedFleet: Fleet = Object.assign(Object.create(fleet) as Fleet, {
    observe: (...args: Parameters<Fleet['observe']>) => fleet.observe(...args).finally(() => (awsRead = performance.now())),
  });
  const world = await observeWorld(timedCluster, timedFleet, options);
  const observed = performance.now();
  if (first) buildPlan(world, options);
  const held = trackHeldBack(heldBackSince, world, now.getTime());
  const d = decide({ world, options, lease, atStart: first, ignoredInstanceIds: new Set(), now, heldBackSince: held });
  const done = performance.now();
  const used = process.cpuUsage(cpu);
  return {
    figures: {
      ms: done - started,
      observeMs: observed - started,
      decideMs: done - observed,
      esMs: esRead - started,
      awsMs: awsRead - started,
      cpuMs: (used.user + used.system) / 1000,
      describeInstances: describeInstances - before,
      decision: d.kind,
    },
    heldBackSince: held,
  };
}

const ticks: TickFigures[] = [];
let heldBackSince = new Map<string, number>();
for (let i = 0; i < Number(tickCount); i++) {
  const result = await tick(i === 0, heldBackSince);
  ticks.push(result.figures);
  heldBackSince = result.heldBackSince;
}
aws.ec2.destroy();
aws.autoScaling.destroy();
process.send?.({ ticks, maxRssMB: process.resourceUsage().maxRSS / 1024 });
