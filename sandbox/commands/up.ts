// `up`: moto, the AWS fleet (VPC, subnets, launch templates, groups), the fleet agent, and a wait
// until Elasticsearch is green with every node; with `zones`, shard allocation awareness on the
// nodes' zone attribute once the cluster has formed.

import { existsSync, mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { EsHttp } from '../es-http.ts';
import { backgroundAlive, startBackground } from '../background.ts';
import { createAwsClients, SANDBOX_REGION } from '../aws-clients.ts';
import { prepareEsTls } from '../es-tls-setup.ts';
import { createFleet, MAX_ZONES, zoneCountProblem } from '../fleet-setup.ts';
import { findFreePort } from '../free-port.ts';
import { startMoto } from '../moto-server.ts';
import { esHome } from '../paths.ts';
import { paths, writeState, type SandboxState } from '../sandbox-state.ts';
import { waitFor } from '../wait-for.ts';

export interface UpOptions {
  masters: number;
  data: number;
  version: string;
  clusterName?: string;
  /** How long to wait for green with all nodes. */
  timeoutMs?: number;
  /** An HTTPS front with basic auth (and an API key) before the Elasticsearch proxy, for the controller. */
  tls?: boolean;
  esUsername?: string;
  /**
   * The groups span this many availability zones (default all three) and the cluster gets shard
   * allocation awareness on `zone`, the node attribute naming each node's zone.
   */
  zones?: number;
}

/** The awareness attribute `up --zones` sets: the fleet agent puts each instance's zone in it. */
export const ZONE_ATTRIBUTE = 'zone';

export async function up(options: UpOptions): Promise<SandboxState> {
  const problem = options.zones === undefined ? undefined : zoneCountProblem(options.zones);
  if (problem) throw new Error(problem);
  if (existsSync(paths.state) && backgroundAlive(paths.agentPid)) {
    throw new Error('a sandbox is already up; run `npm run sandbox -- down` first');
  }
  if (!existsSync(esHome(options.version))) {
    throw new Error(`Elasticsearch ${options.version} is not fetched; run scripts/fetch-elasticsearch.sh ${options.version}`);
  }
  mkdirSync(paths.agent, { recursive: true });
  mkdirSync(paths.aws, { recursive: true });
  const moto = await startMoto(paths.moto);
  // The fleet is built on moto directly: the fault layer only stands between moto and the clients.
  const aws = createAwsClients(moto.endpoint, SANDBOX_REGION, { label: 'up' });
  const clusterName = options.clusterName ?? 'sandbox';
  const fleet = await createFleet(aws, clusterName, options.version, { master: options.masters, data: options.data }, options.zones ?? MAX_ZONES);
  const proxyPort = await findFreePort();
  const awsProxyPort = await findFreePort();
  const esTls = options.tls ? prepareEsTls(paths.esTls, await findFreePort(), options.esUsername) : undefined;
  const state: SandboxState = {
    clusterName,
    region: SANDBOX_REGION,
    awsEndpoint: `http://127.0.0.1:${awsProxyPort}`,
    motoEndpoint: moto.endpoint,
    awsProxyPort,
    esUrl: `http://127.0.0.1:${proxyPort}`,
    proxyPort,
    ...(esTls ? { esTls } : {}),
    imageId: fleet.imageId,
    vpcId: fleet.vpcId,
    subnetIds: fleet.subnetIds,
    fleets: fleet.fleets,
    initialVersion: options.version,
    launchVersion: options.version,
    counts: { master: options.masters, data: options.data },
    ...(options.zones !== undefined ? { zoneAwareness: { attribute: ZONE_ATTRIBUTE, zones: options.zones } } : {}),
  };
  writeState(state);
  startBackground(['aws-proxy', 'run'], paths.awsPid, paths.awsLog);
  await waitFor(async () => {
    if (!backgroundAlive(paths.awsPid)) throw new Error(`the AWS fault layer died; see ${paths.awsLog}`);
    return (await fetch(`${state.awsEndpoint}/moto-api/`)).ok ? true : undefined;
  }, { timeoutMs: 30_000, intervalMs: 200, what: `the AWS fault layer on ${state.awsEndpoint}` });
  startBackground(['agent'], paths.agentPid, paths.agentLog);
  await waitForCluster(state, options.masters + options.data, options.timeoutMs ?? 300_000);
  if (state.zoneAwareness) await setZoneAwareness(state);
  if (esTls) {
    await waitFor(() => listening(esTls.port), { timeoutMs: 30_000, intervalMs: 200, what: `the TLS front on ${esTls.url}` });
  }
  return state;
}

function listening(port: number): Promise<true | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(undefined));
  });
}

/** Persistent, as an operator's cluster would have it: allocation spreads each shard's copies over the zones. */
async function setZoneAwareness(state: SandboxState): Promise<void> {
  const http = new EsHttp([state.esUrl]);
  await http.json('PUT', '/_cluster/settings', { persistent: { [AWARENESS_SETTING]: state.zoneAwareness?.attribute ?? ZONE_ATTRIBUTE } });
}

export const AWARENESS_SETTING = 'cluster.routing.allocation.awareness.attributes';

export async function waitForCluster(state: SandboxState, nodes: number, timeoutMs: number): Promise<void> {
  const http = new EsHttp([state.esUrl]);
  await waitFor(async () => {
    if (!backgroundAlive(paths.agentPid)) throw new Error(`the fleet agent died; see ${paths.agentLog}`);
    const health = await http.json<{ status: string; number_of_nodes: number }>(
      'GET', `/_cluster/health?wait_for_status=green&wait_for_nodes=${nodes}&timeout=5s`);
    return health.status === 'green' && health.number_of_nodes === nodes ? true : undefined;
  }, { timeoutMs, intervalMs: 1000, what: `a green cluster of ${nodes} nodes at ${state.esUrl}` });
}

/** The settings a person (or a test) needs to point the CLI at this sandbox. */
export function connectionText(state: SandboxState, targetVersion = state.launchVersion): string {
  const groups = state.fleets.map((f) => f.groupName);
  const tls = state.esTls;
  return [
    tls
      ? `Elasticsearch URL: ${tls.url}   (HTTPS with basic auth in front of ${state.esUrl}, the stable proxy to whichever nodes are up)`
      : `Elasticsearch URL: ${state.esUrl}   (stable proxy to whichever nodes are up)`,
    ...(tls ? [
      `CA file:           ${tls.caFile}   (an unrelated CA for wrong-CA tests: ${tls.wrongCaFile})`,
      `Credentials:       user ${tls.username}, password in ${tls.passwordFile}, API key (encoded) in ${tls.apiKeyFile}`,
    ] : []),
    `AWS endpoint:      ${state.awsEndpoint}   (fault layer in front of moto${state.motoEndpoint ? ` at ${state.motoEndpoint}` : ''}; credentials: testing/testing)`,
    `Region:            ${state.region}`,
    `Groups:            ${state.fleets.map((f) => `${f.groupName} (${f.role})`).join(', ')}`,
    ...(state.zoneAwareness ? [`Zones:             ${state.zoneAwareness.zones}, shard allocation awareness on node attribute ${state.zoneAwareness.attribute} (--batch zone possible)`] : []),
    `Launch templates:  ${state.fleets.map((f) => `${f.launchTemplateId} (${f.launchTemplateName})`).join(', ')}`,
    '',
    'export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing',
    ...(tls ? [`export ESRU_ES_USERNAME=${tls.username} ESRU_ES_PASSWORD="$(cat ${tls.passwordFile})" ESRU_ES_CA_FILE=${tls.caFile}`] : []),
    `es-rolling-upgrade plan --es-url ${tls ? tls.url : state.esUrl} --aws-endpoint ${state.awsEndpoint} --region ${state.region} \\`,
    ...(tls ? [`  --es-ca-file ${tls.caFile} \\`] : []),
    `  --target-version ${targetVersion} --version-tag-key Version --match node-attribute:instance_id \\`,
    `  ${groups.map((g) => `--group-name ${g}`).join(' ')}`,
  ].join('\n');
}
