// The kinds of value a setting takes, each a zod schema that reads what people write (text from flags
// and the environment, whatever a JSON or YAML file holds) and yields what the program uses
// (durations in milliseconds, a parsed match, a port number). Messages are the tail of a sentence:
// the caller prefixes where the value came from and the value.

import { accessSync, constants, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, resolve } from 'node:path';
import * as z from 'zod';
import { parseDuration } from './duration.ts';

/**
 * How the command line and the step template treat a value: `boolean` is an on/off flag
 * (`--x`/`--no-x`, a checkbox), `list` accumulates repeated flags and commas, `enum` is one of
 * `values` (a drop-down), `duration` takes a unit; `text` is anything else taking one value.
 */
export type ValueKind = 'text' | 'enum' | 'list' | 'boolean' | 'duration';

export interface ValueType<S extends z.ZodType = z.ZodType> {
  kind: ValueKind;
  /** Reads the raw value (string, boolean, number, list) and checks it. */
  schema: S;
  /** `enum`: the values accepted, in the order help shows them. */
  values?: readonly string[];
  /** `duration`: the accepted range as written in help, e.g. { min: '1s', max: '7d' }. */
  range?: { min: string; max: string };
}

const UNIT_HINT = 'needs a unit: ms, s, m, h or d (e.g. 90s, 15m, 1h)';

function kind<S extends z.ZodType>(k: ValueKind, schema: S, extra: Omit<ValueType, 'kind' | 'schema'> = {}): ValueType<S> {
  return { kind: k, schema, ...extra };
}

function nonEmptyText(what: string) {
  return z
    .string({ error: `must be ${what}` })
    .trim()
    .min(1, { error: 'must not be empty' });
}

/** Free text, trimmed, not empty. */
export function text(what = 'a text value') {
  return kind('text', nonEmptyText(what));
}

/** Text kept exactly as given (a password may start or end with a space). */
export function secretText() {
  return kind('text', z.string({ error: 'must be a text value' }).min(1, { error: 'must not be empty' }));
}

/** One of `values`; a drop-down in the step template. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return kind('enum', z.enum(values, { error: `is not one of ${values.join(', ')}` }), { values });
}

/** On/off: true, false, 1, 0, yes, no, on, off. */
export function onOff() {
  return kind(
    'boolean',
    z.unknown().transform((value, ctx) => {
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string') {
        const v = value.trim().toLowerCase();
        if (['true', '1', 'yes', 'on'].includes(v)) return true;
        if (['false', '0', 'no', 'off'].includes(v)) return false;
      }
      ctx.addIssue({ code: 'custom', message: 'is not one of true, false (or 1, 0, yes, no, on, off)' });
      return z.NEVER;
    }),
  );
}

/** A duration such as "90s", "15m" or "1h30m" between `min` and `max` (both written the same way); yields milliseconds. */
export function duration(min: string, max: string) {
  const minMs = parseDuration(min) ?? 0;
  const maxMs = parseDuration(max) ?? Infinity;
  const between = `must be between ${min} and ${max}`;
  return kind(
    'duration',
    z.unknown().transform((value, ctx) => {
      if (typeof value === 'number') {
        // A YAML or JSON number: 1e999 and .inf are read as Infinity, which no unit makes a duration.
        ctx.addIssue({
          code: 'custom',
          message: Number.isFinite(value) ? UNIT_HINT : `is not a finite duration; write one with a unit, from ${min} to ${max} (e.g. 90s, 15m, 1h)`,
        });
        return z.NEVER;
      }
      if (typeof value !== 'string') {
        ctx.addIssue({ code: 'custom', message: 'must be a duration such as 90s, 15m or 1h' });
        return z.NEVER;
      }
      const ms = parseDuration(value);
      if (ms === undefined) {
        const bare = /^\s*\d+(\.\d+)?\s*$/.test(value);
        ctx.addIssue({ code: 'custom', message: bare ? UNIT_HINT : 'is not a duration such as 90s, 15m or 1h30m' });
        return z.NEVER;
      }
      if (!Number.isFinite(ms)) {
        ctx.addIssue({ code: 'custom', message: `is not a finite duration; ${between}` });
        return z.NEVER;
      }
      if (ms < minMs || ms > maxMs) {
        ctx.addIssue({ code: 'custom', message: between });
        return z.NEVER;
      }
      return ms;
    }),
    { range: { min, max } },
  );
}

/** Strings from flags or the environment may hold several comma-separated items. */
function splitList(value: unknown): unknown {
  const items = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(items)) return value;
  return items.flatMap((item: unknown) =>
    typeof item === 'string'
      ? item
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '')
      : [item],
  );
}

/** Several values: repeated flags, commas, or a list in the file. */
export function listOf<T extends z.ZodType>(item: ValueType<T>) {
  return kind('list', z.preprocess(splitList, z.array(item.schema, { error: 'must be a list' })));
}

/** Any other single value, with its own schema. */
export function custom<S extends z.ZodType>(schema: S) {
  return kind('text', schema);
}

export const httpUrl = z.string({ error: 'must be a URL' }).transform((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not a URL such as https://es.internal:9200' });
    return z.NEVER;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    ctx.addIssue({ code: 'custom', message: 'must start with https:// or http://' });
    return z.NEVER;
  }
  if (url.username !== '' || url.password !== '') {
    ctx.addIssue({
      code: 'custom',
      message: 'must not hold credentials: use --es-username and ESRU_ES_PASSWORD, or ESRU_ES_API_KEY',
    });
    return z.NEVER;
  }
  return url.href.replace(/\/$/, '');
});

/** A release version such as 2.14.0 or 9.5.4-rc1; a YAML number (2.14) would lose its zeros. */
export const version = z.unknown().transform((value, ctx) => {
  if (typeof value === 'number') {
    ctx.addIssue({ code: 'custom', message: 'was read as a number; quote it in the config file (e.g. "2.14.0")' });
    return z.NEVER;
  }
  if (typeof value !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/.test(value.trim())) {
    ctx.addIssue({ code: 'custom', message: 'is not a version such as 2.14.0 (letters, digits, ".", "_", "+", "-")' });
    return z.NEVER;
  }
  return value.trim();
});

export const tagKey = nonEmptyText('a tag key')
  .max(128, { error: 'must be at most 128 characters (EC2 tag key limit)' })
  .refine((s) => !s.toLowerCase().startsWith('aws:'), { error: 'must not start with "aws:" (reserved by AWS)' });

const MATCH_FORMS = ['private-ip', 'node-name', 'node-attribute:<attr>'] as const;

export const match = z.string({ error: 'must be a text value' }).transform((value, ctx) => {
  const v = value.trim();
  if (v === 'private-ip') return { kind: 'private-ip' } as const;
  if (v === 'node-name') return { kind: 'node-name' } as const;
  const attr = /^node-attribute:([A-Za-z0-9_.-]+)$/.exec(v)?.[1];
  if (attr !== undefined) return { kind: 'node-attribute', attribute: attr } as const;
  ctx.addIssue({ code: 'custom', message: `is not one of ${MATCH_FORMS.join(', ')}` });
  return z.NEVER;
});

export const region = z
  .string({ error: 'must be a text value' })
  .trim()
  .regex(/^[a-z]{2}(-[a-z0-9]+)+-\d+$/, { error: 'is not an AWS region such as ap-southeast-2' });

export const existingFile = nonEmptyText('a file path').refine(
  (path) => {
    try {
      accessSync(path, constants.R_OK);
      return statSync(path).isFile();
    } catch {
      return false;
    }
  },
  { error: 'is not a readable file' },
);

/** The report is written at the end of a long run: find out now if that would fail. */
export const writableFilePath = nonEmptyText('a file path').refine(
  (path) => {
    try {
      const dir = dirname(resolve(path));
      accessSync(dir, constants.W_OK);
      return statSync(dir).isDirectory() && !isDirectory(path);
    } catch {
      return false;
    }
  },
  { error: 'cannot be written: its directory must exist and be writable' },
);

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Where `serve` listens: checked here, so a typo fails as bad input rather than at listen time. */
export const listenHost = nonEmptyText('an IP address or host name').refine(
  (host) => isIP(host) !== 0 || /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(host),
  { error: 'is not an IP address or host name such as 127.0.0.1, 0.0.0.0 or localhost (no scheme, no port)' },
);

/** A TCP port: text from flags and the environment, a number from a file. */
export const port = z.unknown().transform((value, ctx) => {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65_535) {
    ctx.addIssue({ code: 'custom', message: 'is not a port number from 0 to 65535 (0 picks a free port)' });
    return z.NEVER;
  }
  return n;
});
