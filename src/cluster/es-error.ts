// Translates @elastic/elasticsearch errors at the edge. The client's error `meta` holds the request
// (headers included), so the original error is never attached as `cause`: only a clean message.

import { errors } from '@elastic/elasticsearch';
import { ServiceError } from '../shared/errors.ts';
import { redactSecrets } from '../shared/redact.ts';
import { isTransientError } from '../shared/retry.ts';

interface EsErrorBody {
  error?: string | { type?: string; reason?: string; caused_by?: { type?: string; reason?: string } };
}

/** A ServiceError naming the call, status and Elasticsearch error type/reason, free of secrets. */
export function toEsServiceError(error: unknown, what: string): ServiceError {
  return new ServiceError('elasticsearch', redactSecrets(`${what} failed: ${describeEsError(error)}`).slice(0, 1000), {
    transient: isTransientError(error),
  });
}

/** HTTP status of a ResponseError, undefined for connection-level failures. */
export function esStatusOf(error: unknown): number | undefined {
  return error instanceof errors.ResponseError ? error.statusCode : undefined;
}

/** Elasticsearch error type of a ResponseError, e.g. "version_conflict_engine_exception". */
export function esErrorTypeOf(error: unknown): string | undefined {
  if (!(error instanceof errors.ResponseError)) return undefined;
  const body = error.body as EsErrorBody | undefined;
  return typeof body?.error === 'object' ? body.error.type : undefined;
}

function describeEsError(error: unknown): string {
  if (error instanceof errors.ResponseError) {
    const request = error.meta.meta.request.params;
    const parts = [`HTTP ${error.statusCode ?? '?'}`];
    const body = error.body as EsErrorBody | string | undefined;
    if (typeof body === 'object' && body !== null) {
      const e = body.error;
      if (typeof e === 'string') parts.push(e);
      else if (e) {
        parts.push(`${e.type ?? 'error'}: ${e.reason ?? ''}`.trim());
        if (e.caused_by) parts.push(`caused by ${e.caused_by.type ?? 'error'}: ${e.caused_by.reason ?? ''}`.trim());
      }
    }
    parts.push(`(${request.method} ${request.path})`);
    return parts.join(', ');
  }
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
