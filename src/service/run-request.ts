// The body of POST /v1/runs: {"mode": "plan" | "run", "options": {"target-version": "9.5.4", ...}}
// with the flag names as keys, each value validated by the same schema as the command line's. The
// options are laid over the settings the service was started with.

import { createSettingsSchema, combinationIssues, missingIssues, parseSettings, type SettingIssue } from '../app/settings-schema.ts';
import { SETTINGS, requiredFor, type SettingName, type Settings, type SettingSpec } from '../app/settings.ts';
import { closest } from '../app/suggest.ts';
import type { RunSpec } from './run-manager.ts';
import type { ValidateRunRequest } from './server.ts';

export interface ServiceRunSpec extends RunSpec {
  /** The run's validated settings: the service's, with the request's laid over them. */
  settings: Settings;
}

/** Settings that mean nothing to a run started over HTTP. */
const notForRuns = (s: SettingSpec): boolean => s.request === 'local' || s.request === 'listener';
/** And those only the service's own settings may point elsewhere (its credentials go there). */
const refusedInRequest = (s: SettingSpec): boolean => notForRuns(s) || s.name === 'aws-endpoint' || s.name === 'es-ca-file';

const runSettings = (keep: (s: SettingSpec) => boolean): SettingName[] =>
  (SETTINGS as readonly SettingSpec[]).filter((s) => s.commands.includes('run') && keep(s)).map((s) => s.name as SettingName);
const INHERITED_KEYS = runSettings((s) => !notForRuns(s));
const REQUEST_KEYS = runSettings((s) => !refusedInRequest(s));
const KNOWN: readonly string[] = SETTINGS.map((s) => s.name);
const REFUSED = new Set<string>((SETTINGS as readonly SettingSpec[]).filter(refusedInRequest).map((s) => s.name));

/** Every default, parsed: the base a run's settings start from. */
const DEFAULTS: Settings = (() => {
  const parsed = parseSettings({});
  if (!parsed.success) throw new Error('the defaults of the setting table do not validate');
  return parsed.data;
})();

const requestSchema = createSettingsSchema({ keys: REQUEST_KEYS, defaults: false });

export function createRunRequestValidator(serviceSettings: Partial<Settings> = {}): ValidateRunRequest<ServiceRunSpec> {
  const inherited = pick(serviceSettings, INHERITED_KEYS);
  return (body) => {
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
      if (!KNOWN.includes(key)) {
        const hint = closest(key, KNOWN);
        issues.push(`options.${key}: is not a setting${hint ? ` (did you mean ${hint}?)` : ''}; the keys are the flag names, e.g. target-version`);
        delete given[key];
      } else if (REFUSED.has(key)) {
        issues.push(`options.${key}: is not accepted by the service`);
        delete given[key];
      }
    }
    const parsed = requestSchema.safeParse(given, { reportInput: true });
    if (!parsed.success) issues.push(...parsed.error.issues.map(describe));
    if (issues.length > 0 || !parsed.success) return { ok: false, issues };

    const settings = mergeRunSettings(inherited, parsed.data);
    const problems = [...missingIssues(settings, requiredFor('run')), ...combinationIssues(settings)];
    if (problems.length > 0) return { ok: false, issues: problems.map(describe) };
    return {
      ok: true,
      spec: { mode: mode as 'plan' | 'run', clusterKey: clusterKeyOf(settings['es-url'] ?? []), settings },
    };
  };
}

const ES_CREDENTIALS = ['es-api-key', 'es-username', 'es-password'] as const;

/**
 * A request's settings over the service's, over the defaults. Credentials of the service's cluster
 * never follow a request to other Elasticsearch URLs: they are dropped unless it keeps the same URLs.
 */
export function mergeRunSettings(service: Partial<Settings>, request: Partial<Settings>): Settings {
  const merged: Settings = { ...DEFAULTS, ...service, ...request };
  const otherCluster = request['es-url'] !== undefined && clusterKeyOf(request['es-url']) !== clusterKeyOf(service['es-url'] ?? []);
  const ownCredentials = ES_CREDENTIALS.some((k) => request[k] !== undefined);
  if (otherCluster || ownCredentials) {
    for (const k of ES_CREDENTIALS) if (request[k] === undefined) delete merged[k];
  }
  return merged;
}

/** One key per cluster whatever the order or spelling of its URLs. */
export function clusterKeyOf(urls: readonly string[]): string {
  return [...new Set(urls.map((u) => new URL(u).href.replace(/\/$/, '')))].sort().join(',');
}

function describe(issue: SettingIssue | { path: PropertyKey[]; message: string }): string {
  const where = issue.path.length > 0 ? `options.${issue.path.map(String).join('.')}` : 'options';
  return `${where}: ${issue.message}`;
}

function pick(settings: Partial<Settings>, keys: readonly SettingName[]): Partial<Settings> {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (settings[key] !== undefined) out[key] = settings[key];
  return out;
}
