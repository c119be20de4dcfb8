// Loggers are passed in, never module-level. pino JSON on stderr; pretty on a terminal. Every line
// carries its time in ISO 8601 (UTC), in JSON and in pretty lines alike, so a log lines up with the
// report, the events and the cluster's own logs.

import { pino, type DestinationStream, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';
import { REDACT_PATHS } from './redact.ts';

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** Pretty, human-readable lines (default: when stderr is a terminal). */
  pretty?: boolean;
  /** Colour in pretty lines (default none): the caller decides, from the terminal and NO_COLOR. */
  colour?: boolean;
  /** Where lines go (default stderr, synchronously). */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const pretty = options.pretty ?? process.stderr.isTTY;
  const destination = options.destination ?? pino.destination({ fd: 2, sync: true });
  const base = {
    level: options.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (!pretty) return pino(base, destination);
  // Formatted in this thread and written at once: no worker to lose lines when the process exits.
  const format = pinoPretty.prettyFactory({ colorize: options.colour ?? false, translateTime: false });
  return pino(base, { write: (line: string) => void destination.write(format(line)) });
}

/** A logger that drops everything (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
