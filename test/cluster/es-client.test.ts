import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEsClient } from '../../src/cluster/es-client.ts';
import { InvalidInputError } from '../../src/shared/errors.ts';
import { redactSecrets } from '../../src/shared/redact.ts';

interface PoolConnection {
  url: URL;
  headers: Record<string, string>;
  tls: { ca?: string; rejectUnauthorized?: boolean } | null;
}

function connectionsOf(client: ReturnType<typeof createEsClient>): PoolConnection[] {
  return (client.connectionPool as unknown as { connections: PoolConnection[] }).connections;
}

describe('createEsClient', () => {
  it('keeps every given node, so losing the one it talks to is not fatal', () => {
    const client = createEsClient({ nodes: ['http://10.0.0.1:9200', 'http://10.0.0.2:9200', 'http://10.0.0.3:9200'] });

    expect(connectionsOf(client).map((c) => c.url.host)).toEqual(['10.0.0.1:9200', '10.0.0.2:9200', '10.0.0.3:9200']);
  });

  it('authenticates with an API key, preferring it over a password, and registers it as a secret', () => {
    const client = createEsClient({ nodes: ['https://es:9200'], apiKey: 'VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==', username: 'elastic', password: 'pw-not-used' });

    expect(connectionsOf(client)[0]?.headers.authorization).toBe('ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==');
    expect(redactSecrets('key VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw== leaked')).toBe('key [redacted] leaked');
  });

  it('authenticates with username and password, registering the password as a secret', () => {
    const client = createEsClient({ nodes: ['https://es:9200'], username: 'elastic', password: 'correct-horse-battery' });

    const expected = `Basic ${Buffer.from('elastic:correct-horse-battery').toString('base64')}`;
    expect(connectionsOf(client)[0]?.headers.authorization).toBe(expected);
    expect(redactSecrets('password correct-horse-battery')).toBe('password [redacted]');
  });

  it('trusts a custom CA file and can skip verification when asked', () => {
    const dir = mkdtempSync(join(tmpdir(), 'es-ca-'));
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');

    const client = createEsClient({ nodes: ['https://es:9200'], caFile, rejectUnauthorized: false });

    expect(connectionsOf(client)[0]?.tls).toMatchObject({ ca: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n', rejectUnauthorized: false });
  });

  it('verifies certificates by default', () => {
    const client = createEsClient({ nodes: ['https://es:9200'] });

    expect(connectionsOf(client)[0]?.tls).toMatchObject({ rejectUnauthorized: true });
  });

  it('rejects an unreadable CA file or a bad URL as invalid input, without echoing URL credentials', () => {
    expect(() => createEsClient({ nodes: ['https://es:9200'], caFile: '/nonexistent/ca.pem' })).toThrow(InvalidInputError);
    expect(() => createEsClient({ nodes: ['http//user:s3cret-pw@es'] })).toThrow(InvalidInputError);
    expect(() => createEsClient({ nodes: ['http//user:s3cret-pw@es'] })).not.toThrow(/s3cret-pw/);
    expect(() => createEsClient({ nodes: [] })).toThrow(InvalidInputError);
  });
});
