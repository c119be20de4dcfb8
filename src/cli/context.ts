// What every command gets from the composition root.

import type { Logger } from '../shared/log.ts';
import type { EventSink, Plan } from '../upgrade/plan-model.ts';
import type { CliConfig, ConnectionOptions } from './config.ts';
import type { Connection } from './connect.ts';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /** Whether a person could answer a question (default: no). */
  stdinIsTTY?: boolean;
  env: Readonly<Record<string, string | undefined>>;
}

export interface CommandContext {
  config: CliConfig;
  log: Logger;
  io: CliIo;
  /** Aborted on SIGINT/SIGTERM with an InterruptedError as reason. */
  signal: AbortSignal;
  /** This controller's id in the cluster lease. */
  holder: string;
  /** Builds the real adapters (connect.ts); tests pass their own. */
  connect(options: ConnectionOptions, log: Logger, versionTagKey: string): Connection;
  /** Progress events of the run (progress view, metrics); optional. */
  onEvent?: EventSink;
  /**
   * Asks a person at a terminal before the first termination; absent with --yes or without a
   * terminal. Resolves true to go ahead.
   */
  confirm?: (plan: Plan) => Promise<boolean>;
}
