// Translates AWS SDK v3 errors at the edge: the error code and a clean message, nothing else.

import { ServiceError } from '../shared/errors.ts';
import { redactSecrets } from '../shared/redact.ts';
import { isTransientError } from '../shared/retry.ts';

interface AwsErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  $metadata?: { httpStatusCode?: unknown; requestId?: unknown };
}

/** The AWS error code (the exception name), e.g. "ValidationError", "ThrottlingException". */
export function awsErrorCodeOf(error: unknown): string {
  const e = (error ?? {}) as AwsErrorLike;
  if (typeof e.code === 'string' && e.name === 'Error') return e.code;
  return typeof e.name === 'string' ? e.name : 'UnknownError';
}

/** `transient` defaults to whether the failure may heal by waiting (see isTransientError). */
export function toAwsServiceError(error: unknown, operation: string, transient = isTransientError(error)): ServiceError {
  const e = (error ?? {}) as AwsErrorLike;
  const status = e.$metadata?.httpStatusCode;
  const requestId = e.$metadata?.requestId;
  const message = typeof e.message === 'string' ? e.message : String(error);
  const details = [typeof status === 'number' ? `HTTP ${status}` : '', typeof requestId === 'string' ? `request ${requestId}` : '']
    .filter(Boolean)
    .join(', ');
  const text = `${operation} failed: ${awsErrorCodeOf(error)}: ${message}${details ? ` (${details})` : ''}`;
  return new ServiceError('aws', redactSecrets(text).slice(0, 1000), { transient });
}
