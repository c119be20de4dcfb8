// A pino logger that keeps every line it writes, for asserting on what was (and was not) logged.

import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { REDACT_PATHS } from '../../src/shared/redact.ts';

export interface CapturedLogger {
  log: Logger;
  lines: () => string[];
  entries: () => Record<string, unknown>[];
}

export function captureLogger(level = 'debug'): CapturedLogger {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      callback();
    },
  });
  const log = pino({ level, base: undefined, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, stream);
  return {
    log,
    lines: () => [...lines],
    entries: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
