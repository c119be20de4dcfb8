// Keeps the SDK's own retry strategy from resending one command. A terminate must never be repeated
// blindly: after an ambiguous failure the adapter re-reads the instance and decides itself.

import type { TerminateInstanceInAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';

/** Thrown inside the SDK's retry loop in place of the real error, which is kept in `original`. */
class SingleAttemptFailure extends Error {
  readonly original: unknown;
  constructor(original: unknown) {
    // No `cause`, `code` or `$metadata`: the SDK classifies this as a client error and does not retry.
    super('single-attempt command failed');
    this.name = 'SingleAttemptFailure';
    this.original = original;
  }
}

/** Add to a command's middleware stack; unwrap failures with `unwrapSingleAttempt`. */
export function sendOnce(command: Pick<TerminateInstanceInAutoScalingGroupCommand, 'middlewareStack'>): void {
  command.middlewareStack.add(
    (next) =>
      async (args) => {
        try {
          return await next(args);
        } catch (error) {
          throw new SingleAttemptFailure(error);
        }
      },
    // The deserialize step runs inside the retry middleware (finalizeRequest), once per attempt.
    { step: 'deserialize', priority: 'high', name: 'esRollingUpgradeSendOnce', override: true },
  );
}

export function unwrapSingleAttempt(error: unknown): unknown {
  return error instanceof SingleAttemptFailure ? error.original : error;
}
