// The tool names itself on the wire: X-Opaque-Id on every Elasticsearch request (the tasks API and
// slow logs show it), and its name and version in the user agent of every AWS call (CloudTrail
// records it). Checked against a real local HTTP server that records the headers it gets.

import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunLabel } from '../../src/app/connect.ts';
import { main } from '../../src/cli/main.ts';
import { createAwsClients } from '../../src/cloud/aws-clients.ts';
import { createEsClient } from '../../src/cluster/es-client.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { toolVersion } from '../../src/shared/tool-version.ts';
import { createSimulatedWorld } from '../../src/sim/index.ts';
import { memoryIo } from '../support/memory-io.ts';
import { runCli, startRecordingServer, type RecordedRequest, type RecordingServer } from './run-cli.ts';

const TOOL = `es-rolling-upgrade/${toolVersion()}`;
const isAws = (r: RecordedRequest): boolean => String(r.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256');
const isEs = (r: RecordedRequest): boolean => String(r.headers['user-agent'] ?? '').startsWith('elasticsearch-js/');

let server: RecordingServer;
beforeAll(async () => {
  server = await startRecordingServer();
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  vi.unstubAllEnvs();
});

describe('Elasticsearch requests', () => {
  it('carry the X-Opaque-Id given', async () => {
    const es = createEsClient({ nodes: [server.url], opaqueId: `${TOOL} run host-1:42:0a1b2c3d`, maxRetries: 0 });
    const before = server.requests.length;
    await Promise.allSettled([es.info(), es.cluster.health(), es.cat.nodes({ format: 'json' })]);
    await es.close();

    const sent = server.requests.slice(before);
    expect(sent).toHaveLength(3);
    for (const r of sent) expect(r.headers['x-opaque-id'], r.url).toBe(`${TOOL} run host-1:42:0a1b2c3d`);
  });

  it('carry the tool and its version when no run is named', async () => {
    const es = createEsClient({ nodes: [server.url], maxRetries: 0 });
    const before = server.requests.length;
    await es.info().catch(() => undefined);
    await es.close();

    expect(server.requests.slice(before).map((r) => r.headers['x-opaque-id'])).toEqual([TOOL]);
  });

  it('a character a header cannot carry (a host name in another script) becomes "?"', async () => {
    const es = createEsClient({ nodes: [server.url], opaqueId: `${TOOL} run hôte:1:ab`, maxRetries: 0 });
    const before = server.requests.length;
    await es.info().catch(() => undefined);
    await es.close();

    expect(server.requests.slice(before).map((r) => r.headers['x-opaque-id'])).toEqual([`${TOOL} run h?te:1:ab`]);
  });
});

describe('AWS calls', () => {
  it('name the tool in both user agents, for EC2 and Auto Scaling', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'testing');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'testing');
    const aws = createAwsClients({ region: 'ap-southeast-2', endpoint: server.url });
    const before = server.requests.length;
    await Promise.allSettled([aws.ec2.send(new DescribeInstancesCommand({})), aws.autoScaling.send(new DescribeAutoScalingGroupsCommand({}))]);
    aws.ec2.destroy();
    aws.autoScaling.destroy();

    const sent = server.requests.slice(before);
    expect(sent).toHaveLength(2);
    for (const r of sent) {
      expect(String(r.headers['user-agent'])).toMatch(new RegExp(` ${TOOL.replace(/\./g, '\\.')}$`));
      expect(String(r.headers['x-amz-user-agent'])).toContain(TOOL);
    }
  });
});

/** Answers the reads of a plan for a one-node cluster, so the plan goes on to AWS; AWS is denied. */
async function startOneNodeCluster(): Promise<RecordingServer> {
  const ES: Record<string, unknown> = {
    '/_nodes': { nodes: { n1: { name: 'es-1', ip: '10.0.0.1', version: '9.4.5', roles: ['master', 'data'], attributes: {} } } },
    '/_cluster/health': { status: 'green', number_of_nodes: 1, number_of_data_nodes: 1 },
    '/_cat/shards': [],
    '/_cluster/state/master_node%2Cmetadata': { master_node: 'n1', metadata: { cluster_coordination: { last_committed_config: ['n1'], voting_config_exclusions: [] } } },
    '/_cluster/settings': { persistent: {}, transient: {} },
  };
  const requests: RecordedRequest[] = [];
  const http = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    req.resume();
    const body = ES[(req.url ?? '').split('?')[0] ?? ''];
    if (body !== undefined) {
      res.writeHead(200, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' }).end(JSON.stringify(body));
      return;
    }
    res.writeHead(403, { 'content-type': 'text/xml' }).end('<Response><Errors><Error><Code>AccessDenied</Code><Message>denied</Message></Error></Errors></Response>');
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port.toString()}`,
    requests,
    close: () => new Promise<void>((resolve) => http.close(() => resolve())),
  };
}

describe('the command line', () => {
  it.each([
    ['plan', ['plan'], 'plan'],
    ['run', ['run', '--yes'], 'run'],
    ['run --dry-run', ['run', '--dry-run'], 'plan'],
  ] as const)('%s labels its connection %s, with the lease holder of the run', async (_title, argv, command) => {
    const labels: (RunLabel | undefined)[] = [];
    const world = createSimulatedWorld({ masters: 3, data: 3, fromVersion: '9.4.5', launchVersion: '9.5.4' });
    await main([...argv, '--es-url', 'https://es.internal:9200', '--region', 'ap-southeast-2', '--target-version', '9.5.4'], memoryIo(), {
      connect: (_options, _log, _key, label) => {
        labels.push(label);
        return { cluster: world.cluster, fleet: world.fleet, lock: world.lock, close: () => Promise.resolve() };
      },
      createLogger: silentLogger,
    });

    expect(labels.map((l) => l?.command)).toEqual([command]);
    expect(labels[0]?.holder).toMatch(/^[^:]+:\d+:[0-9a-f]{8}$/);
  });

  it('names the command and its lease holder in every Elasticsearch request, and itself in every AWS call', async () => {
    const cluster = await startOneNodeCluster();
    const result = await runCli(['plan', '--target-version', '9.5.4', '--es-url', cluster.url, '--aws-endpoint', cluster.url, '--region', 'ap-southeast-2', '--log-level', 'silent'], {
      env: { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' },
    });
    await cluster.close();

    // The plan read the cluster, then AWS said no.
    expect(result.stderr).toContain('AccessDenied');
    const sent = cluster.requests;
    const es = sent.filter(isEs);
    const aws = sent.filter(isAws);
    expect(es.length).toBeGreaterThan(0);
    expect(aws.length).toBeGreaterThan(0);
    expect(es.length + aws.length).toBe(sent.length);
    const opaqueIds = new Set(es.map((r) => r.headers['x-opaque-id']));
    expect(opaqueIds.size).toBe(1);
    // es-rolling-upgrade/0.1.0 plan <host>:<pid>:<8 hex>
    expect([...opaqueIds][0]).toMatch(new RegExp(`^${TOOL.replace(/\./g, '\\.')} plan [^ :]+:\\d+:[0-9a-f]{8}$`));
    for (const r of aws) expect(String(r.headers['user-agent'])).toContain(TOOL);
  });
});
