// Entry points of the upgrade logic: plan (read-only) and run (one step per tick until done).

import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/log.ts';
import type { EventSink, UpgradeOptions, UpgradeReport } from './plan-model.ts';
import type { Cluster, Fleet, Lock } from './ports.ts';

export interface UpgradeDeps {
  cluster: Cluster;
  fleet: Fleet;
  lock: Lock;
  clock: Clock;
  log: Logger;
  /** Identifies this controller in the lease, e.g. "host:pid:uuid". */
  holder: string;
  onEvent?: EventSink;
  /**
   * Aborting stops the run safely: no new termination, allocation restored, report returned with
   * outcome "interrupted". Abort with an InterruptedError as reason to pick the exit code.
   */
  signal?: AbortSignal;
}

/** Observe and print what would be done; changes nothing. */
export async function planUpgrade(_deps: UpgradeDeps, _options: UpgradeOptions): Promise<UpgradeReport> {
  await Promise.resolve();
  throw new Error('not implemented yet');
}

/**
 * Run the upgrade. Never throws for refusals, halts or interrupts: those come back as a report with
 * the matching outcome and exitCode. Throws only for internal failures.
 */
export async function runUpgrade(_deps: UpgradeDeps, _options: UpgradeOptions): Promise<UpgradeReport> {
  await Promise.resolve();
  throw new Error('not implemented yet');
}
