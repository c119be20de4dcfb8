// Every setting the command line understands, in one table: its flag, environment variables, config
// file key, kind and help. The parser, the config loader, --help and the README tests all read it.

export type OptionKind = 'string' | 'list' | 'boolean' | 'duration';

/** Which commands read an option: connection settings mean nothing to the demo. */
export type OptionScope = 'connection' | 'upgrade' | 'output' | 'service';

export interface OptionSpec {
  /** Flag name without dashes; also the config file key. */
  name: string;
  kind: OptionKind;
  scope: OptionScope;
  /** Environment variables, in order of preference. */
  env: string[];
  /** Never echoed: not in errors, not in logs. */
  secret?: boolean;
  /** Placeholder in --help, e.g. "URL". */
  valueName?: string;
  description: string;
  /** Default as shown in help and README. */
  defaultText?: string;
}

export const OPTIONS = [
  // Elasticsearch
  {
    name: 'es-url',
    kind: 'list',
    scope: 'connection',
    env: ['ESRU_ES_URL'],
    valueName: 'URL',
    description: 'Elasticsearch URL; repeat the flag or separate with commas for several',
  },
  {
    name: 'es-api-key',
    kind: 'string',
    scope: 'connection',
    env: ['ESRU_ES_API_KEY'],
    secret: true,
    valueName: 'KEY',
    description: 'Elasticsearch API key (the encoded form); prefer the environment variable',
  },
  {
    name: 'es-username',
    kind: 'string',
    scope: 'connection',
    env: ['ESRU_ES_USERNAME'],
    valueName: 'NAME',
    description: 'Elasticsearch user for basic authentication (needs --es-password)',
  },
  {
    name: 'es-password',
    kind: 'string',
    scope: 'connection',
    env: ['ESRU_ES_PASSWORD'],
    secret: true,
    valueName: 'PASSWORD',
    description: 'password for --es-username; prefer the environment variable',
  },
  {
    name: 'es-ca-file',
    kind: 'string',
    scope: 'connection',
    env: ['ESRU_ES_CA_FILE'],
    valueName: 'FILE',
    description: 'PEM file of the CA that signed the Elasticsearch certificates',
  },
  {
    name: 'tls-verify',
    kind: 'boolean',
    scope: 'connection',
    env: ['ESRU_TLS_VERIFY'],
    description: 'verify Elasticsearch TLS certificates (--no-tls-verify to skip; never in production)',
    defaultText: 'true',
  },
  // AWS
  {
    name: 'region',
    kind: 'string',
    scope: 'connection',
    env: ['AWS_REGION', 'AWS_DEFAULT_REGION'],
    valueName: 'REGION',
    description: 'AWS region of the instances and Auto Scaling Groups',
  },
  {
    name: 'profile',
    kind: 'string',
    scope: 'connection',
    env: ['AWS_PROFILE'],
    valueName: 'NAME',
    description: 'AWS shared-config profile (default: the SDK credential chain)',
  },
  {
    name: 'aws-endpoint',
    kind: 'string',
    scope: 'connection',
    env: ['ESRU_AWS_ENDPOINT'],
    valueName: 'URL',
    description: 'AWS endpoint override, for emulators such as moto',
  },
  // The upgrade
  {
    name: 'target-version',
    kind: 'string',
    scope: 'upgrade',
    env: ['ESRU_TARGET_VERSION'],
    valueName: 'VERSION',
    description: 'version to upgrade to: an instance whose version tag differs from it is replaced',
  },
  {
    name: 'expected-es-version',
    kind: 'string',
    scope: 'upgrade',
    env: ['ESRU_EXPECTED_ES_VERSION'],
    valueName: 'VERSION',
    description: 'Elasticsearch version replacements must run (e.g. 9.5.4); another version halts the run',
  },
  {
    name: 'version-tag-key',
    kind: 'string',
    scope: 'upgrade',
    env: ['ESRU_VERSION_TAG_KEY'],
    valueName: 'KEY',
    description: 'EC2 tag holding the release version of an instance',
    defaultText: 'Version',
  },
  {
    name: 'match',
    kind: 'string',
    scope: 'upgrade',
    env: ['ESRU_MATCH'],
    valueName: 'HOW',
    description: 'how a node is matched to its instance: private-ip, node-name, node-attribute:<attr>',
    defaultText: 'private-ip',
  },
  {
    name: 'order',
    kind: 'string',
    scope: 'upgrade',
    env: ['ESRU_ORDER'],
    valueName: 'ORDER',
    description: 'masters-first or data-first',
    defaultText: 'masters-first',
  },
  {
    name: 'strategy',
    kind: 'string',
    scope: 'upgrade',
    env: ['ESRU_STRATEGY'],
    valueName: 'STRATEGY',
    description: 'replace (terminate, let replicas recover) or drain (move shards off first)',
    defaultText: 'replace',
  },
  {
    name: 'version-conflicts',
    kind: 'string',
    scope: 'upgrade',
    env: ['ESRU_VERSION_CONFLICTS'],
    valueName: 'POLICY',
    description:
      'accept or reject replicas left unassigned only because their primary is on a newer node',
    defaultText: 'accept',
  },
  {
    name: 'orphans',
    kind: 'string',
    scope: 'upgrade',
    env: ['ESRU_ORPHANS'],
    valueName: 'POLICY',
    description: 'refuse or ignore nodes without an instance and instances without a node',
    defaultText: 'refuse',
  },
  {
    name: 'group-name',
    kind: 'list',
    scope: 'upgrade',
    env: ['ESRU_GROUP_NAMES'],
    valueName: 'ASG',
    description: 'extra Auto Scaling Group to watch (repeatable, or comma-separated)',
  },
  {
    name: 'disable-rule',
    kind: 'list',
    scope: 'upgrade',
    env: ['ESRU_DISABLE_RULES'],
    valueName: 'RULE',
    description: 'disable a safety rule by name (repeatable, or comma-separated); think twice',
  },
  {
    name: 'node-leave-timeout',
    kind: 'duration',
    scope: 'upgrade',
    env: ['ESRU_NODE_LEAVE_TIMEOUT'],
    valueName: 'DURATION',
    description: 'wait for the old node to leave the cluster after its instance is terminated',
    defaultText: '10m',
  },
  {
    name: 'node-join-timeout',
    kind: 'duration',
    scope: 'upgrade',
    env: ['ESRU_NODE_JOIN_TIMEOUT'],
    valueName: 'DURATION',
    description: 'wait for the replacement node to join',
    defaultText: '20m',
  },
  {
    name: 'yellow-timeout',
    kind: 'duration',
    scope: 'upgrade',
    env: ['ESRU_YELLOW_TIMEOUT'],
    valueName: 'DURATION',
    description: 'wait for the cluster to get back to yellow (all primaries assigned)',
    defaultText: '30m',
  },
  {
    name: 'green-timeout',
    kind: 'duration',
    scope: 'upgrade',
    env: ['ESRU_GREEN_TIMEOUT'],
    valueName: 'DURATION',
    description: 'wait for green, or settled with only accepted version conflicts',
    defaultText: '2h',
  },
  {
    name: 'drain-timeout',
    kind: 'duration',
    scope: 'upgrade',
    env: ['ESRU_DRAIN_TIMEOUT'],
    valueName: 'DURATION',
    description: 'wait for a drained node to hold no shards (--strategy drain)',
    defaultText: '2h',
  },
  {
    name: 'safe-to-proceed-timeout',
    kind: 'duration',
    scope: 'upgrade',
    env: ['ESRU_SAFE_TO_PROCEED_TIMEOUT'],
    valueName: 'DURATION',
    description: 'wait for preconditions (e.g. relocations finishing) before the next node',
    defaultText: '30m',
  },
  {
    name: 'poll-interval',
    kind: 'duration',
    scope: 'upgrade',
    env: ['ESRU_POLL_INTERVAL'],
    valueName: 'DURATION',
    description: 'time between observations when no long-poll applies',
    defaultText: '5s',
  },
  {
    name: 'lock-ttl',
    kind: 'duration',
    scope: 'upgrade',
    env: ['ESRU_LOCK_TTL'],
    valueName: 'DURATION',
    description: 'lease length of the cluster lock; another controller may take over after it',
    defaultText: '15m',
  },
  // Output and behaviour
  {
    name: 'report',
    kind: 'string',
    scope: 'output',
    env: ['ESRU_REPORT'],
    valueName: 'FILE',
    description: 'write the full report as JSON to FILE (atomically)',
  },
  {
    name: 'output',
    kind: 'string',
    scope: 'output',
    env: ['ESRU_OUTPUT'],
    valueName: 'FORMAT',
    description: 'stdout format: table (for people) or json (for machines)',
    defaultText: 'table',
  },
  {
    name: 'log-level',
    kind: 'string',
    scope: 'output',
    env: ['ESRU_LOG_LEVEL'],
    valueName: 'LEVEL',
    description: 'trace, debug, info, warn, error, fatal or silent (logs go to stderr)',
    defaultText: 'info',
  },
  {
    name: 'dry-run',
    kind: 'boolean',
    scope: 'output',
    env: ['ESRU_DRY_RUN'],
    description: 'run only: plan and change nothing (same as the plan command)',
    defaultText: 'false',
  },
  {
    name: 'yes',
    kind: 'boolean',
    scope: 'output',
    env: ['ESRU_YES'],
    description: 'do not ask for confirmation before replacing nodes',
    defaultText: 'false',
  },
  {
    name: 'progress',
    kind: 'boolean',
    scope: 'output',
    env: ['ESRU_PROGRESS'],
    description: 'show a live progress view on stderr (--no-progress to hide)',
    defaultText: 'when stderr is a terminal',
  },
  {
    name: 'octopus',
    kind: 'boolean',
    scope: 'output',
    env: ['ESRU_OCTOPUS'],
    description: 'print Octopus Deploy service messages: output variables, the report as an artifact',
    defaultText: 'when run by Octopus (TentacleHome or OctopusCalamariWorkingDirectory set)',
  },
  // Service mode: only `serve` listens
  {
    name: 'host',
    kind: 'string',
    scope: 'service',
    env: ['ESRU_SERVICE_HOST'],
    valueName: 'HOST',
    description: 'address the service listens on; 0.0.0.0 for every interface',
    defaultText: '127.0.0.1',
  },
  {
    name: 'port',
    kind: 'string',
    scope: 'service',
    env: ['ESRU_SERVICE_PORT'],
    valueName: 'PORT',
    description: 'port the service listens on, 0 to 65535; 0 picks a free one',
    defaultText: '8080',
  },
] as const satisfies readonly OptionSpec[];

export type OptionName = (typeof OPTIONS)[number]['name'];

/** Flags that are not settings: they never come from the environment or a file. */
export const META_FLAGS = [
  { name: 'config', short: 'c', env: 'ESRU_CONFIG', valueName: 'FILE', description: 'read settings from a JSON or YAML file' },
  { name: 'help', short: 'h', description: 'show help' },
  { name: 'version', short: 'V', description: 'print the version of es-rolling-upgrade' },
] as const;

const byName = new Map<string, OptionSpec>(OPTIONS.map((o) => [o.name, o]));

export function findOption(name: string): OptionSpec | undefined {
  return byName.get(name);
}

export function isSecretOption(name: string): boolean {
  return byName.get(name)?.secret === true;
}

export const SECRET_ENV_VARS: readonly string[] = [
  ...OPTIONS.filter((o: OptionSpec) => o.secret).flatMap((o) => o.env),
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
];
