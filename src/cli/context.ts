// What every command gets from the composition root.

import type { Config } from '../app/config.ts';
import type { ConnectFn } from '../app/connect.ts';
import type { ConnectLockFn } from '../app/connect-lock.ts';
import type { Clock } from '../shared/clock.ts';
import type { Settings } from '../app/settings.ts';
import type { Logger } from '../shared/log.ts';
import type { EventSink, Plan } from '../upgrade/plan-model.ts';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /** Columns of the terminal on stdout, when it is one (help wraps to it). */
  stdoutColumns?: number | undefined;
  /** Whether a person could answer a question (default: no). */
  stdinIsTTY?: boolean;
  env: Readonly<Record<string, string | undefined>>;
}

export interface CommandContext {
  config: Config;
  /** The validated settings the config was made from (serve lays requests over them). */
  settings: Settings;
  log: Logger;
  io: CliIo;
  /** Aborted on SIGINT/SIGTERM with an InterruptedError as reason. */
  signal: AbortSignal;
  /** This run's id in the cluster lease. */
  holder: string;
  /** Builds the real adapters (src/app/connect.ts); tests pass their own. */
  connect: ConnectFn;
  /** The lease's adapter alone, for `lease` (src/app/connect-lock.ts when absent); tests pass their own. */
  connectLock?: ConnectLockFn;
  /** Time for waits and watches (the system clock when absent); tests pass a simulated one. */
  clock?: Clock;
  /** Progress events of the run (progress view, metrics); optional. */
  onEvent?: EventSink;
  /**
   * Asks a person at a terminal before the first termination; absent with --yes or without a
   * terminal. Resolves true to go ahead.
   */
  confirm?: (plan: Plan) => Promise<boolean>;
}
