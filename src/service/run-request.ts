// The body of POST /v1/runs, validated by the same schema as the CLI's flags, environment and config
// file: {"mode": "plan" | "run", "options": {"es-url": [...], "target-version": "9.5.4", ...}} with
// the flag names as keys. Settings the service was started with (e.g. credentials from its
// environment) are defaults a request may override.

import { createConfigSchema, type ValidConfig } from '../cli/config-schema.ts';
import { mergeRunOptions } from './run-defaults.ts';
import type { RunSpec } from './run-manager.ts';
import type { ValidateRunRequest } from './server.ts';

export interface ServiceRunSpec extends RunSpec {
  config: ValidConfig;
}

/**
 * Settings that mean something to a terminal, a local file or the service's own listener, not to a
 * run started over HTTP; and the AWS endpoint, which only the service's own settings may point
 * elsewhere (its credentials go there).
 */
const NOT_FOR_SERVICE = ['report', 'output', 'log-level', 'yes', 'progress', 'dry-run', 'host', 'port', 'aws-endpoint', 'es-ca-file'];

const schema = createConfigSchema({ required: ['es-url', 'region', 'target-version'] });

export function createRunRequestValidator(defaults: Record<string, unknown> = {}): ValidateRunRequest<ServiceRunSpec> {
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
    const given = (options ?? {}) as Record<string, unknown>;
    for (const key of NOT_FOR_SERVICE) {
      if (key in given) issues.push(`options.${key}: is not accepted by the service`);
    }
    const parsed = schema.safeParse(mergeRunOptions(defaults, given));
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const where = issue.path.length > 0 ? `options.${issue.path.join('.')}` : 'options';
        issues.push(`${where}: ${issue.message}`);
      }
    }
    if (issues.length > 0 || !parsed.success) return { ok: false, issues };
    const config = parsed.data;
    return {
      ok: true,
      spec: { mode: mode as 'plan' | 'run', clusterKey: clusterKeyOf(config['es-url'] ?? []), config },
    };
  };
}

/** One key per cluster whatever the order or spelling of its URLs. */
export function clusterKeyOf(urls: string[]): string {
  return [...new Set(urls.map((u) => new URL(u).href.replace(/\/$/, '')))].sort().join(',');
}
