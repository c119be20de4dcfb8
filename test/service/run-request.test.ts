import { describe, expect, it } from 'vitest';
import { parseSettings } from '../../src/app/settings-schema.ts';
import type { Settings } from '../../src/app/settings.ts';
import { createRunRequestValidator, mergeRunSettings } from '../../src/service/run-request.ts';

const serveSettings = {
  'es-url': 'https://es-1:9200,https://es-2:9200',
  'es-username': 'upgrader',
  'es-password': 'default-secret-pw',
  region: 'eu-west-1',
  'aws-endpoint': 'http://moto:5000',
  match: 'node-attribute:instance_id',
  order: 'data-first',
  'node-join-timeout': '25m',
  'poll-interval': '2s',
  'group-name': 'es-data,es-master',
};
function validSettings(raw: Record<string, unknown>): Settings {
  const parsed = parseSettings(raw);
  if (!parsed.success) throw parsed.error;
  return parsed.data;
}
const serviceSettings = validSettings(serveSettings);

describe('a request over the service defaults', () => {
  const validate = createRunRequestValidator(serviceSettings);

  it('inherits the service settings and overrides what it gives', () => {
    const result = validate({ mode: 'plan', options: { 'target-version': '9.5.4', strategy: 'drain' } });
    expect(result.ok && result.spec.settings).toMatchObject({
      'es-url': ['https://es-1:9200', 'https://es-2:9200'],
      'es-password': 'default-secret-pw',
      'aws-endpoint': 'http://moto:5000',
      strategy: 'drain',
      order: 'data-first',
      'node-join-timeout': 25 * 60_000,
    });
    expect(result.ok && result.spec.clusterKey).toBe('https://es-1:9200,https://es-2:9200');
  });

  it('the default credentials do not follow a request to another cluster', () => {
    const result = validate({ mode: 'run', options: { 'target-version': '9.5.4', 'es-url': 'https://elsewhere:9200' } });
    expect(result.ok).toBe(true);
    expect(result.ok && result.spec.settings).not.toHaveProperty('es-password');
    expect(result.ok && result.spec.settings).not.toHaveProperty('es-username');
  });

  it('nor mix with credentials the request brings', () => {
    const merged = mergeRunSettings(serviceSettings, { 'es-api-key': 'request-key' });
    expect(merged).toMatchObject({ 'es-api-key': 'request-key' });
    expect(merged).not.toHaveProperty('es-password');
  });

  it('the address and port are the service\'s own', () => {
    const result = validate({ mode: 'plan', options: { 'target-version': '9.5.4', host: '0.0.0.0', port: 9000 } });
    expect(result).toEqual({ ok: false, issues: ['options.host: is not accepted by the service', 'options.port: is not accepted by the service'] });
  });

  it('the AWS endpoint is the service\'s to set', () => {
    const result = validate({ mode: 'run', options: { 'target-version': '9.5.4', 'aws-endpoint': 'http://attacker:5000' } });
    expect(result).toEqual({ ok: false, issues: ['options.aws-endpoint: is not accepted by the service'] });
  });
});
