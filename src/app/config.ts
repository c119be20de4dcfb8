// Validated settings -> what the upgrade logic, the adapters and the commands take. Shared by the
// command line and the service: both validate with the one schema, then map here.

import { InvalidInputError } from '../shared/errors.ts';
import type { UpgradeOptions } from '../upgrade/plan-model.ts';
import type { Settings } from './settings.ts';

export interface EsConnection {
  urls: string[];
  apiKey?: string;
  username?: string;
  password?: string;
  caFile?: string;
  tlsVerify: boolean;
}

export interface AwsConnection {
  region: string;
  profile?: string;
  endpoint?: string;
}

export interface ConnectionOptions {
  es: EsConnection;
  aws: AwsConnection;
}

export type OutputFormat = 'table' | 'json';

/** What `lease` is asked to do: show the lease, or break it. */
export interface LeaseOptions {
  /** --watch; undefined: long enough to see one renewal by the holder. */
  watchMs?: number;
  break: boolean;
  force: boolean;
  evenIfAlive: boolean;
  reason?: string;
}

export interface Config {
  upgrade: UpgradeOptions;
  /** Present when the Elasticsearch URLs and the region are set (plan, run, and serve if given). */
  connection?: ConnectionOptions;
  /** Present when the Elasticsearch URLs are set: all `lease` needs. */
  es?: EsConnection;
  lease: LeaseOptions;
  output: OutputFormat;
  reportFile?: string;
  /** --html: the report as an HTML page. */
  htmlFile?: string;
  /** --events: where progress events go as NDJSON, "-" for stdout. */
  events?: string;
  logLevel: string;
  dryRun: boolean;
  yes: boolean;
  /** Undefined: decide from whether stderr is a terminal. */
  progress?: boolean;
  /** Undefined: decide from whether Octopus runs the command. */
  octopus?: boolean;
  /** Where `serve` listens; the other commands ignore it. */
  service: { host: string; port: number };
}

export function toConfig(c: Settings): Config {
  const upgrade: UpgradeOptions = {
    targetVersion: c['target-version'] ?? '',
    versionTagKey: c['version-tag-key'],
    order: c.order,
    strategy: c.strategy,
    batch: c.batch,
    ...(c['max-unavailable'] !== undefined ? { maxUnavailable: c['max-unavailable'] } : {}),
    versionConflicts: c['version-conflicts'],
    match: c.match,
    groupNames: c['group-name'],
    orphans: c.orphans,
    disabledRules: c['disable-rule'],
    timeouts: {
      nodeLeaveMs: c['node-leave-timeout'],
      nodeJoinMs: c['node-join-timeout'],
      yellowMs: c['yellow-timeout'],
      greenMs: c['green-timeout'],
      drainMs: c['drain-timeout'],
      safeToProceedMs: c['safe-to-proceed-timeout'],
    },
    pollIntervalMs: c['poll-interval'],
    lockTtlMs: c['lock-ttl'],
    ...(c['expected-es-version'] !== undefined ? { expectedEsVersion: c['expected-es-version'] } : {}),
  };
  const config: Config = {
    upgrade,
    output: c.output,
    logLevel: c['log-level'],
    dryRun: c['dry-run'],
    yes: c.yes,
    service: { host: c.host, port: c.port },
    lease: {
      break: c.break,
      force: c.force,
      evenIfAlive: c['even-if-alive'],
      ...(c.watch !== undefined ? { watchMs: c.watch } : {}),
      ...(c.reason !== undefined ? { reason: c.reason } : {}),
    },
    ...(c.report !== undefined ? { reportFile: c.report } : {}),
    ...(c.html !== undefined ? { htmlFile: c.html } : {}),
    ...(c.events !== undefined ? { events: c.events } : {}),
    ...(c.progress !== undefined ? { progress: c.progress } : {}),
    ...(c.octopus !== undefined ? { octopus: c.octopus } : {}),
  };
  const urls = c['es-url'];
  if (urls !== undefined && urls.length > 0) {
    config.es = {
      urls,
      tlsVerify: c['tls-verify'],
      ...(c['es-api-key'] !== undefined ? { apiKey: c['es-api-key'] } : {}),
      ...(c['es-username'] !== undefined ? { username: c['es-username'] } : {}),
      ...(c['es-password'] !== undefined ? { password: c['es-password'] } : {}),
      ...(c['es-ca-file'] !== undefined ? { caFile: c['es-ca-file'] } : {}),
    };
  }
  if (config.es !== undefined && c.region !== undefined) {
    config.connection = {
      es: config.es,
      aws: {
        region: c.region,
        ...(c.profile !== undefined ? { profile: c.profile } : {}),
        ...(c['aws-endpoint'] !== undefined ? { endpoint: c['aws-endpoint'] } : {}),
      },
    };
  }
  return config;
}

/** The schema requires the connection settings for the commands that connect; this narrows the type. */
export function requireConnection(config: Config): ConnectionOptions {
  if (config.connection === undefined) throw new InvalidInputError('--es-url and --region are required');
  return config.connection;
}

/** The schema requires --es-url for the commands that talk to Elasticsearch; this narrows the type. */
export function requireEs(config: Config): EsConnection {
  if (config.es === undefined) throw new InvalidInputError('--es-url is required');
  return config.es;
}

/** A loggable view of the settings: secrets shown only as set or not. */
export function describeConfig(config: Config): Record<string, unknown> {
  const { es, connection, ...rest } = config;
  return {
    ...rest,
    ...(es ? { es: describeEs(es) } : {}),
    ...(connection ? { connection: { ...connection, es: describeEs(connection.es) } } : {}),
  };
}

function describeEs(es: EsConnection): Record<string, unknown> {
  return {
    urls: es.urls,
    tlsVerify: es.tlsVerify,
    caFile: es.caFile,
    auth: es.apiKey !== undefined ? 'api-key' : es.username !== undefined ? `basic (${es.username})` : 'none',
  };
}
