// Loggers are passed in, never module-level. pino JSON on stderr; pretty on a terminal.

import { pino, type Logger } from 'pino';
import { REDACT_PATHS } from './redact.ts';

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** Pretty, human-readable lines (default: when stderr is a terminal). */
  pretty?: boolean;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const pretty = options.pretty ?? process.stderr.isTTY;
  const base = {
    level: options.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: undefined,
  };
  if (pretty) {
    return pino({
      ...base,
      transport: { target: 'pino-pretty', options: { destination: 2, colorize: true, translateTime: 'SYS:HH:MM:ss' } },
    });
  }
  return pino(base, pino.destination({ fd: 2, sync: true }));
}

/** A logger that drops everything (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
