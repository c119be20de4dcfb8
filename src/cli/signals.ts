// SIGINT/SIGTERM: the first aborts the run through the controller, with an InterruptedError as the
// reason (the run stops safely, restores allocation and reports; exit 130/143). A second exits at once.

import { InterruptedError } from '../shared/errors.ts';

/** Installs the handlers; returns a function that removes them. */
export function onSignals(
  controller: AbortController,
  say: (text: string) => void,
  exit: (code: number) => void = (code) => process.exit(code),
): () => void {
  const handle = (signalName: 'SIGINT' | 'SIGTERM'): void => {
    const reason = new InterruptedError(signalName);
    if (controller.signal.aborted) {
      say(`\n${signalName} again: exiting now; a rerun restores any allocation setting left behind\n`);
      exit(reason.exitCode);
      return;
    }
    say(`\n${signalName}: stopping safely (no new termination, restoring allocation, writing the report); send again to exit now\n`);
    controller.abort(reason);
  };
  const onInt = (): void => handle('SIGINT');
  const onTerm = (): void => handle('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return () => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  };
}
