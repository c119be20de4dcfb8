// An in-memory cluster and fleet that behave like the real ones over simulated time: the embedded
// default of `npm start` (the demo) and the world of the state-machine scenario tests.

import type { Clock } from '../shared/clock.ts';
import type { Cluster, Fleet, Lock } from '../upgrade/ports.ts';

export interface SimulatedWorldOptions {
  masters: number;
  data: number;
  /** Version every instance starts on. */
  fromVersion: string;
  /** Version the groups' launch templates launch (as after a CloudFormation update). */
  launchVersion: string;
}

export interface SimulatedWorld {
  cluster: Cluster;
  fleet: Fleet;
  lock: Lock;
  clock: Clock;
}

export function createSimulatedWorld(_options: SimulatedWorldOptions): SimulatedWorld {
  throw new Error('not implemented yet');
}
