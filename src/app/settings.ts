// Every setting, defined once: its flag, environment variables, value (and so its schema), default,
// help, the commands that take it, whether it is secret, whether it is for the command line only,
// whether a service request may set it, and its parameter in an Octopus step template. The argv
// parser, the config loader, --help, the documentation test, the service's request validation and
// the step template all read this table.

import * as z from 'zod';
import { targetNameTemplateProblem } from '../octopus/target-names.ts';
import { RULE_NAMES } from '../upgrade/predicates.ts';
import { RENEWAL_SLACK_MS } from './lease-watch.ts';
import {
  custom,
  duration,
  existingFile,
  httpUrl,
  listenHost,
  listOf,
  match,
  oneOf,
  onOff,
  port,
  region,
  secretText,
  tagKey,
  text,
  version,
  writableFilePath,
  type ValueType,
} from './setting-values.ts';

export const COMMAND_NAMES = ['plan', 'run', 'demo', 'serve', 'lease'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/** Headings of --help and of the flag table in docs/flags.md, in order. */
export const SETTING_GROUPS = {
  elasticsearch: 'Elasticsearch',
  aws: 'AWS',
  upgrade: 'The upgrade',
  output: 'Output and behaviour',
  service: 'Service mode',
  lease: 'The lease',
} as const;
export type SettingGroup = keyof typeof SETTING_GROUPS;

/**
 * Whether a request to the service (POST /v1/runs) may set the setting: `allowed`, or why not.
 * A run started over HTTP uses the service's own cluster, credentials and TLS settings.
 */
export type RequestAccess = 'allowed' | 'connection' | 'operator' | 'local' | 'listener';

export const REQUEST_REFUSALS: Record<Exclude<RequestAccess, 'allowed'>, string> = {
  connection:
    'is a connection setting of the service: a run uses the cluster, credentials and TLS settings the service was started with',
  operator:
    'disables a safety rule: only the operator who starts the service may, as a setting of serve that every run then inherits',
  local: 'means something only on a command line (its terminal, output or files), not to a run started over HTTP',
  listener: 'is where the service itself listens',
};

/**
 * A parameter of an Octopus step template. The control type follows from the value: a secret is
 * Sensitive, an on/off setting a Checkbox, one of a fixed list a drop-down (Select) of those values,
 * anything else a single line of text. See octopusParameters() for the resolved form.
 */
export interface OctopusMeta {
  /** Parameter name, e.g. "EsRollingUpgrade.TargetVersion" (deploy/octopus/PostDeploy.sh reads the same names). */
  name: string;
  label: string;
  /** Shown under the field; the setting's help when absent. */
  helpText?: string;
}

export interface SettingSpec {
  /** Flag name without dashes; also the key in the config file and in a service request. */
  name: string;
  group: SettingGroup;
  /** The commands that take it; another command refuses the flag and ignores the environment and file. */
  commands: readonly CommandName[];
  /** The commands that cannot do without it. */
  requiredBy?: readonly CommandName[];
  /** Environment variables, in order of preference. */
  env: readonly string[];
  value: ValueType;
  /** Raw default, as one would write it (a duration as "2h"); the schema reads it like any value. */
  default?: string | boolean | readonly string[];
  /** Shown instead of a default when it depends on the situation (e.g. "when stderr is a terminal"). */
  defaultNote?: string;
  /** Placeholder in --help, e.g. "URL". */
  valueName?: string;
  /** One line for --help. */
  help: string;
  /** Never echoed: not in errors, logs or reports. */
  secret?: boolean;
  request: RequestAccess;
  /** Its parameter in an Octopus step template; null: not offered there (with the reason in a comment). */
  octopus: OctopusMeta | null;
  /**
   * An action of one invocation, never a standing setting: taken from the command line only, never
   * from the environment or a config file (a file that names it is refused), so a shared file or a
   * forgotten variable can never break a lease.
   */
  commandLineOnly?: true;
}

const CONNECTED = ['plan', 'run', 'serve'] as const satisfies readonly CommandName[];
/** Elasticsearch alone: `lease` reads and writes the lease document, and needs no AWS. */
const ES_CONNECTED = ['plan', 'run', 'serve', 'lease'] as const satisfies readonly CommandName[];
const UPGRADE = ['plan', 'run', 'demo', 'serve'] as const satisfies readonly CommandName[];
const REPORTING = ['plan', 'run', 'demo'] as const satisfies readonly CommandName[];
const REAL_CLUSTER = ['plan', 'run'] as const satisfies readonly CommandName[];
/** serve too: a request may not name the cluster, so the service must be started with it. */
const ONE_CLUSTER = ['plan', 'run', 'serve'] as const satisfies readonly CommandName[];
const ONE_ES_CLUSTER = ['plan', 'run', 'serve', 'lease'] as const satisfies readonly CommandName[];

const timeout = () => duration('1s', '7d');

const ORDERS = ['masters-first', 'data-first'] as const;
const BATCH_MODES = ['none', 'zone'] as const;

/** --max-unavailable: a count of data nodes ("3") or a share of them ("34%"). */
const maxUnavailable = custom(
  z.unknown().transform((value, ctx): { count: number } | { percent: number } => {
    const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
    const percent = /^(\d+(?:\.\d+)?)%$/.exec(text);
    if (percent) {
      const p = Number(percent[1]);
      if (p > 0 && p <= 100) return { percent: p };
    } else if (/^\d+$/.test(text) && Number(text) >= 1) {
      return { count: Number(text) };
    }
    ctx.addIssue({ code: 'custom', message: 'must be a count of data nodes (1 or more, e.g. 3) or a percentage of them (e.g. 34%)' });
    return z.NEVER;
  }),
);
const STRATEGIES = ['replace', 'drain'] as const;
const VERSION_CONFLICT_POLICIES = ['accept', 'reject'] as const;
const ORPHAN_POLICIES = ['refuse', 'ignore'] as const;
const OUTPUT_FORMATS = ['table', 'json'] as const;
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** --events: "-" for stdout, or a file that can be written. */
export const EVENTS_TO_STDOUT = '-';
const eventsTarget = custom(
  z
    .string({ error: 'must be a file path, or - for stdout' })
    .trim()
    .min(1, { error: 'must not be empty' })
    .refine((value) => value === EVENTS_TO_STDOUT || writableFilePath.safeParse(value).success, {
      error: 'cannot be written: its directory must exist and be writable (or - for stdout)',
    }),
);

/** --octopus-delete-targets: a name with {name} and/or {instanceId} in it. */
const targetNameTemplate = custom(
  text('a target name template').schema.superRefine((value, ctx) => {
    const problem = targetNameTemplateProblem(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  }),
);

const knownRule = custom(
  text('a rule name').schema.refine((name) => RULE_NAMES.includes(name), { error: `is not a safety rule; rules: ${RULE_NAMES.join(', ')}` }),
);

export const SETTINGS = [
  // Elasticsearch
  {
    name: 'es-url',
    group: 'elasticsearch',
    commands: ES_CONNECTED,
    requiredBy: ONE_ES_CLUSTER,
    env: ['ESRU_ES_URL'],
    value: listOf(custom(httpUrl)),
    valueName: 'URL',
    help: 'Elasticsearch URL; repeat the flag or separate with commas for several',
    request: 'connection',
    octopus: { name: 'EsRollingUpgrade.ElasticsearchUrl', label: 'Elasticsearch URLs', helpText: 'One or more Elasticsearch URLs, comma-separated, e.g. https://es-1.internal:9200,https://es-2.internal:9200. No credentials in the URL.' },
  },
  {
    name: 'es-api-key',
    group: 'elasticsearch',
    commands: ES_CONNECTED,
    env: ['ESRU_ES_API_KEY'],
    value: text(),
    valueName: 'KEY',
    help: 'Elasticsearch API key (the encoded form); prefer the environment variable',
    secret: true,
    request: 'connection',
    octopus: { name: 'EsRollingUpgrade.ElasticsearchApiKey', label: 'Elasticsearch API key', helpText: 'API key in its encoded form. Leave empty to use a username and password instead.' },
  },
  {
    name: 'es-username',
    group: 'elasticsearch',
    commands: ES_CONNECTED,
    env: ['ESRU_ES_USERNAME'],
    value: text(),
    valueName: 'NAME',
    help: 'Elasticsearch user for basic authentication (needs --es-password)',
    request: 'connection',
    octopus: { name: 'EsRollingUpgrade.ElasticsearchUsername', label: 'Elasticsearch username' },
  },
  {
    name: 'es-password',
    group: 'elasticsearch',
    commands: ES_CONNECTED,
    env: ['ESRU_ES_PASSWORD'],
    value: secretText(),
    valueName: 'PASSWORD',
    help: 'password for --es-username; prefer the environment variable',
    secret: true,
    request: 'connection',
    octopus: { name: 'EsRollingUpgrade.ElasticsearchPassword', label: 'Elasticsearch password' },
  },
  {
    name: 'es-ca-file',
    group: 'elasticsearch',
    commands: ES_CONNECTED,
    env: ['ESRU_ES_CA_FILE'],
    value: custom(existingFile),
    valueName: 'FILE',
    help: 'PEM file of the CA that signed the Elasticsearch certificates',
    request: 'connection',
    octopus: { name: 'EsRollingUpgrade.ElasticsearchCaFile', label: 'Elasticsearch CA file', helpText: 'Path, on the worker, of the PEM file of the CA that signed the cluster\'s HTTP certificates.' },
  },
  {
    name: 'tls-verify',
    group: 'elasticsearch',
    commands: ES_CONNECTED,
    env: ['ESRU_TLS_VERIFY'],
    value: onOff(),
    default: true,
    help: 'verify Elasticsearch TLS certificates (--no-tls-verify to skip; never in production)',
    request: 'connection',
    octopus: { name: 'EsRollingUpgrade.TlsVerify', label: 'Verify TLS certificates', helpText: 'Verify the Elasticsearch certificates. Never turn this off in production.' },
  },
  // AWS
  {
    name: 'region',
    group: 'aws',
    commands: CONNECTED,
    requiredBy: ONE_CLUSTER,
    env: ['AWS_REGION', 'AWS_DEFAULT_REGION'],
    value: custom(region),
    valueName: 'REGION',
    help: 'AWS region of the instances and Auto Scaling Groups',
    request: 'connection',
    octopus: { name: 'EsRollingUpgrade.AwsRegion', label: 'AWS region' },
  },
  {
    name: 'profile',
    group: 'aws',
    commands: CONNECTED,
    env: ['AWS_PROFILE'],
    value: text(),
    valueName: 'NAME',
    help: 'AWS shared-config profile (default: the SDK credential chain)',
    request: 'connection',
    octopus: { name: 'EsRollingUpgrade.AwsProfile', label: 'AWS profile', helpText: 'Shared-config profile on the worker. Leave empty to use the worker\'s role or environment.' },
  },
  {
    name: 'aws-endpoint',
    group: 'aws',
    commands: CONNECTED,
    env: ['ESRU_AWS_ENDPOINT'],
    value: custom(httpUrl),
    valueName: 'URL',
    help: 'AWS endpoint override, for emulators such as moto',
    request: 'connection',
    // Emulators only: a deployment talks to AWS itself.
    octopus: null,
  },
  // The upgrade
  {
    name: 'target-version',
    group: 'upgrade',
    commands: UPGRADE,
    requiredBy: REAL_CLUSTER,
    env: ['ESRU_TARGET_VERSION'],
    value: custom(version),
    valueName: 'VERSION',
    help: 'version to upgrade to: an instance whose version tag differs from it is replaced',
    request: 'allowed',
    octopus: { name: 'EsRollingUpgrade.TargetVersion', label: 'Target version', helpText: 'The release the cluster goes to, e.g. #{Octopus.Release.Number}: an instance whose version tag differs is replaced.' },
  },
  {
    name: 'expected-es-version',
    group: 'upgrade',
    commands: UPGRADE,
    env: ['ESRU_EXPECTED_ES_VERSION'],
    value: custom(version),
    valueName: 'VERSION',
    help: 'Elasticsearch version replacements must run (e.g. 9.5.4); another version halts the run',
    request: 'allowed',
    octopus: { name: 'EsRollingUpgrade.ExpectedEsVersion', label: 'Expected Elasticsearch version' },
  },
  {
    name: 'version-tag-key',
    group: 'upgrade',
    commands: UPGRADE,
    env: ['ESRU_VERSION_TAG_KEY'],
    value: custom(tagKey),
    default: 'Version',
    valueName: 'KEY',
    help: 'EC2 tag holding the release version of an instance',
    request: 'allowed',
    octopus: { name: 'EsRollingUpgrade.VersionTagKey', label: 'Version tag key' },
  },
  {
    name: 'match',
    group: 'upgrade',
    commands: UPGRADE,
    env: ['ESRU_MATCH'],
    value: custom(match),
    default: 'private-ip',
    valueName: 'HOW',
    help: 'how a node is matched to its instance: private-ip, node-name, node-attribute:<attr>',
    request: 'allowed',
    octopus: { name: 'EsRollingUpgrade.Match', label: 'Node to instance match' },
  },
  {
    name: 'order',
    group: 'upgrade',
    commands: UPGRADE,
    env: ['ESRU_ORDER'],
    value: oneOf(ORDERS),
    default: 'masters-first',
    valueName: 'ORDER',
    help: 'masters-first or data-first',
    request: 'allowed',
    octopus: { name: 'EsRollingUpgrade.Order', label: 'Order' },
  },
  {
    name: 'batch',
    group: 'upgrade',
    commands: UPGRADE,
    env: ['ESRU_BATCH'],
    value: oneOf(BATCH_MODES),
    default: 'none',
    valueName: 'MODE',
    help: 'none: data nodes one at a time; zone: the stale data nodes of one availability zone together (needs shard allocation awareness on the zone; refused otherwise)',
    request: 'allowed',
    octopus: { name: 'EsRollingUpgrade.Batch', label: 'Batches', helpText: 'none: data nodes one at a time. zone: the stale data nodes of one availability zone together, when shard allocation awareness keeps a copy of every shard in another zone.' },
  },
  {
    name: 'max-unavailable',
    group: 'upgrade',
    commands: UPGRADE,
    env: ['ESRU_MAX_UNAVAILABLE'],
    value: maxUnavailable,
    defaultNote: 'a whole zone',
    valueName: 'N|P%',
    help: 'with --batch zone: at most this many data nodes (or this share of them) at once',
    request: 'allowed',
    octopus: { name: 'EsRollingUpgrade.MaxUnavailable', label: 'Most data nodes at once', helpText: 'With zone batches: a count (3) or a share of the data nodes (34%); empty for a whole zone.' },
  },
  {
    name: 'strategy',
    group: 'upgrade',
    commands: UPGRADE,
    env: ['ESRU_STRATEGY'],
    value: oneOf(STRATEGIES),
    default: 'replace',
    valueName: 'STRATEGY',
    help: 'replace (terminate, let replicas recover) or drain (move shards off first)',
    request: 'allowed',
    octopus: { name: 'EsRollingUpgrade.Strategy', label: 'Strategy' },
  },
  {
    name: 'version-conflicts',
    group: 'upgrade',
    commands: UPGRADE,
    env: ['ESRU_VERSION_CONFLICTS'],
    value: oneOf(VERSION_CONFLICT_POLICIES),
    default: 'accept',
    valueName: 'POLICY',
    help: 'accept or reject replicas left unassigned only because their primary is on a newer node',
    request: 'allowed',
    octopus: { name: 'EsRollingUpgrade.VersionConflicts', label: 'Version conflicts' },
  },
  {
    name: 'orphans',
    group: 'upgrade',
    commands: UPGRADE,
    env: ['ESRU_ORPHANS'],
    value: oneOf(ORPHAN_POLICIES),
    default: 'refuse',
    valueName: 'POLICY',
    help: 'refuse or ignore nodes without an instance and instances without a node',
    request: 'allowed',
    octopus: { name: 'EsRollingUpgrade.Orphans', label: 'Orphans' },
  },
  {
    name: 'group-name',
    group: 'upgrade',
    commands: UPGRADE,
    env: ['ESRU_GROUP_NAMES'],
    value: listOf(custom(text('an Auto Scaling Group name').schema.max(255, { error: 'must be at most 255 characters' }))),
    default: [],
    valueName: 'ASG',
    help: 'extra Auto Scaling Group to watch (repeatable, or comma-separated)',
    request: 'allowed',
    octopus: { name: 'EsRollingUpgrade.GroupNames', label: 'Extra Auto Scaling Groups', helpText: 'Comma-separated names of Auto Scaling Groups to watch even if no node maps to them.' },
  },
  {
    name: 'disable-rule',
    group: 'upgrade',
    commands: UPGRADE,
    env: ['ESRU_DISABLE_RULES'],
    value: listOf(knownRule),
    default: [],
    valueName: 'RULE',
    help: 'disable a safety rule by name (repeatable, or comma-separated); think twice',
    request: 'operator',
    octopus: { name: 'EsRollingUpgrade.DisableRules', label: 'Disabled safety rules', helpText: `Comma-separated safety rules to disable; think twice. Rules: ${RULE_NAMES.join(', ')}.` },
  },
  {
    name: 'node-leave-timeout',
    group: 'upgrade',
    commands: UPGRADE,
    env: ['ESRU_NODE_LEAVE_TIMEOUT'],
    value: timeout(),
    default: '10m',
    valueName: 'DURATION',
    help: 'wait for the old node to leave the cluster after its instance is terminated',
    request: 'allowed',
    octopus: { name: 'EsRollingUpgrade.NodeLeaveTimeout', label: 'Node leave timeout' },
  },
  {
    name: 'node-join-timeout',
    group: 'upgrade',
    commands: UPGRADE,
    env: ['ESRU_NODE_JOIN_TIMEOUT'],
    value: timeout(),
    default: '20m',
    valueName: 'DURATION',
    help: 'wait for the replacement node to join',
    request: 'allowed',
    octopus: { name: 'EsRollingUpgrade.NodeJoinTimeout', label: 'Node join timeout' },
  },
  {
    name: 'yellow-timeout',
    group: 'upgrade',
    commands: UPGRADE,
    env: ['ESRU_YELLOW_TIMEOUT'],
    value: timeout(),
    default: '30m',
    valueName: 'DURATION',
    help: 'wait for the cluster to get back to yellow (all primaries assigned)',
    request: 'allowed',
    octopus: { name: 'EsRollingUpgrade.YellowTimeout', label: 'Yellow timeout' },
  },
  {
    name: 'green-timeout',
    group: 'upgrade',
    commands: UPGRADE,
    env: ['ESRU_GREEN_TIMEOUT'],
    value: timeout(),
    default: '2h',
    valueName: 'DURATION',
    help: 'wait for green, or settled with only accepted version conflicts',
    request: 'allowed',
    octopus: { name: 'EsRollingUpgrade.GreenTimeout', label: 'Green timeout' },
  },
  {
    name: 'drain-timeout',
    group: 'upgrade',
    commands: UPGRADE,
    env: ['ESRU_DRAIN_TIMEOUT'],
    value: timeout(),
    default: '2h',
    valueName: 'DURATION',
    help: 'wait for a drained node to hold no shards (--strategy drain)',
    request: 'allowed',
    octopus: { name: 'EsRollingUpgrade.DrainTimeout', label: 'Drain timeout' },
  },
  {
    name: 'safe-to-proceed-timeout',
    group: 'upgrade',
    commands: UPGRADE,
    env: ['ESRU_SAFE_TO_PROCEED_TIMEOUT'],
    value: timeout(),
    default: '30m',
    valueName: 'DURATION',
    help: 'wait for preconditions (e.g. relocations finishing) before the next node',
    request: 'allowed',
    octopus: { name: 'EsRollingUpgrade.SafeToProceedTimeout', label: 'Safe-to-proceed timeout' },
  },
  {
    name: 'poll-interval',
    group: 'upgrade',
    commands: UPGRADE,
    env: ['ESRU_POLL_INTERVAL'],
    value: duration('100ms', '5m'),
    default: '5s',
    valueName: 'DURATION',
    help: 'time between observations when no long-poll applies, and the longest a node-leave or node-join long-poll lasts',
    request: 'allowed',
    octopus: { name: 'EsRollingUpgrade.PollInterval', label: 'Poll interval' },
  },
  {
    name: 'lock-ttl',
    group: 'upgrade',
    commands: UPGRADE,
    env: ['ESRU_LOCK_TTL'],
    value: duration('20s', '24h'),
    default: '1m',
    valueName: 'DURATION',
    help: 'lease length of the cluster lock: renewed every quarter of it in the background; a controller that dies is taken over after about this long',
    request: 'allowed',
    octopus: { name: 'EsRollingUpgrade.LockTtl', label: 'Lock lease length' },
  },
  // Output and behaviour
  {
    name: 'report',
    group: 'output',
    commands: REPORTING,
    env: ['ESRU_REPORT'],
    value: custom(writableFilePath),
    valueName: 'FILE',
    help: 'write the full report as JSON to FILE (atomically)',
    request: 'local',
    octopus: { name: 'EsRollingUpgrade.ReportPath', label: 'Report path', helpText: 'Where the JSON report is written; it is attached to the deployment as an artifact. Default: es-rolling-upgrade-plan.json or es-rolling-upgrade-run.json in the step\'s working directory.' },
  },
  {
    name: 'html',
    group: 'output',
    commands: REPORTING,
    env: ['ESRU_HTML'],
    value: custom(writableFilePath),
    valueName: 'FILE',
    help: 'write the report as one self-contained HTML page to FILE (atomically); the demo writes its run\'s',
    request: 'local',
    octopus: { name: 'EsRollingUpgrade.HtmlPath', label: 'HTML report path', helpText: 'Where the report is written as one HTML page (a timeline per node, the cluster\'s health over time); it is attached as an artifact too. Default: es-rolling-upgrade-plan.html or es-rolling-upgrade-run.html in the step\'s working directory.' },
  },
  {
    name: 'output',
    group: 'output',
    commands: ['plan', 'run', 'demo', 'lease'],
    env: ['ESRU_OUTPUT'],
    value: oneOf(OUTPUT_FORMATS),
    default: 'table',
    valueName: 'FORMAT',
    help: 'stdout format: table (for people) or json (for machines)',
    request: 'local',
    // The step log is for people; tools read the report artifact.
    octopus: null,
  },
  {
    name: 'events',
    group: 'output',
    commands: REPORTING,
    env: ['ESRU_EVENTS'],
    value: eventsTarget,
    valueName: 'FILE',
    help: 'write every progress event as a line of JSON (NDJSON, as the service streams them) to FILE, or to stdout with - (the summary then goes to stderr)',
    request: 'local',
    // A step's log is for people: the report artifacts carry the run for tools.
    octopus: null,
  },
  {
    name: 'log-level',
    group: 'output',
    commands: COMMAND_NAMES,
    env: ['ESRU_LOG_LEVEL'],
    value: oneOf(LOG_LEVELS),
    default: 'info',
    valueName: 'LEVEL',
    help: 'trace, debug, info, warn, error, fatal or silent (logs go to stderr)',
    request: 'local',
    octopus: { name: 'EsRollingUpgrade.LogLevel', label: 'Log level' },
  },
  {
    name: 'dry-run',
    group: 'output',
    commands: ['run'],
    env: ['ESRU_DRY_RUN'],
    value: onOff(),
    default: false,
    help: 'plan and change nothing (the same as the plan command)',
    request: 'allowed',
    octopus: { name: 'EsRollingUpgrade.DryRun', label: 'Dry run', helpText: 'Only plan: show which nodes would be replaced and change nothing.' },
  },
  {
    name: 'yes',
    group: 'output',
    commands: ['run'],
    env: ['ESRU_YES'],
    value: onOff(),
    default: false,
    help: 'go ahead without asking before replacing nodes; needed when stdin is not a terminal, unless in CI or under Octopus',
    request: 'local',
    // A step never asks: it always passes --yes.
    octopus: null,
  },
  {
    name: 'progress',
    group: 'output',
    commands: ['run', 'demo'],
    env: ['ESRU_PROGRESS'],
    value: onOff(),
    defaultNote: 'when stderr is a terminal',
    help: 'show a live progress view on stderr (--no-progress for plain lines)',
    request: 'local',
    // A step log is no terminal: it always passes --no-progress.
    octopus: null,
  },
  {
    name: 'octopus',
    group: 'output',
    commands: REPORTING,
    env: ['ESRU_OCTOPUS'],
    value: onOff(),
    defaultNote: 'when run by Octopus, which sets TentacleHome or OctopusCalamariWorkingDirectory',
    help: 'print Octopus Deploy service messages: progress, output variables, the reports as artifacts (the demo shows what a step would print)',
    request: 'local',
    // Always on in a step.
    octopus: null,
  },
  {
    name: 'octopus-delete-targets',
    group: 'output',
    commands: ['run', 'demo'],
    env: ['ESRU_OCTOPUS_DELETE_TARGETS'],
    value: targetNameTemplate,
    valueName: 'TEMPLATE',
    help: 'under Octopus, have Octopus delete the deployment target of each terminated instance, named by TEMPLATE from {name} (its Name tag) and {instanceId}, e.g. es-{instanceId}',
    request: 'local',
    octopus: {
      name: 'EsRollingUpgrade.DeleteTargets',
      label: 'Delete the targets of terminated instances',
      helpText:
        'Leave empty to keep deployment targets. Otherwise the name of the Tentacle of a terminated instance, from {name} (its EC2 Name tag) and {instanceId}, e.g. {name} or es-{instanceId}: Octopus deletes each after the step (the environment must allow dynamic infrastructure). A name several terminated instances share is skipped.',
    },
  },
  // Service mode: only `serve` listens
  {
    name: 'host',
    group: 'service',
    commands: ['serve'],
    env: ['ESRU_SERVICE_HOST'],
    value: custom(listenHost),
    default: '127.0.0.1',
    valueName: 'HOST',
    help: 'address the service listens on; 0.0.0.0 for every interface',
    request: 'listener',
    octopus: null,
  },
  {
    name: 'port',
    group: 'service',
    commands: ['serve'],
    env: ['ESRU_SERVICE_PORT'],
    value: custom(port),
    default: '8080',
    valueName: 'PORT',
    help: 'port the service listens on, 0 to 65535; 0 picks a free one',
    request: 'listener',
    octopus: null,
  },
  // The lease: only `lease` looks at it by hand. None is for a step template: a deployment never
  // breaks a lease by itself.
  {
    name: 'watch',
    group: 'lease',
    commands: ['lease'],
    env: ['ESRU_LEASE_WATCH'],
    value: duration('0s', '24h'),
    defaultNote: `a quarter of the holder's TTL plus ${(RENEWAL_SLACK_MS / 1000).toString()}s, 20s for a 1m TTL`,
    valueName: 'DURATION',
    help: 'watch the lease this long for a renewal by its holder before showing or breaking it (stops at the first change; at most the holder\'s TTL; 0s: do not watch)',
    request: 'local',
    octopus: null,
  },
  {
    name: 'break',
    group: 'lease',
    commands: ['lease'],
    env: [],
    value: onOff(),
    default: false,
    help: 'break the lease: release it from its holder, keeping the upgrade\'s record for the next run (needs --reason and --force)',
    request: 'local',
    octopus: null,
    commandLineOnly: true,
  },
  {
    name: 'reason',
    group: 'lease',
    commands: ['lease'],
    env: [],
    value: custom(text('a reason').schema.max(500, { error: 'must be at most 500 characters' })),
    valueName: 'TEXT',
    help: 'why the lease is broken (with --break): stored in the lease and shown to whoever looks next',
    request: 'local',
    octopus: null,
    commandLineOnly: true,
  },
  {
    name: 'force',
    group: 'lease',
    commands: ['lease'],
    env: [],
    value: onOff(),
    default: false,
    help: 'confirm --break; a holder seen alive, or not watched long enough to tell, is still refused (see --even-if-alive)',
    request: 'local',
    octopus: null,
    commandLineOnly: true,
  },
  {
    name: 'even-if-alive',
    group: 'lease',
    commands: ['lease'],
    env: [],
    value: onOff(),
    default: false,
    help: 'with --break --force: break the lease even if its holder renewed it while watched, or was not watched long enough to tell; a live holder halts at its next renewal',
    request: 'local',
    octopus: null,
    commandLineOnly: true,
  },
] as const satisfies readonly SettingSpec[];

export type SettingName = (typeof SETTINGS)[number]['name'];
type Row = (typeof SETTINGS)[number];
type RowNamed<N extends SettingName> = Extract<Row, { name: N }>;

/** The value of a setting once read and checked: milliseconds for a duration, a parsed match, ... */
export type SettingValue<N extends SettingName> = z.output<RowNamed<N>['value']['schema']>;

type DefaultedName = Extract<Row, { default: unknown }>['name'];

/**
 * Validated settings, by flag name. A setting with a default always has a value (the default when
 * no source set it, also for commands that do not take it); the others may be absent.
 */
export type Settings = { [N in DefaultedName]: SettingValue<N> } & { [N in Exclude<SettingName, DefaultedName>]?: SettingValue<N> };

/** Flags that are not settings: they never come from the environment or a file (ESRU_CONFIG aside). */
export const META_FLAGS = [
  { name: 'config', short: 'c', env: 'ESRU_CONFIG', valueName: 'FILE', help: 'read settings from a JSON or YAML file' },
  { name: 'help', short: 'h', help: 'show help' },
  { name: 'version', short: 'V', help: 'print the version of es-rolling-upgrade (alone, with nothing else)' },
] as const;

const byName = new Map<string, SettingSpec>((SETTINGS as readonly SettingSpec[]).map((s) => [s.name, s]));

export function findSetting(name: string): SettingSpec | undefined {
  return byName.get(name);
}

/** The settings a command takes, in table order. */
export function settingsFor(command: CommandName): SettingSpec[] {
  return (SETTINGS as readonly SettingSpec[]).filter((s) => s.commands.includes(command));
}

/** What a command cannot do without. */
export function requiredFor(command: CommandName): SettingName[] {
  return (SETTINGS as readonly SettingSpec[]).filter((s) => s.requiredBy?.includes(command)).map((s) => s.name as SettingName);
}

/** The settings a service request may set. */
export function requestSettings(): SettingSpec[] {
  return (SETTINGS as readonly SettingSpec[]).filter((s) => s.request === 'allowed');
}

/** Default as help and docs/flags.md show it. */
export function defaultText(s: SettingSpec): string | undefined {
  if (s.defaultNote !== undefined) return s.defaultNote;
  if (s.default === undefined || typeof s.default === 'boolean' || typeof s.default === 'string') return s.default?.toString();
  return s.default.length > 0 ? s.default.join(',') : undefined;
}

function octopusDefault(value: SettingSpec['default']): string | undefined {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (value === undefined || typeof value === 'string') return value;
  return value.length > 0 ? value.join(',') : undefined;
}

/** Environment variables whose values are secrets (the settings' and the AWS SDK's). */
export const SECRET_ENV_VARS: readonly string[] = [
  ...(SETTINGS as readonly SettingSpec[]).filter((s) => s.secret).flatMap((s) => s.env),
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
];

/** Octopus control types, as a step template's DisplaySettings["Octopus.ControlType"] spells them. */
export type OctopusControl =
  | { type: 'SingleLineText' }
  | { type: 'Sensitive' }
  | { type: 'Checkbox' }
  | { type: 'Select'; options: readonly { value: string; label: string }[] };

/** A step-template parameter, resolved from the table. */
export interface OctopusParameter {
  setting: SettingName;
  /** Parameter (variable) name. */
  name: string;
  label: string;
  helpText: string;
  control: OctopusControl;
  /** As Octopus stores it: "True"/"False" for a checkbox; absent when there is none. */
  defaultValue?: string;
  /** Required by `run` (and `plan`). */
  required: boolean;
  /** The environment variable that carries it to the CLI (secrets never go on argv). */
  env: string;
  /** The flag, for settings that may go on the command line. */
  flag: string;
}

/** Every setting offered in an Octopus step template, in table order. */
export function octopusParameters(): OctopusParameter[] {
  const out: OctopusParameter[] = [];
  for (const s of SETTINGS as readonly SettingSpec[]) {
    if (s.octopus === null) continue;
    const control: OctopusControl =
      s.secret === true
        ? { type: 'Sensitive' }
        : s.value.kind === 'boolean'
          ? { type: 'Checkbox' }
          : s.value.kind === 'enum'
            ? { type: 'Select', options: (s.value.values ?? []).map((v) => ({ value: v, label: v })) }
            : { type: 'SingleLineText' };
    const fallback = octopusDefault(s.default);
    out.push({
      setting: s.name as SettingName,
      name: s.octopus.name,
      label: s.octopus.label,
      helpText: s.octopus.helpText ?? `${s.help.charAt(0).toUpperCase()}${s.help.slice(1)}.`,
      control,
      ...(fallback !== undefined ? { defaultValue: fallback } : {}),
      required: s.requiredBy?.includes('run') === true,
      env: s.env[0] ?? '',
      flag: `--${s.name}`,
    });
  }
  return out;
}
