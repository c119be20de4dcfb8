// redactSecrets scrubs a registered secret in every form it travels in: what an Authorization
// header carries, what a server decodes from it, and how URLs, forms and JSON spell it.

import { describe, expect, it } from 'vitest';
import { redactSecrets, registerCredentials, registerSecret } from '../../src/shared/redact.ts';

// Unique values: the registry is process-wide.
const USER = 'upgrader';
const PASSWORD = 'redact-T3st pw/&+"=';
const API_ID = 'VuaCfGcBCdbkQm-e5aOx';
const API_SECRET = 'ui2lp2axTNmsyakw9tvNnw';
const API_KEY = Buffer.from(`${API_ID}:${API_SECRET}`).toString('base64');
const RAW_KEY = 'rawid-0001:raw-secret-part-0001';

registerCredentials(USER, PASSWORD);
registerSecret(API_KEY);
registerSecret(RAW_KEY);

const basic = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');

const forms: [string, string][] = [
  ['the password', PASSWORD],
  ['the password percent-encoded', encodeURIComponent(PASSWORD)],
  ['the password form-encoded', new URLSearchParams({ p: PASSWORD }).toString().slice(2)],
  ['the password JSON-escaped', JSON.stringify(PASSWORD).slice(1, -1)],
  ['the Basic header value', `Basic ${basic}`],
  ['the Basic credential without padding', basic.replace(/=+$/, '')],
  ['the Basic credential, URL-safe base64', Buffer.from(`${USER}:${PASSWORD}`).toString('base64url')],
  ['the Basic credential percent-encoded', encodeURIComponent(basic)],
  ['the API key header value', `ApiKey ${API_KEY}`],
  ['the API key percent-encoded', encodeURIComponent(API_KEY)],
  ['the API key decoded to id:key', `${API_ID}:${API_SECRET}`],
  ['the secret part of the API key', API_SECRET],
  ['an id:key API key given raw, as base64', Buffer.from(RAW_KEY).toString('base64')],
];

describe('redactSecrets', () => {
  it.each(forms)('scrubs %s, wherever it stands in the text', (_name, form) => {
    const text = `security_exception: unable to authenticate with [${form}] for user [${USER}]`;
    const out = redactSecrets(text);
    expect(out).toContain('[redacted]');
    expect(out).not.toContain(form);
    expect(out).toContain(`for user [${USER}]`);
  });

  it('leaves the API key id and the user name, which are not secret', () => {
    expect(redactSecrets(`key ${API_ID} of ${USER}`)).toBe(`key ${API_ID} of ${USER}`);
  });

  it('leaves nothing of a longer form behind when a shorter one sits inside it', () => {
    const out = redactSecrets(`decoded ${USER}:${PASSWORD}; header Basic ${basic}`);
    expect(out).toBe(`decoded ${USER}:[redacted]; header Basic [redacted]`);
  });
});
