// The settings `serve` was started with (flags, environment, config file) become the defaults of the
// runs it starts: turned back into the schema's raw form here, so a request is validated exactly like
// a command line, with the request's options laid over these.

import type { CliConfig } from '../cli/config.ts';

/** Raw settings (flag names as keys) equivalent to `config`, minus those a request may not inherit. */
export function runDefaultsFrom(config: CliConfig): Record<string, unknown> {
  const u = config.upgrade;
  const raw: Record<string, unknown> = {
    'version-tag-key': u.versionTagKey,
    match: u.match.kind === 'node-attribute' ? `node-attribute:${u.match.attribute}` : u.match.kind,
    order: u.order,
    strategy: u.strategy,
    'version-conflicts': u.versionConflicts,
    orphans: u.orphans,
    'group-name': u.groupNames,
    'disable-rule': u.disabledRules,
  };
  if (u.targetVersion !== '') raw['target-version'] = u.targetVersion;
  if (u.expectedEsVersion !== undefined) raw['expected-es-version'] = u.expectedEsVersion;
  const durations: [string, number][] = [
    ['node-leave-timeout', u.timeouts.nodeLeaveMs],
    ['node-join-timeout', u.timeouts.nodeJoinMs],
    ['yellow-timeout', u.timeouts.yellowMs],
    ['green-timeout', u.timeouts.greenMs],
    ['drain-timeout', u.timeouts.drainMs],
    ['safe-to-proceed-timeout', u.timeouts.safeToProceedMs],
    ['poll-interval', u.pollIntervalMs],
    ['lock-ttl', u.lockTtlMs],
  ];
  for (const [key, ms] of durations) if (ms > 0) raw[key] = `${ms}ms`;
  const c = config.connection;
  if (c) {
    raw['es-url'] = c.es.urls;
    raw['tls-verify'] = c.es.tlsVerify;
    if (c.es.apiKey !== undefined) raw['es-api-key'] = c.es.apiKey;
    if (c.es.username !== undefined) raw['es-username'] = c.es.username;
    if (c.es.password !== undefined) raw['es-password'] = c.es.password;
    if (c.es.caFile !== undefined) raw['es-ca-file'] = c.es.caFile;
    raw.region = c.aws.region;
    if (c.aws.profile !== undefined) raw.profile = c.aws.profile;
    if (c.aws.endpoint !== undefined) raw['aws-endpoint'] = c.aws.endpoint;
  }
  return raw;
}

const ES_CREDENTIALS = ['es-api-key', 'es-username', 'es-password'];

/**
 * Lay a request's options over the defaults. Credentials of the default cluster never follow a request
 * to other Elasticsearch URLs: they are dropped unless the request keeps the default URLs.
 */
export function mergeRunOptions(defaults: Record<string, unknown>, given: Record<string, unknown>): Record<string, unknown> {
  const merged = { ...defaults, ...given };
  const otherCluster = 'es-url' in given && !sameUrls(given['es-url'], defaults['es-url']);
  const ownCredentials = ES_CREDENTIALS.some((k) => k in given);
  if (otherCluster || ownCredentials) {
    for (const k of ES_CREDENTIALS) if (!(k in given)) delete merged[k];
  }
  return merged;
}

function sameUrls(a: unknown, b: unknown): boolean {
  const norm = (v: unknown): string =>
    (Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : [])
      .map((s) => String(s).trim().replace(/\/+$/, '').toLowerCase())
      .filter(Boolean)
      .sort()
      .join(',');
  return b !== undefined && norm(a) === norm(b);
}
