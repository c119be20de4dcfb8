// Random but replayable schedules of what can go wrong during an upgrade: a seed gives the same
// topology, timings, faults and interruptions every time, and a failure prints both.

import type { ApiFault } from '../../../src/sim/api-gate.ts';
import type { IndexSpec, LaunchFault, SimulatedWorldOptions } from '../../../src/sim/index.ts';
import type { Order } from '../../../src/upgrade/model.ts';

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
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

/** Something that happens to the controller itself. */
export type Interruption =
  /** kill -9 after this many calls to Elasticsearch or AWS (any await), then a rerun. */
  | { kind: 'kill'; afterCalls: number }
  /** SIGTERM at this virtual time into the run, then a rerun. */
  | { kind: 'sigterm'; afterMs: number }
  /** A second controller starts this long into the run, against the same cluster. */
  | { kind: 'second-controller'; afterMs: number };

/** Something that happens to the cluster or the fleet while the upgrade runs. */
export type Happening =
  | { kind: 'index-created'; afterMs: number; index: IndexSpec }
  /** An index whose primaries can go nowhere: red until the end. */
  | { kind: 'red'; afterMs: number };

export interface Schedule {
  seed: number;
  world: Omit<SimulatedWorldOptions, 'fromVersion' | 'launchVersion'>;
  order: Order;
  interruptions: Interruption[];
  happenings: Happening[];
}

export function generateSchedule(seed: number): Schedule {
  const random = seededRandom(seed);
  const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const chance = (p: number): boolean => random() < p;

  const faults: ApiFault[] = [];
  if (chance(0.4)) faults.push({ operation: pick(['terminateInGroup', 'fleet.observe']), count: 1 + Math.floor(random() * 3), skip: Math.floor(random() * 20), kind: pick(['Throttling', 'ScalingActivityInProgress', 'RequestLimitExceeded', 'ConnectionError'] as const) });
  if (chance(0.3)) faults.push({ operation: pick(['observe', 'putSettings', 'waitForHealth', 'lease.replace']), count: 1 + Math.floor(random() * 3), skip: Math.floor(random() * 30), kind: pick(['ServiceUnavailable', 'ConnectionError', 'TooManyRequests'] as const) });
  const launchFaults: LaunchFault[] = chance(0.08) ? [{ group: pick(['master', 'data'] as const), nth: 1 + Math.floor(random() * 2), neverJoins: true }] : [];

  const interruptions: Interruption[] = [];
  if (chance(0.3)) interruptions.push({ kind: 'kill', afterCalls: 5 + Math.floor(random() * 120) });
  if (chance(0.2)) interruptions.push({ kind: 'sigterm', afterMs: Math.floor(random() * 40 * 60_000) });
  if (chance(0.15)) interruptions.push({ kind: 'second-controller', afterMs: Math.floor(random() * 20 * 60_000) });

  const happenings: Happening[] = [];
  for (let i = 0; chance(0.5) && i < 3; i++) {
    happenings.push({ kind: 'index-created', afterMs: Math.floor(random() * 60 * 60_000), index: { name: `hourly-${i}`, primaries: 1 + Math.floor(random() * 3), replicas: 1 } });
  }
  if (chance(0.05)) happenings.push({ kind: 'red', afterMs: Math.floor(random() * 30 * 60_000) });

  return {
    seed,
    order: pick(['masters-first', 'data-first'] as const),
    world: {
      seed,
      masters: pick([2, 3, 3, 5]),
      data: pick([2, 3, 4, 5]),
      timings: {
        terminationHookMs: pick([0, 10_000, 5 * 60_000]),
        launchHookMs: pick([0, 0, 60_000]),
        nodeLeaveMs: pick([2_000, 30_000]),
      },
      repeatedTerminate: pick(['reject', 'accept'] as const),
      replacementLaunch: pick(['on-terminate', 'after-termination'] as const),
      latency: { defaultMs: pick([0, 0, 50, 400]) },
      faults,
      launchFaults,
      indices: [
        { name: 'logs-a', primaries: 2, replicas: 1, docsPerShard: 50_000 },
        { name: 'orders', primaries: 3, replicas: 1, docsPerShard: 100_000 },
      ],
    },
    interruptions,
    happenings,
  };
}
