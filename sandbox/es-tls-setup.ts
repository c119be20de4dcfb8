// `up --tls`: certificates, a user with a random password and an API key for the TLS front
// (es-tls-proxy.ts), kept in .sandbox/es-tls/. Secrets live in mode 0600 files, never in state.json
// or in anything printed.

import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EsTlsState } from './sandbox-state.ts';
import { generateTlsMaterial } from './tls-certs.ts';

export const DEFAULT_ES_USERNAME = 'sandbox-admin';

export interface EsTlsSecrets {
  password: string;
  apiKey: { id: string; key: string };
  /** base64("id:key"), what `--es-api-key` / ESRU_ES_API_KEY take. */
  apiKeyEncoded: string;
}

export function prepareEsTls(dir: string, port: number, username = DEFAULT_ES_USERNAME): EsTlsState {
  const material = generateTlsMaterial(dir);
  const passwordFile = join(dir, 'password');
  const apiKeyFile = join(dir, 'api-key');
  writeFileSync(passwordFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
  const apiKey = `sandbox-key:${randomBytes(18).toString('base64url')}`;
  writeFileSync(apiKeyFile, Buffer.from(apiKey).toString('base64'), { mode: 0o600 });
  return { url: `https://127.0.0.1:${port}`, port, ...material, username, passwordFile, apiKeyFile };
}

export function readEsTlsSecrets(tls: EsTlsState): EsTlsSecrets {
  const apiKeyEncoded = readFileSync(tls.apiKeyFile, 'utf8').trim();
  const decoded = Buffer.from(apiKeyEncoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return {
    password: readFileSync(tls.passwordFile, 'utf8').trim(),
    apiKey: { id: decoded.slice(0, colon), key: decoded.slice(colon + 1) },
    apiKeyEncoded,
  };
}
