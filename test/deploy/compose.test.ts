// docker-compose.yml and the Dockerfile, checked without Docker: `docker-compose config` validates the
// compose file (the Debian package; .ci/setup-system.sh installs it), and its resolved form is held
// to the versions and settings the proving ground runs for real.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SANDBOX_REGION } from '../../sandbox/aws-clients.ts';
import versions from '../../sandbox/versions.json' with { type: 'json' };

const root = join(import.meta.dirname, '../..');
const read = (path: string): string => readFileSync(join(root, path), 'utf8');
const pkg = JSON.parse(read('package.json')) as { name: string; version: string; description: string; license: string };
const hasCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;
if (!hasCompose) console.warn('docker-compose not found: skipping the compose validation (install it: .ci/setup-system.sh)');

const token = 'compose-test-token-0123456789';

function compose(args: string[], env: Record<string, string> = { ESRU_SERVICE_TOKEN: token }) {
  return spawnSync('docker-compose', ['-f', join(root, 'docker-compose.yml'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
  });
}

interface Service {
  image?: string;
  stop_grace_period?: string;
  build?: { context: string; target?: string };
  command?: string[];
  environment?: Record<string, string>;
  profiles?: string[];
  depends_on?: Record<string, { condition: string }>;
}

describe.skipIf(!hasCompose)('docker-compose.yml', () => {
  it('is valid (docker-compose config -q)', () => {
    const result = compose(['config', '-q']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('holds no service token: it must come from the environment', () => {
    const result = compose(['config', '-q'], {});
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('set ESRU_SERVICE_TOKEN');
    expect(read('docker-compose.yml')).toMatch(/^\s+ESRU_SERVICE_TOKEN: \$\{ESRU_SERVICE_TOKEN:\?/m);
  });

  describe('resolved, it matches the proving ground', () => {
    const resolved = (): Record<string, Service> =>
      (parse(compose(['config']).stdout) as { services: Record<string, Service> }).services;

    it('runs the proving ground\'s old Elasticsearch version, and its new one for replacements', () => {
      const services = resolved();
      const es = Object.entries(services).filter(([, s]) => s.image?.startsWith('docker.elastic.co/elasticsearch/elasticsearch:'));
      expect(es.map(([name]) => name).sort()).toEqual(['es-data-1', 'es-data-2', 'es-master-1', 'es-master-2', 'es-master-3', 'es-replacement']);
      for (const [name, s] of es) {
        expect(s.image, name).toBe(`docker.elastic.co/elasticsearch/elasticsearch:${name === 'es-replacement' ? versions.new : versions.old}`);
      }
      expect(services.fleet?.command).toEqual(['seed', versions.old, '3', '2']);
    });

    it('runs moto at the version scripts/setup-moto.sh installs', () => {
      const motoVersion = /moto\[[^\]]*\]==([\d.]+)/.exec(read('scripts/setup-moto.sh'))?.[1];
      expect(motoVersion).toBeDefined();
      expect(resolved().moto?.image).toBe(`motoserver/moto:${motoVersion}`);
    });

    it('gives every node the proving ground\'s settings and heap', async () => {
      const { DEFAULT_HEAP } = await import('../../sandbox/es-node.ts');
      const esNode = read('sandbox/es-node.ts');
      for (const [name, s] of Object.entries(resolved()).filter(([n]) => n.startsWith('es-'))) {
        const env = s.environment ?? {};
        for (const key of ['xpack.security.enabled', 'xpack.ml.enabled', 'cluster.routing.allocation.disk.threshold_enabled']) {
          expect(esNode, key).toContain(`'${key}': false`);
          expect(env[key], `${name} ${key}`).toBe('false');
        }
        expect(env.ES_JAVA_OPTS, name).toContain(`-Xms${DEFAULT_HEAP} -Xmx${DEFAULT_HEAP}`);
        expect(env['cluster.name'], name).toBe('esru');
        expect(s.depends_on?.fleet?.condition, name).toBe('service_completed_successfully');
      }
    });

    it('wires the controller to the nodes and moto the way the proving ground prints its flags', () => {
      const services = resolved();
      const controller = services.controller;
      expect(controller?.build?.target).toBe('runtime');
      expect(controller?.command).toEqual(['serve']);
      const env = controller?.environment ?? {};
      expect(env).toMatchObject({
        AWS_REGION: SANDBOX_REGION,
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        ESRU_AWS_ENDPOINT: 'http://moto:5000',
        ESRU_MATCH: 'node-name',
        ESRU_VERSION_TAG_KEY: 'Version',
        ESRU_GROUP_NAMES: 'esru-master,esru-data',
        ESRU_SERVICE_TOKEN: token,
      });
      for (const url of (env.ESRU_ES_URL ?? '').split(',')) {
        expect(Object.keys(services)).toContain(new URL(url).hostname);
      }
      expect(services.fleet?.environment).toMatchObject({ AWS_REGION: SANDBOX_REGION, AWS_ENDPOINT_URL: 'http://moto:5000' });
      expect(services['es-replacement']?.profiles).toEqual(['replacement']);
    });

    it('gives the controller time to restore allocation after SIGTERM: a stop grace period of 30 s or more', () => {
      const grace = resolved().controller?.stop_grace_period;
      expect(grace).toBeDefined();
      expect(durationSeconds(grace ?? '')).toBeGreaterThanOrEqual(30);
    });
  });
});

/** A compose duration ("90s", "1m30s", "2m") in seconds. */
function durationSeconds(text: string): number {
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s)/g)];
  expect(parts.map((p) => p[0]).join(''), `duration ${text}`).toBe(text);
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * (units[unit ?? ''] ?? NaN), 0);
}

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const stages = [...dockerfile.matchAll(/^FROM (\S+) AS (\S+)$/gm)].map((m) => ({ from: m[1], name: m[2] }));

  it('is multi-stage on Node 24 slim pinned by digest, and compose builds only stages it defines', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24-slim@sha256:[0-9a-f]{64}$/m);
    expect(stages.map((s) => s.name)).toEqual(['build', 'sandbox-tools', 'runtime']);
    expect(stages.at(-1)?.from).toBe('${NODE_IMAGE}');
    for (const target of read('docker-compose.yml').matchAll(/target: ([\w-]+)/g)) {
      expect(stages.map((s) => s.name)).toContain(target[1]);
    }
  });

  it('the released stage installs production dependencies from the lockfile and runs as node', () => {
    const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));
    expect(runtime).toContain('npm ci --omit=dev');
    expect(runtime).not.toMatch(/npm (install|i) /);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^ENTRYPOINT \["node", "bin\/es-rolling-upgrade\.js"\]$/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*\\\n\s+CMD \["node", "-e", ".*\/healthz.*"\]$/m);
  });

  it('labels the released image with the OCI annotations, from package.json where it has them', () => {
    const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));
    const label = /^LABEL ((?:.*\\\n)*.*)$/m.exec(runtime)?.[1] ?? '';
    const labels: Record<string, string> = Object.fromEntries([...label.matchAll(/(org\.opencontainers\.image\.[a-z]+)="([^"]*)"/g)].map((m) => [m[1] ?? '', m[2] ?? '']));
    const args: Record<string, string> = Object.fromEntries([...runtime.matchAll(/^ARG (\w+)=(.*)$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']));
    expect(labels).toEqual({
      'org.opencontainers.image.title': pkg.name,
      'org.opencontainers.image.description': pkg.description,
      'org.opencontainers.image.version': '${VERSION}',
      'org.opencontainers.image.revision': '${REVISION}',
      'org.opencontainers.image.source': '${SOURCE}',
      'org.opencontainers.image.licenses': pkg.license,
    });
    expect(args.VERSION).toBe(pkg.version);
    expect(Object.keys(args)).toEqual(expect.arrayContaining(['REVISION', 'SOURCE']));
  });

  it('.dockerignore lets in exactly what the stages copy', () => {
    const allowed = read('.dockerignore').split('\n').filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, ''));
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => (m[1] ?? '').split(' '));
    for (const path of copied) expect(allowed, path).toContain(path.replace(/\/$/, ''));
  });
});
