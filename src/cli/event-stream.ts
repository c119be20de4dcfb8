// --events: every progress event of a plan or run as NDJSON, one JSON object a line, the lines the
// service streams (shared/event-line.ts), to stdout ("-") or to a file, written as they happen so a
// tool can follow them (`tail -f`). A file that cannot be written stops the stream, not the run: the
// upgrade matters more than its trace, and a warning says so.

import { closeSync, openSync, writeSync } from 'node:fs';
import { EVENTS_TO_STDOUT } from '../app/settings.ts';
import { eventLine } from '../shared/event-line.ts';
import { InvalidInputError } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';
import type { EventSink } from '../upgrade/plan-model.ts';

export interface EventStream {
  onEvent: EventSink;
  /** Close the file (idempotent); stdout is left open. */
  close(): void;
}

export function openEventStream(target: string, stdout: (text: string) => void, log: Logger): EventStream {
  let seq = 0;
  if (target === EVENTS_TO_STDOUT) {
    return { onEvent: (event) => stdout(eventLine(++seq, event)), close: () => undefined };
  }
  // Opened (and emptied) now: a path that cannot be written is found before the run begins.
  let fd: number | undefined;
  try {
    fd = openSync(target, 'w', 0o644);
  } catch (error) {
    throw new InvalidInputError(`--events: cannot write ${target}: ${(error as Error).message}`, { cause: error });
  }
  const close = (): void => {
    if (fd === undefined) return;
    const open = fd;
    fd = undefined;
    closeSync(open);
  };
  return {
    onEvent: (event) => {
      if (fd === undefined) return;
      try {
        writeSync(fd, eventLine(++seq, event));
      } catch (error) {
        log.warn({ file: target, error: (error as Error).message }, 'cannot write the events file: no further events go to it');
        try {
          close();
        } catch {
          // Already failing: the warning above says what matters.
        }
      }
    },
    close,
  };
}
