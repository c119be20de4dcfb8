// The body of POST /v1/runs: {"mode": "plan" | "run", "options": {"target-version": "9.5.4", ...}}
// with the flag names as keys, each value validated by the same schema as the command line's. The
// options are laid over the settings the service was started with.
//
// A request may set only the settings the table marks `request: 'allowed'` (the upgrade's own:
// target version, order, strategy, timeouts, dry-run ...). The cluster, its credentials, TLS
// settings, the AWS region, profile and endpoint are the service's: a run started over HTTP goes
// where the service's credentials go, nowhere else.

import { toConfig } from '../app/config.ts';
import type { IdentifyCluster } from '../app/identify-cluster.ts';
import { createSettingsSchema, combinationIssues, missingIssues, parseSettings } from '../app/settings-schema.ts';
import {
  REQUEST_REFUSALS,
  SETTINGS,
  requestSettings,
  requiredFor,
  type SettingName,
  type Settings,
  type SettingSpec,
} from '../app/settings.ts';
import { closest } from '../app/suggest.ts';
import { redactSecrets } from '../shared/redact.ts';
import type { RunSpec } from './run-manager.ts';
import type { ValidationResult } from './server.ts';

export interface ServiceRunSpec extends RunSpec {
  /** The run's validated settings: the service's, with the request's laid over them. */
  settings: Settings;
}

export interface RunRequestOptions {
  /** The settings the service was started with: the cluster, credentials and defaults of every run. */
  settings?: Partial<Settings>;
  /** Reads the cluster's UUID, which keys "one run per cluster"; tests pass their own. */
  identifyCluster: IdentifyCluster;
}

const ALL = SETTINGS as readonly SettingSpec[];
const KNOWN: readonly string[] = ALL.map((s) => s.name);
const REQUEST_KEYS = requestSettings().map((s) => s.name as SettingName);
/** What a run inherits from the service: every setting a run takes that means something over HTTP. */
const INHERITED_KEYS = ALL.filter((s) => s.commands.includes('run') && (s.request === 'allowed' || s.request === 'connection' || s.request === 'operator')).map(
  (s) => s.name as SettingName,
);

/** Every default, parsed: the base a run's settings start from. */
const DEFAULTS: Settings = (() => {
  const parsed = parseSettings({});
  if (!parsed.success) throw new Error('the defaults of the setting table do not validate');
  return parsed.data;
})();

const requestSchema = createSettingsSchema({ keys: REQUEST_KEYS, defaults: false });

/** A quick answer: the request waits for the cluster to say who it is. */
const IDENTIFY_TIMEOUT_MS = 15_000;

export function createRunRequestValidator(options: RunRequestOptions): (body: unknown) => Promise<ValidationResult<ServiceRunSpec>> {
  const inherited = pick(options.settings ?? {}, INHERITED_KEYS);
  return async (body) => {
    const checked = check(body, inherited);
    if (!checked.ok) return checked;
    const { mode, settings } = checked;
    const es = toConfig(settings).connection?.es;
    if (es === undefined) return { ok: false, issues: ['es-url and region: a run needs both'] };
    let uuid: string;
    try {
      uuid = await options.identifyCluster(es, AbortSignal.timeout(IDENTIFY_TIMEOUT_MS));
    } catch (error) {
      const why = redactSecrets(error instanceof Error ? error.message : String(error));
      return { ok: false, status: 502, issues: [`cannot tell which cluster ${es.urls.join(', ')} is (GET / for its UUID): ${why}`] };
    }
    return { ok: true, spec: { mode, clusterKey: uuid, clusterLabel: es.urls.join(','), settings } };
  };
}

type Checked = { ok: true; mode: 'plan' | 'run'; settings: Settings } | (ValidationResult<never> & { ok: false });

/** Everything that needs no network: the shape, the allowlist, the values, the merged settings. */
function check(body: unknown, inherited: Partial<Settings>): Checked {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, issues: ['the body must be an object: {"mode": "plan" | "run", "options": {...}}'] };
  }
  const { mode, options, ...rest } = body as Record<string, unknown>;
  const issues: string[] = Object.keys(rest).map((k) => `${k}: is not a field of a run request (mode, options)`);
  if (mode !== 'plan' && mode !== 'run') issues.push('mode: must be "plan" or "run"');
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    issues.push('options: must be an object whose keys are flag names, e.g. {"target-version": "9.5.4"}');
  }
  const given = { ...((options ?? {}) as Record<string, unknown>) };
  for (const key of Object.keys(given)) {
    const setting = ALL.find((s) => s.name === key);
    if (setting === undefined) {
      const hint = closest(key, KNOWN);
      issues.push(`options.${key}: is not a setting${hint ? ` (did you mean ${hint}?)` : ''}; the keys are the flag names, e.g. target-version`);
      delete given[key];
    } else if (setting.request !== 'allowed') {
      // Never echo the value: it may be a credential.
      issues.push(`options.${key}: may not be set by a request: it ${REQUEST_REFUSALS[setting.request]}`);
      delete given[key];
    }
  }
  const parsed = requestSchema.safeParse(given, { reportInput: true });
  if (!parsed.success) issues.push(...parsed.error.issues.map((i) => describe(i.path, i.message)));
  if (issues.length > 0 || !parsed.success) return { ok: false, issues };

  const request = parsed.data as Partial<Settings>;
  const settings: Settings = { ...DEFAULTS, ...inherited, ...request };
  const problems = [
    ...missingIssues(settings, requiredFor('run')).map((i) => missing(String(i.path[0]))),
    ...combinationIssues(settings).map((i) => describe(i.path, i.message)),
  ];
  if (problems.length > 0) return { ok: false, issues: problems };
  // `dry-run` makes a run a plan, as on the command line.
  return { ok: true, mode: mode === 'run' && !settings['dry-run'] ? 'run' : 'plan', settings };
}

/** A required setting: the request's to give, or the service's to have been started with. */
function missing(key: string): string {
  const setting = ALL.find((s) => s.name === key);
  if (setting?.request === 'allowed') return `options.${key}: is required`;
  const env = setting?.env.join(' or ') ?? '';
  return `${key}: the service was started without --${key}${env ? ` (${env})` : ''}, and a request may not set it`;
}

function describe(path: PropertyKey[], message: string): string {
  const where = path.length > 0 ? `options.${path.map(String).join('.')}` : 'options';
  return `${where}: ${message}`;
}

function pick(settings: Partial<Settings>, keys: readonly SettingName[]): Partial<Settings> {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (settings[key] !== undefined) out[key] = settings[key];
  return out;
}
