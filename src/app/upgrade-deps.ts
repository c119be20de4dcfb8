// What a plan or a run hands the upgrade logic, for the command line and the service alike: the
// adapters of one connection, a clock, and who this run is in the cluster lease.

import { systemClock, type Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/log.ts';
import type { EventSink } from '../upgrade/plan-model.ts';
import type { UpgradeDeps } from '../upgrade/run-upgrade.ts';
import type { Connection } from './connect.ts';

export interface RunIdentity {
  log: Logger;
  /** This run's id in the cluster lease: one per run, never shared between runs. */
  holder: string;
  signal: AbortSignal;
  clock?: Clock;
  onEvent?: EventSink | undefined;
}

export function upgradeDeps(connection: Connection, run: RunIdentity): UpgradeDeps {
  return {
    cluster: connection.cluster,
    fleet: connection.fleet,
    lock: connection.lock,
    clock: run.clock ?? systemClock,
    log: run.log,
    holder: run.holder,
    signal: run.signal,
    ...(run.onEvent ? { onEvent: run.onEvent } : {}),
  };
}
