// Retries for adapters: exponential backoff with jitter, only for failures that can heal by waiting
// (a node restarting, a throttled API, a 5xx). Classification is by name, code and status so this
// file imports no SDK; adapters translate errors only after retries are exhausted.

import pRetry from 'p-retry';
import type { Logger } from './log.ts';
import { redactSecrets } from './redact.ts';

export interface RetryOptions {
  /** Retries after the first attempt (default 5). */
  retries?: number;
  /** Delay before the first retry (default 250 ms); doubles each retry. */
  minDelayMs?: number;
  /** Cap on one delay (default 10 s). */
  maxDelayMs?: number;
  /** Give up retrying after this long overall (default: no limit). */
  maxRetryTimeMs?: number;
  /** Multiply each delay by a random 1..2 so controllers don't retry in lockstep (default true). */
  jitter?: boolean;
}

export interface RetryContext {
  log: Logger;
  /** What is being attempted, for the debug line, e.g. "GET _cluster/health". */
  what: string;
  options?: RetryOptions | undefined;
  signal?: AbortSignal | undefined;
  /** Override the transient test (e.g. a call that must not repeat on a timeout). */
  isRetryable?: (error: unknown) => boolean;
}

/** Node socket errors seen while a node is stopping, restarting or gone. */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
]);

const TRANSIENT_NAMES = new Set([
  // @elastic/transport
  'ConnectionError',
  'TimeoutError',
  'NoLivingConnectionsError',
  // AWS SDK v3 (throttling and server-side transient codes)
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'EC2ThrottledException',
  'BandwidthLimitExceeded',
  'SlowDown',
  'PriorRequestNotComplete',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  // Auto Scaling: another activity is under way on the group; try again later.
  'ScalingActivityInProgressFault',
  'ResourceContentionFault',
]);

const TRANSIENT_STATUS = new Set([429, 502, 503, 504]);

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  statusCode?: unknown;
  cause?: unknown;
  $fault?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/**
 * A certificate the client does not trust (wrong CA, self-signed, expired, wrong host name): a
 * set-up problem that waiting will not heal, though it surfaces as a connection error.
 */
const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
const TLS_MESSAGE = /self[- ]signed certificate|unable to verify the first certificate|unable to get (local )?issuer certificate|certificate has expired|does not match certificate's altnames/i;

function isCertificateError(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  const e = error as ErrorLike & { message?: unknown };
  if (typeof e.code === 'string' && TLS_CODES.has(e.code)) return true;
  if (typeof e.message === 'string' && TLS_MESSAGE.test(e.message)) return true;
  return isCertificateError(e.cause, depth + 1);
}

/** True for failures worth retrying; never for 4xx validation, auth or conflict errors, nor an untrusted certificate. */
export function isTransientError(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  if (depth === 0 && isCertificateError(error)) return false;
  const e = error as ErrorLike;
  if (typeof e.name === 'string' && TRANSIENT_NAMES.has(e.name)) return true;
  if (typeof e.code === 'string' && TRANSIENT_CODES.has(e.code)) return true;
  if (typeof e.statusCode === 'number' && TRANSIENT_STATUS.has(e.statusCode)) return true;
  const awsStatus = e.$metadata?.httpStatusCode;
  if (typeof awsStatus === 'number' && (awsStatus === 429 || awsStatus >= 500)) return true;
  if (e.$retryable !== undefined || e.$fault === 'server') return true;
  return isTransientError(e.cause, depth + 1);
}

/** Run `operation`, retrying transient failures with exponential backoff and jitter. */
export async function withRetry<T>(operation: (attempt: number) => Promise<T>, context: RetryContext): Promise<T> {
  const o = context.options ?? {};
  const retryable = context.isRetryable ?? isTransientError;
  return pRetry(operation, {
    retries: o.retries ?? 5,
    minTimeout: o.minDelayMs ?? 250,
    maxTimeout: o.maxDelayMs ?? 10_000,
    maxRetryTime: o.maxRetryTimeMs ?? Infinity,
    factor: 2,
    randomize: o.jitter ?? true,
    signal: context.signal,
    shouldRetry: ({ error, attemptNumber, retriesLeft, retryDelay }) => {
      if (!retryable(error)) return false;
      context.log.debug(
        { attempt: attemptNumber, retriesLeft, delayMs: retryDelay, error: redactSecrets(describeError(error)) },
        `retrying ${context.what}`,
      );
      return true;
    },
  });
}

function describeError(error: Error): string {
  const code = (error as ErrorLike).code;
  return `${error.name}: ${error.message}${typeof code === 'string' ? ` (${code})` : ''}`;
}
