// Bearer-token authentication of the service: one shared token from ESRU_SERVICE_TOKEN, compared in
// constant time (equal-length digests through timingSafeEqual, so neither content nor length leaks).

import { createHash, timingSafeEqual } from 'node:crypto';
import { InvalidInputError } from '../shared/errors.ts';

export const SERVICE_TOKEN_ENV = 'ESRU_SERVICE_TOKEN';
export const MIN_TOKEN_LENGTH = 16;

/** The service token from the environment; the service refuses to start without a usable one. */
export function serviceTokenFromEnv(env: NodeJS.ProcessEnv): string {
  const token = env[SERVICE_TOKEN_ENV]?.trim() ?? '';
  if (token.length < MIN_TOKEN_LENGTH) {
    throw new InvalidInputError(
      `${SERVICE_TOKEN_ENV} must be set to a secret of at least ${MIN_TOKEN_LENGTH} characters (e.g. openssl rand -hex 32) to start the service`,
    );
  }
  return token;
}

export type AuthResult = 'ok' | 'missing' | 'invalid';

/** Judge an Authorization header against the expected token. */
export function checkBearer(header: string | undefined, token: string): AuthResult {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  if (!match?.[1]) return 'missing';
  return timingSafeEqual(digest(match[1]), digest(token)) ? 'ok' : 'invalid';
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
