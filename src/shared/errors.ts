// A small error hierarchy: each kind maps to one documented exit code at the CLI boundary.
// SDK errors are translated in the adapters, so nothing above them knows SDK error types.

export const ExitCode = {
  /** Upgrade finished, or nothing to do. */
  ok: 0,
  /** Unexpected internal failure. */
  internal: 1,
  /** Invalid input: bad flag, config or environment value. Nothing was changed. */
  invalidInput: 2,
  /** Refused to start: a safety rule said no, or another controller holds the lock. Nothing was changed. */
  refused: 3,
  /** Halted mid-run: a wait timed out or the cluster became unsafe. No further node was touched. */
  halted: 4,
  /** The plan or run ended with 0, but its report file could not be written (a failed run keeps its own code). */
  reportNotWritten: 5,
  /** Interrupted by SIGINT. */
  interruptedInt: 130,
  /** Interrupted by SIGTERM (or a cancel request). */
  interruptedTerm: 143,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class UpgradeError extends Error {
  readonly exitCode: ExitCode = ExitCode.internal;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad flag, environment variable or config file value. */
export class InvalidInputError extends UpgradeError {
  override readonly exitCode = ExitCode.invalidInput;
}

/** The run would be unsafe to start; nothing was touched. */
export class RefusedError extends UpgradeError {
  override readonly exitCode = ExitCode.refused;
}

/** Another controller holds the lease on this cluster. */
export class LockHeldError extends RefusedError {}

/** Our lease was taken over (it expired while we were stalled): stop touching the cluster. */
export class LockLostError extends UpgradeError {
  override readonly exitCode = ExitCode.halted;
}

/** Stopped mid-run with the cluster left as safe as it was. */
export class HaltedError extends UpgradeError {
  override readonly exitCode = ExitCode.halted;
}

export class InterruptedError extends UpgradeError {
  override readonly exitCode: ExitCode;
  readonly signalName: 'SIGINT' | 'SIGTERM';
  constructor(signalName: 'SIGINT' | 'SIGTERM', options?: ErrorOptions) {
    super(`interrupted by ${signalName}`, options);
    this.signalName = signalName;
    this.exitCode = signalName === 'SIGINT' ? ExitCode.interruptedInt : ExitCode.interruptedTerm;
  }
}

/** A call to Elasticsearch or AWS failed in a way the adapter's retries did not fix. */
export class ServiceError extends UpgradeError {
  readonly service: 'elasticsearch' | 'aws';
  /**
   * The failure may heal by waiting (throttling, a node restarting, a scaling activity in progress):
   * the run waits it out on later ticks, within the step's timeout, instead of failing.
   */
  readonly transient: boolean;
  constructor(service: 'elasticsearch' | 'aws', message: string, options?: ErrorOptions & { transient?: boolean }) {
    super(message, options);
    this.service = service;
    this.transient = options?.transient ?? false;
  }
}
