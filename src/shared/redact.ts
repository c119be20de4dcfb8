// Secrets never reach logs, errors or reports. Keys listed here are censored by pino; redactSecrets()
// scrubs free text (error messages from SDKs can echo URLs with credentials or auth headers).
//
// A secret travels in more forms than the one given: a server that echoes the Authorization header
// into its error shows base64("user:password") or "ApiKey <key>", a decoded API key shows "id:key",
// a URL or a form shows it percent-encoded, a JSON body escaped. Each registered secret is scrubbed
// in all of these forms.

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

/** Shorter derived parts (the id of an API key, say) are not secret and would scrub common words. */
const MIN_LENGTH = 4;
const MIN_DERIVED_LENGTH = 8;

const secrets = new Set<string>();
/** Longest first, so a secret inside a longer one never leaves the rest of the longer one behind. */
let ordered: string[] = [];

function add(forms: Iterable<string>, min: number): void {
  let changed = false;
  for (const form of forms) {
    if (form.length >= min && !secrets.has(form)) {
      secrets.add(form);
      changed = true;
    }
  }
  if (changed) ordered = [...secrets].sort((a, b) => b.length - a.length);
}

/** The text, and how a URL, a form or a JSON string spells it. */
function spellings(text: string): string[] {
  return [text, encodeURIComponent(text), new URLSearchParams({ v: text }).toString().slice(2), JSON.stringify(text).slice(1, -1)];
}

/** Base64 of the text as headers carry it, with and without padding, and its URL-safe variant. */
function base64Forms(text: string): string[] {
  const b64 = Buffer.from(text, 'utf8').toString('base64');
  const unpadded = b64.replace(/=+$/, '');
  return [b64, unpadded, Buffer.from(text, 'utf8').toString('base64url'), ...spellings(b64).slice(1)];
}

/** "id:key" when `value` is the encoded form of an API key, else undefined. */
function decodedApiKey(value: string): string | undefined {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  return /^[\x21-\x7e]+:[\x21-\x7e]+$/.test(decoded) ? decoded : undefined;
}

/**
 * Register a secret value so it is scrubbed from any text passed to redactSecrets(), in every form
 * it may take: percent-encoded and JSON-escaped; for an encoded API key also "id:key" decoded and
 * the key part; for a value "id:key" also its base64.
 */
export function registerSecret(value: string | undefined): void {
  if (!value || value.length < MIN_LENGTH) return;
  add(spellings(value), MIN_LENGTH);
  const decoded = decodedApiKey(value);
  if (decoded !== undefined) {
    const key = decoded.slice(decoded.indexOf(':') + 1);
    add([...spellings(decoded), ...spellings(key)], MIN_DERIVED_LENGTH);
  }
  if (value.includes(':')) add(base64Forms(value), MIN_DERIVED_LENGTH);
}

/** A username and its password: the password, and what an `Authorization: Basic` header carries. */
export function registerCredentials(username: string | undefined, password: string | undefined): void {
  if (!password || password.length < MIN_LENGTH) return;
  registerSecret(password);
  if (username !== undefined) add(base64Forms(`${username}:${password}`), MIN_DERIVED_LENGTH);
}

export function redactSecrets(text: string): string {
  let out = text
    // user:password@ in URLs
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+:[^/\s@]+@/gi, '$1[redacted]@')
    // Authorization headers
    .replace(/(authorization["']?\s*[:=]\s*["']?)(basic|bearer|apikey)\s+[A-Za-z0-9+/=._~-]+/gi, '$1$2 [redacted]');
  for (const s of ordered) out = out.split(s).join('[redacted]');
  return out;
}
