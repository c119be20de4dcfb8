// The one schema every setting passes through, whatever its source (flag, environment, file).
// Keys are the flag names. Values arrive as strings (flags, environment) or as whatever a JSON or
// YAML file holds; the schema coerces and checks them, and turns durations into milliseconds.
// Messages are the tail of a sentence: the caller prefixes where the value came from and the value.

import { accessSync, constants, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, resolve } from 'node:path';
import * as z from 'zod';
import { RULE_NAMES } from '../upgrade/predicates.ts';
import { parseDuration } from './duration.ts';

export const ORDERS = ['masters-first', 'data-first'] as const;
export const STRATEGIES = ['replace', 'drain'] as const;
export const VERSION_CONFLICT_POLICIES = ['accept', 'reject'] as const;
export const ORPHAN_POLICIES = ['refuse', 'ignore'] as const;
export const OUTPUT_FORMATS = ['table', 'json'] as const;
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export const MATCH_FORMS = ['private-ip', 'node-name', 'node-attribute:<attr>'] as const;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const DEFAULTS = {
  'tls-verify': true,
  'version-tag-key': 'Version',
  match: 'private-ip',
  order: 'masters-first',
  strategy: 'replace',
  'version-conflicts': 'accept',
  orphans: 'refuse',
  'node-leave-timeout': 10 * MINUTE,
  'node-join-timeout': 20 * MINUTE,
  'yellow-timeout': 30 * MINUTE,
  'green-timeout': 2 * HOUR,
  'drain-timeout': 2 * HOUR,
  'safe-to-proceed-timeout': 30 * MINUTE,
  'poll-interval': 5 * SECOND,
  'lock-ttl': 15 * MINUTE,
  output: 'table',
  'log-level': 'info',
  'dry-run': false,
  yes: false,
  host: '127.0.0.1',
  port: 8080,
} as const;

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `is not one of ${values.join(', ')}` });
}

const text = (what = 'a text value') =>
  z
    .string({ error: `must be ${what}` })
    .trim()
    .min(1, { error: 'must not be empty' });

const bool = z.unknown().transform((value, ctx) => {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(v)) return true;
    if (['false', '0', 'no', 'off'].includes(v)) return false;
  }
  ctx.addIssue({ code: 'custom', message: 'is not one of true, false (or 1, 0, yes, no, on, off)' });
  return z.NEVER;
});

/** A duration such as "90s", "15m" or "1h30m", between `min` and `max`; returns milliseconds. */
function duration(minMs: number, maxMs: number, minText: string, maxText: string) {
  return z.unknown().transform((value, ctx) => {
    if (typeof value === 'number') {
      ctx.addIssue({ code: 'custom', message: 'needs a unit: ms, s, m, h or d (e.g. 90s, 15m, 1h)' });
      return z.NEVER;
    }
    if (typeof value !== 'string') {
      ctx.addIssue({ code: 'custom', message: 'must be a duration such as 90s, 15m or 1h' });
      return z.NEVER;
    }
    const ms = parseDuration(value);
    if (ms === undefined) {
      const bare = /^\s*\d+(\.\d+)?\s*$/.test(value);
      ctx.addIssue({
        code: 'custom',
        message: bare ? 'needs a unit: ms, s, m, h or d (e.g. 90s, 15m, 1h)' : 'is not a duration such as 90s, 15m or 1h30m',
      });
      return z.NEVER;
    }
    if (ms < minMs || ms > maxMs) {
      ctx.addIssue({ code: 'custom', message: `must be between ${minText} and ${maxText}` });
      return z.NEVER;
    }
    return ms;
  });
}

const timeout = () => duration(SECOND, 7 * DAY, '1s', '7d');

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

function list<T extends z.ZodType>(item: T) {
  return z.preprocess(splitList, z.array(item, { error: 'must be a list' }));
}

const httpUrl = z.string({ error: 'must be a URL' }).transform((value, ctx) => {
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
const version = z.unknown().transform((value, ctx) => {
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

const tagKey = text('a tag key')
  .max(128, { error: 'must be at most 128 characters (EC2 tag key limit)' })
  .refine((s) => !s.toLowerCase().startsWith('aws:'), { error: 'must not start with "aws:" (reserved by AWS)' });

const match = z.string({ error: 'must be a text value' }).transform((value, ctx) => {
  const v = value.trim();
  if (v === 'private-ip') return { kind: 'private-ip' } as const;
  if (v === 'node-name') return { kind: 'node-name' } as const;
  const attr = /^node-attribute:([A-Za-z0-9_.-]+)$/.exec(v)?.[1];
  if (attr !== undefined) return { kind: 'node-attribute', attribute: attr } as const;
  ctx.addIssue({ code: 'custom', message: `is not one of ${MATCH_FORMS.join(', ')}` });
  return z.NEVER;
});

const region = z
  .string({ error: 'must be a text value' })
  .trim()
  .regex(/^[a-z]{2}(-[a-z0-9]+)+-\d+$/, { error: 'is not an AWS region such as ap-southeast-2' });

const existingFile = text('a file path').refine(
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
const writableFilePath = text('a file path').refine(
  (path) => {
    try {
      const dir = dirname(resolve(path));
      accessSync(dir, constants.W_OK);
      return statSync(dir).isDirectory() && !(safeIsDirectory(path));
    } catch {
      return false;
    }
  },
  { error: 'cannot be written: its directory must exist and be writable' },
);

function safeIsDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

const groupName = text('an Auto Scaling Group name').max(255, { error: 'must be at most 255 characters' });
const ruleName = text('a rule name').refine((name) => RULE_NAMES.includes(name), {
  error: `is not a safety rule; rules: ${RULE_NAMES.join(', ')}`,
});

/** Where `serve` listens: checked here, so a typo fails as bad input rather than at listen time. */
const listenHost = text('an IP address or host name').refine(
  (host) => isIP(host) !== 0 || /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(host),
  { error: 'is not an IP address or host name such as 127.0.0.1, 0.0.0.0 or localhost (no scheme, no port)' },
);

/** A TCP port: text from flags and the environment, a number from a file. */
const port = z.unknown().transform((value, ctx) => {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65_535) {
    ctx.addIssue({ code: 'custom', message: 'is not a port number from 0 to 65535 (0 picks a free port)' });
    return z.NEVER;
  }
  return n;
});

const fields = {
  'es-url': list(httpUrl),
  'es-api-key': text(),
  'es-username': text(),
  'es-password': z.string({ error: 'must be a text value' }).min(1, { error: 'must not be empty' }),
  'es-ca-file': existingFile,
  'tls-verify': bool.default(DEFAULTS['tls-verify']),
  region: region,
  profile: text(),
  'aws-endpoint': httpUrl,
  'target-version': version,
  'expected-es-version': version,
  'version-tag-key': tagKey.default(DEFAULTS['version-tag-key']),
  match: match.default({ kind: 'private-ip' }),
  order: oneOf(ORDERS).default(DEFAULTS.order),
  strategy: oneOf(STRATEGIES).default(DEFAULTS.strategy),
  'version-conflicts': oneOf(VERSION_CONFLICT_POLICIES).default(DEFAULTS['version-conflicts']),
  orphans: oneOf(ORPHAN_POLICIES).default(DEFAULTS.orphans),
  'group-name': list(groupName).default([]),
  'disable-rule': list(ruleName).default([]),
  'node-leave-timeout': timeout().default(DEFAULTS['node-leave-timeout']),
  'node-join-timeout': timeout().default(DEFAULTS['node-join-timeout']),
  'yellow-timeout': timeout().default(DEFAULTS['yellow-timeout']),
  'green-timeout': timeout().default(DEFAULTS['green-timeout']),
  'drain-timeout': timeout().default(DEFAULTS['drain-timeout']),
  'safe-to-proceed-timeout': timeout().default(DEFAULTS['safe-to-proceed-timeout']),
  'poll-interval': duration(100, 5 * MINUTE, '100ms', '5m').default(DEFAULTS['poll-interval']),
  'lock-ttl': duration(30 * SECOND, DAY, '30s', '24h').default(DEFAULTS['lock-ttl']),
  report: writableFilePath,
  output: oneOf(OUTPUT_FORMATS).default(DEFAULTS.output),
  'log-level': oneOf(LOG_LEVELS).default(DEFAULTS['log-level']),
  'dry-run': bool.default(DEFAULTS['dry-run']),
  yes: bool.default(DEFAULTS.yes),
  progress: bool,
  octopus: bool,
  host: listenHost.default(DEFAULTS.host),
  port: port.default(DEFAULTS.port),
};

export type ConfigKey = keyof typeof fields;

export interface SchemaOptions {
  /** Settings the command cannot run without. */
  required: readonly ConfigKey[];
}

/** The schema of all settings; `required` names those the command cannot do without. */
export function createConfigSchema({ required }: SchemaOptions) {
  return z
    .object(fields)
    .partial()
    .strict()
    .superRefine(
      (c, ctx) => {
      for (const key of required) {
        const value = c[key];
        if (value === undefined || (Array.isArray(value) && value.length === 0)) {
          ctx.addIssue({ code: 'custom', path: [key], message: 'is required', params: { missing: true } });
        }
      }
      if (c['es-api-key'] !== undefined && (c['es-username'] !== undefined || c['es-password'] !== undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: ['es-api-key'],
          message: 'cannot be combined with --es-username/--es-password: choose one way to authenticate',
        });
      }
      if (c['es-username'] !== undefined && c['es-password'] === undefined) {
        ctx.addIssue({ code: 'custom', path: ['es-password'], message: 'is required with --es-username' });
      }
      if (c['es-password'] !== undefined && c['es-username'] === undefined) {
        ctx.addIssue({ code: 'custom', path: ['es-username'], message: 'is required with --es-password' });
      }
      const poll = c['poll-interval'];
      const ttl = c['lock-ttl'];
      if (typeof poll === 'number' && typeof ttl === 'number' && ttl < 3 * poll) {
        ctx.addIssue({
          code: 'custom',
          path: ['lock-ttl'],
          message: 'must be at least three times --poll-interval, so one slow observation does not lose the lease',
        });
      }
    },
      // Report a missing setting together with the bad ones, not only once the others are fixed.
      { when: () => true },
    );
}

export type ConfigSchema = ReturnType<typeof createConfigSchema>;
export type ValidConfig = z.output<ConfigSchema>;
