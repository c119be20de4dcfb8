// The one schema every setting passes through, whatever its source (flag, environment, file, service
// request), built from the table: each setting's value schema, its default, and the checks that
// judge settings together (one way to authenticate, a lease long enough for the poll interval).

import * as z from 'zod';
import { EVENTS_TO_STDOUT, SETTINGS, type SettingName, type Settings, type SettingSpec } from './settings.ts';

export interface SchemaOptions {
  /** Settings the caller cannot do without: missing ones are reported with the other problems. */
  required?: readonly SettingName[];
  /** Only these keys are accepted (default: every setting); any other is an unrecognised key. */
  keys?: readonly SettingName[];
  /** Fill unset settings with their defaults (default true); false for a service request, laid over the service's settings. */
  defaults?: boolean;
}

export interface SettingIssue {
  path: PropertyKey[];
  message: string;
  params?: Record<string, unknown>;
}

/** Problems between settings that are each valid alone; run on the merged settings. */
export function combinationIssues(c: Partial<Record<SettingName, unknown>>): SettingIssue[] {
  const issues: SettingIssue[] = [];
  if (c['es-api-key'] !== undefined && (c['es-username'] !== undefined || c['es-password'] !== undefined)) {
    issues.push({ path: ['es-api-key'], message: 'cannot be combined with --es-username/--es-password: choose one way to authenticate' });
  }
  if (c['es-username'] !== undefined && c['es-password'] === undefined) {
    issues.push({ path: ['es-password'], message: 'is required with --es-username' });
  }
  if (c['es-password'] !== undefined && c['es-username'] === undefined) {
    issues.push({ path: ['es-username'], message: 'is required with --es-password' });
  }
  if (c.events === EVENTS_TO_STDOUT && c.output === 'json') {
    issues.push({
      path: ['events'],
      message: 'writes the events to stdout, where --output json would write the report: send the events to a file, or read the report from the last event (type "finished") or from --report FILE',
    });
  }
  issues.push(...breakIssues(c));
  return issues;
}

/** Breaking a lease stops whoever holds it: it takes a reason for the record and an explicit --force. */
function breakIssues(c: Partial<Record<SettingName, unknown>>): SettingIssue[] {
  if (c.break === true) {
    return [
      ...(c.force === true ? [] : [{ path: ['force'], message: 'is required with --break: breaking the lease stops the controller that holds it', params: { missing: true } }]),
      ...(c.reason === undefined ? [{ path: ['reason'], message: 'is required with --break: say why (it is stored in the lease for whoever looks next)', params: { missing: true } }] : []),
    ];
  }
  const strays = (['reason', 'force', 'even-if-alive'] as const).filter((key) => (key === 'reason' ? c.reason !== undefined : c[key] === true));
  return strays.map((key) => ({ path: [key], message: 'is used only with --break', params: { aboutFlag: true } }));
}

/** Required settings that are missing (or empty lists). */
export function missingIssues(c: Partial<Record<SettingName, unknown>>, required: readonly SettingName[]): SettingIssue[] {
  return required
    .filter((key) => {
      const value = c[key];
      return value === undefined || (Array.isArray(value) && value.length === 0);
    })
    .map((key) => ({ path: [key], message: 'is required', params: { missing: true } }));
}

function fieldSchema(s: SettingSpec, withDefault: boolean): z.ZodType {
  // prefault: the raw default goes through the same schema as a given value (a duration "2h" becomes ms).
  return withDefault && s.default !== undefined ? s.value.schema.prefault(s.default) : s.value.schema.optional();
}

/** The schema of the settings; its output is `Settings` (see parseSettings for the typed result). */
export function createSettingsSchema({ required = [], keys, defaults = true }: SchemaOptions = {}) {
  const wanted = new Set<string>(keys ?? SETTINGS.map((s) => s.name));
  const shape: Record<string, z.ZodType> = {};
  for (const s of SETTINGS as readonly SettingSpec[]) if (wanted.has(s.name)) shape[s.name] = fieldSchema(s, defaults);
  return z
    .object(shape)
    .strict()
    .superRefine(
      (c, ctx) => {
        const values = c as Partial<Record<SettingName, unknown>>;
        for (const issue of [...missingIssues(values, required), ...combinationIssues(values)]) {
          ctx.addIssue({ code: 'custom', ...issue });
        }
      },
      // Report a missing setting together with the bad ones, not only once the others are fixed.
      { when: () => true },
    );
}

export type ParseResult<T> = { success: true; data: T } | { success: false; error: z.ZodError };

/** Validate raw settings (flag names as keys) into `Settings`. */
export function parseSettings(raw: unknown, options: Omit<SchemaOptions, 'defaults'> = {}): ParseResult<Settings> {
  const result = createSettingsSchema(options).safeParse(raw, { reportInput: true });
  return result.success ? { success: true, data: result.data as Settings } : { success: false, error: result.error };
}
