// The worlds the upgrade benchmark runs on. Each algorithm gets a fresh world built from the same
// scenario (same seed, same options), with a new hourly index created every virtual hour on the
// newest data node, as production's ingest does mid-upgrade.

import { createSimulatedWorld, type IndexSpec, type SimulatedWorld, type SimulatedWorldOptions } from '../src/sim/index.ts';
import { defaultStart, MIB } from '../src/sim/world-options.ts';

export const FROM_VERSION = '9.4.5';
export const TARGET_VERSION = '9.5.4';
const HOUR_MS = 3_600_000;
const GIB = 1024 * MIB;

export interface HourlyIndices {
  /** Hourly indices already there at the start: the current hour's and those of the hours before. */
  past: number;
  primaries: number;
  replicas: number;
  /** Bytes of a shard copy of a past hour's index. */
  shardBytes: number;
  /** Bytes of a shard copy of an index created during the run (younger, smaller). */
  newShardBytes: number;
}

export interface Scenario {
  /** Short key, for the command line and the test. */
  key: string;
  title: string;
  masters: number;
  data: number;
  hourly: HourlyIndices;
  /** Other indices at the start. */
  indices: IndexSpec[];
  recovery: NonNullable<SimulatedWorldOptions['recovery']>;
  seed: number;
}

/** 3 masters and 6 data nodes in 3 zones, hourly indices of small shards: minutes per node. */
export function smallShards(): Scenario {
  return {
    key: 'small',
    title: '3 masters + 6 data in 3 zones, hourly indices, small shards',
    masters: 3,
    data: 6,
    hourly: { past: 24, primaries: 3, replicas: 1, shardBytes: 100 * MIB, newShardBytes: 10 * MIB },
    indices: [{ name: 'orders', primaries: 3, replicas: 1, shardSizeBytes: 500 * MIB }],
    recovery: {},
    seed: 1,
  };
}

/** 3 masters and 30 data nodes in 3 zones, hourly indices whose shards take hours to recover. */
export function hourScale(data = 30): Scenario {
  return {
    key: 'hours',
    title: `3 masters + ${data} data in 3 zones, hourly indices, hour-scale recoveries`,
    masters: 3,
    data,
    hourly: { past: 24, primaries: 10, replicas: 1, shardBytes: 10 * GIB, newShardBytes: 100 * MIB },
    indices: [],
    recovery: {},
    seed: 1,
  };
}

/** A thousand data nodes: how fast the simulator and the controller are at scale. */
export function thousandNodes(data = 1000): Scenario {
  return {
    key: 'large',
    title: `3 masters + ${data.toLocaleString('en')} data in 3 zones, hourly indices, ${(100 * data).toLocaleString('en')} shard copies`,
    masters: 3,
    data,
    hourly: { past: 50, primaries: data, replicas: 1, shardBytes: 100 * MIB, newShardBytes: 10 * MIB },
    indices: [],
    recovery: {},
    seed: 1,
  };
}

/** The name of the hourly index of the hour that `atMs` falls in. */
export function hourlyName(atMs: number): string {
  const d = new Date(atMs);
  const two = (n: number): string => n.toString().padStart(2, '0');
  return `logs-${d.getUTCFullYear()}.${two(d.getUTCMonth() + 1)}.${two(d.getUTCDate())}-${two(d.getUTCHours())}`;
}

/**
 * `n` start times spread evenly over one hour from 04:00: where in a run the hour's new index
 * arrives decides what it meets (a version conflict or not), so a figure is an average over them.
 */
export function startTimes(n: number): Date[] {
  const first = Date.UTC(2026, 10, 28, 4, 0, 0);
  return Array.from({ length: n }, (_, k) => new Date(first + Math.floor((k * HOUR_MS) / n)));
}

export function worldOptions(scenario: Scenario, start: Date = defaultStart): SimulatedWorldOptions {
  const startMs = start.getTime();
  const { hourly } = scenario;
  const past: IndexSpec[] = [];
  for (let h = hourly.past - 1; h >= 0; h -= 1) {
    past.push({ name: hourlyName(startMs - h * HOUR_MS), primaries: hourly.primaries, replicas: hourly.replicas, shardSizeBytes: hourly.shardBytes });
  }
  return {
    masters: scenario.masters,
    data: scenario.data,
    fromVersion: FROM_VERSION,
    launchVersion: TARGET_VERSION,
    seed: scenario.seed,
    start,
    indices: [...past, ...scenario.indices],
    recovery: scenario.recovery,
    zoneAttribute: 'zone',
    awareness: { attributes: ['zone'] },
  };
}

/**
 * Build the scenario's world and start its hourly ingest: at every full virtual hour a new index,
 * its primaries on the newest data node. An index is created only with a master elected (as in
 * Elasticsearch, where creation waits for one).
 */
export function buildWorld(scenario: Scenario, start: Date = defaultStart): SimulatedWorld {
  const world = createSimulatedWorld(worldOptions(scenario, start));
  const { hourly } = scenario;
  const createdHours = new Set<string>();
  const create = (): void => {
    const name = hourlyName(world.clock.nowMs());
    if (world.cluster.masterNodeId() === null) {
      world.clock.after(5_000, create, 'hourly-index');
      return;
    }
    if (!createdHours.has(name)) {
      createdHours.add(name);
      world.createIndex({ name, primaries: hourly.primaries, replicas: hourly.replicas, shardSizeBytes: hourly.newShardBytes, primaryOn: 'newest' });
    }
    world.clock.schedule(nextHour(world.clock.nowMs()), create, 'hourly-index');
  };
  world.clock.schedule(nextHour(world.clock.nowMs()), create, 'hourly-index');
  return world;
}

function nextHour(atMs: number): number {
  return (Math.floor(atMs / HOUR_MS) + 1) * HOUR_MS;
}
