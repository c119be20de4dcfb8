// Secrets never reach logs, errors or reports. Keys listed here are censored by pino; redactSecrets()
// scrubs free text (error messages from SDKs can echo URLs with credentials or auth headers).

export const REDACT_PATHS = [
  '*.password',
  '*.apiKey',
  '*.api_key',
  '*.authorization',
  '*.Authorization',
  '*.secretAccessKey',
  '*.sessionToken',
  '*.token',
  'config.esPassword',
  'config.esApiKey',
  'headers.authorization',
];

const secrets = new Set<string>();

/** Register a secret value so it is scrubbed from any text passed to redactSecrets(). */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 4) secrets.add(value);
}

export function redactSecrets(text: string): string {
  let out = text
    // user:password@ in URLs
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+:[^/\s@]+@/gi, '$1[redacted]@')
    // Authorization headers
    .replace(/(authorization["']?\s*[:=]\s*["']?)(basic|bearer|apikey)\s+[A-Za-z0-9+/=._~-]+/gi, '$1$2 [redacted]');
  for (const s of secrets) out = out.split(s).join('[redacted]');
  return out;
}
