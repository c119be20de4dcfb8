import { describe, expect, it } from 'vitest';
import type { EsConnection } from '../../src/app/config.ts';
import { parseSettings } from '../../src/app/settings-schema.ts';
import { SETTINGS, type Settings, type SettingSpec } from '../../src/app/settings.ts';
import { createRunRequestValidator, type ServiceRunSpec } from '../../src/service/run-request.ts';
import { RunManager } from '../../src/service/run-manager.ts';
import { ServiceMetrics } from '../../src/service/metrics.ts';
import { ServiceError } from '../../src/shared/errors.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { aReport } from '../support/report-builder.ts';

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

/** A cluster answering GET / with one UUID, whatever URLs reach it; records what it was asked. */
function fakeCluster(uuid = 'cluster-uuid-1') {
  const asked: EsConnection[] = [];
  return {
    asked,
    identifyCluster: (es: EsConnection) => {
      asked.push(es);
      return Promise.resolve(uuid);
    },
  };
}

describe('a request over the service settings', () => {
  const cluster = fakeCluster();
  const validate = createRunRequestValidator({ settings: serviceSettings, identifyCluster: cluster.identifyCluster });

  it('inherits the service settings and overrides what it gives', async () => {
    const result = await validate({ mode: 'plan', options: { 'target-version': '9.5.4', strategy: 'drain' } });
    expect(result.ok && result.spec.settings).toMatchObject({
      'es-url': ['https://es-1:9200', 'https://es-2:9200'],
      'es-password': 'default-secret-pw',
      'aws-endpoint': 'http://moto:5000',
      strategy: 'drain',
      order: 'data-first',
      'node-join-timeout': 25 * 60_000,
    });
    expect(result.ok && result.spec).toMatchObject({ clusterKey: 'cluster-uuid-1', clusterLabel: 'https://es-1:9200,https://es-2:9200' });
    expect(cluster.asked.at(-1)).toMatchObject({ urls: ['https://es-1:9200', 'https://es-2:9200'], username: 'upgrader', tlsVerify: true });
  });

  it('takes dry-run as a plan', async () => {
    const result = await validate({ mode: 'run', options: { 'target-version': '9.5.4', 'dry-run': true } });
    expect(result.ok && result.spec.mode).toBe('plan');
  });

  const refused = (SETTINGS as readonly SettingSpec[]).filter((s) => s.request !== 'allowed');
  const sample: Record<string, unknown> = {
    'es-url': 'https://elsewhere:9200',
    'es-api-key': 'cmVxdWVzdDprZXk=',
    'es-username': 'attacker',
    'es-password': 'request-secret-pw',
    'es-ca-file': '/etc/passwd',
    'tls-verify': false,
    region: 'us-east-1',
    profile: 'admin',
    'aws-endpoint': 'http://attacker:5000',
    report: '/etc/passwd',
    output: 'json',
    'log-level': 'trace',
    yes: true,
    progress: false,
    octopus: true,
    'octopus-delete-targets': 'es-{instanceId}',
    host: '0.0.0.0',
    port: 9000,
    html: '/tmp/report.html',
    events: '-',
    'disable-rule': ['cluster_not_red'],
    watch: '10s',
    break: true,
    reason: 'a request may not break a lease',
    force: true,
    'even-if-alive': true,
  };

  it('knows a sample value of every setting a request may not set', () => {
    expect(refused.length).toBeGreaterThan(10);
    expect(refused.map((s) => s.name).sort()).toEqual(Object.keys(sample).sort());
  });

  it.each(refused.map((s) => [s.name, s.request] as const))('options.%s is refused (%s) with the reason, its value unsaid', async (name, reason) => {
    const asked = cluster.asked.length;
    const result = await validate({ mode: 'run', options: { 'target-version': '9.5.4', [name]: sample[name] } });
    expect(result.ok).toBe(false);
    const issues = result.ok ? [] : result.issues;
    const why: Record<string, string> = {
      connection: 'is a connection setting of the service: a run uses the cluster, credentials and TLS settings the service was started with',
      local: 'means something only on a command line',
      operator: 'disables a safety rule: only the operator who starts the service may',
      listener: 'is where the service itself listens',
    };
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(new RegExp(`^options\\.${name}: may not be set by a request: it `));
    expect(issues[0]).toContain(why[reason]);
    expect(JSON.stringify(issues)).not.toContain(String(sample[name]));
    expect(cluster.asked.length).toBe(asked);
  });

  it('names an unknown option with a suggestion', async () => {
    const result = await validate({ mode: 'run', options: { 'target-versoin': '9.5.4' } });
    expect(result).toEqual({
      ok: false,
      issues: ['options.target-versoin: is not a setting (did you mean target-version?); the keys are the flag names, e.g. target-version'],
    });
  });

  it('without a cluster in the service settings, says so', async () => {
    const bare = createRunRequestValidator({ settings: {}, identifyCluster: fakeCluster().identifyCluster });
    const result = await bare({ mode: 'run', options: { 'target-version': '9.5.4' } });
    expect(result).toEqual({
      ok: false,
      issues: [
        'es-url: the service was started without --es-url (ESRU_ES_URL), and a request may not set it',
        'region: the service was started without --region (AWS_REGION or AWS_DEFAULT_REGION), and a request may not set it',
      ],
    });
  });

  it('a cluster that cannot be identified is 502, its error redacted', async () => {
    const failing = createRunRequestValidator({
      settings: serviceSettings,
      identifyCluster: () => Promise.reject(new ServiceError('elasticsearch', 'GET / failed: connect ECONNREFUSED https://upgrader:default-secret-pw@es-1:9200')),
    });
    const result = await failing({ mode: 'run', options: { 'target-version': '9.5.4' } });
    expect(result).toMatchObject({ ok: false, status: 502 });
    const text = JSON.stringify(result);
    expect(text).toContain('cannot tell which cluster https://es-1:9200, https://es-2:9200 is');
    expect(text).not.toContain('default-secret-pw');
  });
});

describe('one run per cluster, by its UUID', () => {
  it('a second run for the same cluster under another spelling of its URLs is a conflict with the first', async () => {
    // Two spellings of one cluster: a host name and an IP, another node, a trailing slash.
    const cluster = fakeCluster('Xq3b7eU1Rj2pL0aE');
    const byName = createRunRequestValidator({ settings: validSettings({ 'es-url': 'https://es-1.internal:9200', region: 'eu-west-1' }), ...cluster });
    const byAddress = createRunRequestValidator({ settings: validSettings({ 'es-url': 'https://10.0.0.5:9200/,https://10.0.0.6:9200', region: 'eu-west-1' }), ...cluster });
    const manager = new RunManager<ServiceRunSpec>(() => new Promise(() => undefined), { metrics: new ServiceMetrics(), log: silentLogger() });

    const first = await byName({ mode: 'run', options: { 'target-version': '9.5.4' } });
    const second = await byAddress({ mode: 'plan', options: { 'target-version': '9.5.4' } });
    if (!first.ok || !second.ok) throw new Error('both requests are valid');
    expect(first.spec.clusterLabel).not.toBe(second.spec.clusterLabel);

    const started = manager.start(first.spec);
    const conflict = manager.start(second.spec);
    expect(started.started).toBe(true);
    expect(conflict).toMatchObject({ started: false, conflict: { id: started.started ? started.run.id : '', spec: { clusterKey: 'Xq3b7eU1Rj2pL0aE' } } });
  });

  it('two clusters (two UUIDs) may run at the same time', () => {
    const manager = new RunManager<ServiceRunSpec>(() => Promise.resolve(aReport('completed').build()), { metrics: new ServiceMetrics(), log: silentLogger() });
    const spec = (uuid: string): ServiceRunSpec => ({ mode: 'run', clusterKey: uuid, clusterLabel: 'https://es:9200', settings: serviceSettings });
    expect(manager.start(spec('uuid-a')).started).toBe(true);
    expect(manager.start(spec('uuid-b')).started).toBe(true);
  });
});
