// The fleet agent: plays the machines. Keeps exactly one Elasticsearch process per running instance
// of the cluster's groups, of the version the instance's Version tag names, with its group's roles,
// started once the group reports the instance InService, with the instance's availability zone as
// the node attribute `zone` (for shard allocation awareness). It reads AWS through the fault layer, so
// lifecycle lags hold its processes back and keep them running as they would real machines.
// A terminated instance's process is stopped like a machine shutdown. Faults (faults.ts) make
// replacements misbehave on request. Every action is logged.

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { AwsClients } from './aws-clients.ts';
import { startEsProxy } from './es-proxy.ts';
import { startEsTlsProxy } from './es-tls-proxy.ts';
import { readEsTlsSecrets } from './es-tls-setup.ts';
import { nodeRunning, startNode, stopNode, writeNodeConfig, writeSeedHosts } from './es-node.ts';
import { takeFaults, type Fault, type FaultKind } from './faults.ts';
import { instanceStates, observeFleet, type ObservedInstance } from './fleet-observer.ts';
import { ROLE_NODE_ROLES, VERSION_TAG, type Role } from './fleet-setup.ts';
import { findFreePorts } from './free-port.ts';
import { paths, readJsonFile, writeJsonFile, type SandboxState } from './sandbox-state.ts';

export type NodeStatus = 'waiting' | 'running' | 'stopping' | 'stopped' | 'exited' | 'no-process';

export interface AgentNodeRecord {
  instanceId: string;
  groupName: string;
  role: Role;
  roles: string[];
  version: string;
  /** Node name is the instance id, so `--match node-name` works as well as the attribute. */
  nodeName: string;
  httpPort: number;
  transportPort: number;
  /** The instance's availability zone (`node.attr.zone`), as EC2 reports it through the fault layer. */
  zone?: string;
  dir: string;
  faults: FaultKind[];
  /** Booted under another cluster name (fault never-join): not a member, not behind the proxy. */
  isolated: boolean;
  status: NodeStatus;
  startedAt?: string;
  stoppedAt?: string;
}

export interface AgentOptions {
  state: SandboxState;
  aws: AwsClients;
  log: Logger;
  pollMs?: number;
  /** SIGTERM to SIGKILL, like an instance shutdown's grace. */
  stopGraceMs?: number;
}

const ACTIVE: NodeStatus[] = ['waiting', 'running'];

export async function runFleetAgent(options: AgentOptions): Promise<void> {
  const { state, aws, log } = options;
  const pollMs = options.pollMs ?? 1000;
  const stopGraceMs = options.stopGraceMs ?? Number(process.env.SANDBOX_STOP_GRACE_MS ?? 30_000);
  const groupRole = new Map(state.fleets.map((f) => [f.groupName, f.role]));
  const records = new Map<string, AgentNodeRecord>(
    readJsonFile<AgentNodeRecord[]>(paths.agentNodes, []).map((r) => [r.instanceId, r]),
  );
  mkdirSync(paths.nodes, { recursive: true });
  const save = (): void => writeJsonFile(paths.agentNodes, [...records.values()]);
  let seedsWritten = '';

  const masterSeeds = (): string[] =>
    [...records.values()]
      .filter((r) => r.role === 'master' && !r.isolated && ACTIVE.includes(r.status))
      .map((r) => `127.0.0.1:${r.transportPort}`);

  const proxy = await startEsProxy(
    state.proxyPort,
    () => [...records.values()].filter((r) => r.status === 'running' && !r.isolated).map((r) => ({ name: r.nodeName, port: r.httpPort })),
    (message) => log.warn({ proxy: true }, message),
  );
  const tls = state.esTls;
  const tlsFront = tls ? await startEsTlsProxy({
    port: tls.port,
    key: readFileSync(tls.keyFile, 'utf8'),
    cert: readFileSync(tls.certFile, 'utf8'),
    upstream: state.esUrl,
    users: [{ username: tls.username, password: readEsTlsSecrets(tls).password }],
    apiKeys: [readEsTlsSecrets(tls).apiKey],
  }) : undefined;
  log.info({ esUrl: state.esUrl, ...(tls ? { esTlsUrl: tls.url } : {}), groups: [...groupRole.keys()] }, 'fleet agent started');

  const launch = async (instance: ObservedInstance, role: Role, bootstrapMasters: string[] | undefined): Promise<void> => {
    const faults: Fault[] = bootstrapMasters ? [] : takeFaults(instance.id, instance.groupName ?? '');
    const tagged = instance.tags[VERSION_TAG];
    const wrong = faults.find((f) => f.kind === 'wrong-version');
    const version = wrong?.version ?? tagged;
    const nodeLog = log.child({ instance: instance.id, role });
    if (!version) {
      nodeLog.error({ tags: instance.tags }, `instance has no ${VERSION_TAG} tag; not starting Elasticsearch`);
      return;
    }
    const [httpPort = 0, transportPort = 0] = await findFreePorts(2);
    const record: AgentNodeRecord = {
      instanceId: instance.id,
      groupName: instance.groupName ?? '',
      role,
      roles: ROLE_NODE_ROLES[role],
      version,
      nodeName: instance.id,
      httpPort,
      transportPort,
      ...(instance.availabilityZone ? { zone: instance.availabilityZone } : {}),
      dir: join(paths.nodes, instance.id),
      faults: faults.map((f) => f.kind),
      isolated: faults.some((f) => f.kind === 'never-join'),
      status: 'waiting',
    };
    records.set(instance.id, record);
    save();
    if (faults.length > 0) nodeLog.warn({ faults, taggedVersion: tagged }, 'applying faults to this instance');
    if (faults.some((f) => f.kind === 'no-process')) {
      record.status = 'no-process';
      nodeLog.warn('fault no-process: this instance runs no Elasticsearch');
      save();
      return;
    }
    const delayMs = faults.find((f) => f.kind === 'slow-start')?.delayMs ?? 0;
    if (delayMs > 0) {
      nodeLog.warn({ delayMs }, 'fault slow-start: delaying the Elasticsearch start');
      await sleep(delayMs);
      if (record.status !== 'waiting') {
        nodeLog.info({ status: record.status }, 'instance went away during the start delay; not starting');
        return;
      }
    }
    writeNodeConfig({
      dir: record.dir,
      clusterName: record.isolated ? `${state.clusterName}-isolated` : state.clusterName,
      nodeName: record.nodeName,
      version,
      roles: record.roles,
      httpPort,
      transportPort,
      seedHosts: record.isolated ? [] : [...masterSeeds(), `127.0.0.1:${transportPort}`],
      initialMasterNodes: role === 'master' ? bootstrapMasters : undefined,
      attributes: nodeAttributes(instance),
    });
    const pid = startNode({ ...record, clusterName: state.clusterName, seedHosts: [] });
    record.status = 'running';
    record.startedAt = new Date().toISOString();
    nodeLog.info({ version, pid, zone: record.zone, http: `http://127.0.0.1:${httpPort}`, transportPort, roles: record.roles, isolated: record.isolated },
      'started Elasticsearch for the instance');
    save();
  };

  const stop = async (record: AgentNodeRecord, instanceState: string): Promise<void> => {
    const nodeLog = log.child({ instance: record.instanceId, role: record.role });
    const wasWaiting = record.status === 'waiting';
    record.status = 'stopping';
    save();
    nodeLog.info({ instanceState, graceMs: stopGraceMs }, 'instance is gone: shutting Elasticsearch down (SIGTERM)');
    const stopping = Date.now();
    const outcome = wasWaiting ? 'not-running' : await stopNode(record.dir, stopGraceMs);
    record.status = 'stopped';
    record.stoppedAt = new Date().toISOString();
    nodeLog.info({ outcome, stopMs: Date.now() - stopping }, 'Elasticsearch process is down');
    save();
  };

  /** Instances already logged as waiting for InService, so each is logged once per state. */
  const waitingLogged = new Map<string, string>();

  const tick = async (): Promise<void> => {
    const view = await observeFleet(aws, [...groupRole.keys()]);
    const lifecycle = new Map(view.groups.flatMap((g) => g.members.map((m) => [m.id, m.lifecycleState])));
    // A machine keeps its process while EC2 runs it, through Terminating and Terminating:Wait.
    const running = view.instances.filter((i) => i.state === 'running' && i.groupName && groupRole.has(i.groupName));
    const runningIds = new Set(running.map((i) => i.id));
    // It starts one only once the group has it in service: a launch hook holds it in Pending:Wait.
    const wanted = running.filter((i) => {
      const state = lifecycle.get(i.id);
      if (state === undefined || state === 'InService') return true;
      if (!records.has(i.id) && waitingLogged.get(i.id) !== state) {
        waitingLogged.set(i.id, state);
        log.info({ instance: i.id, lifecycleState: state }, 'instance is running but not InService; no Elasticsearch yet');
      }
      return false;
    });

    let bootstrapMasters: string[] | undefined;
    if (!existsSync(paths.agentBootstrap)) {
      const masters = wanted.filter((i) => groupRole.get(i.groupName ?? '') === 'master');
      if (masters.length < state.counts.master) {
        log.info({ masters: masters.length, expected: state.counts.master }, 'waiting for all initial masters before bootstrapping');
        return;
      }
      bootstrapMasters = masters.map((i) => i.id);
      log.info({ initialMasterNodes: bootstrapMasters }, 'bootstrapping a new cluster');
      // The initial fleet bootstraps and gets no faults; seeds settle at the end of this tick.
      for (const instance of wanted) await launch(instance, groupRole.get(instance.groupName ?? '') ?? 'data', bootstrapMasters);
      writeJsonFile(paths.agentBootstrap, { at: new Date().toISOString(), initialMasterNodes: bootstrapMasters });
    }

    for (const instance of wanted) {
      if (records.has(instance.id)) continue;
      const role = groupRole.get(instance.groupName ?? '') ?? 'data';
      log.info({ instance: instance.id, role, group: instance.groupName, tags: instance.tags }, 'new running instance');
      void launch(instance, role, undefined).catch((error: unknown) => log.error({ err: error, instance: instance.id }, 'could not start Elasticsearch'));
    }

    const gone = [...records.values()].filter((r) => ACTIVE.includes(r.status) && !runningIds.has(r.instanceId));
    const goneStates = gone.length > 0 ? await instanceStates(aws, gone.map((r) => r.instanceId)) : new Map<string, string>();
    for (const record of records.values()) {
      if (gone.includes(record)) {
        void stop(record, goneStates.get(record.instanceId) ?? 'absent').catch((error: unknown) => log.error({ err: error, instance: record.instanceId }, 'stop failed'));
      } else if (record.status === 'running' && !nodeRunning(record.dir) && record.startedAt
        && Date.now() - Date.parse(record.startedAt) > 5000) {
        record.status = 'exited';
        log.error({ instance: record.instanceId, dir: record.dir }, 'Elasticsearch exited on its own (see console.log); not restarting');
        save();
      }
    }

    const seeds = masterSeeds();
    if (seeds.join(',') !== seedsWritten) {
      for (const record of records.values()) {
        if (record.status === 'running' && !record.isolated) writeSeedHosts(record.dir, [...seeds, `127.0.0.1:${record.transportPort}`]);
      }
      seedsWritten = seeds.join(',');
      log.info({ seeds }, 'master seed hosts updated on every node');
    }
    save();
  };

  let stopping = false;
  const shutdown = (): void => {
    stopping = true;
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  while (!stopping) {
    try {
      await tick();
    } catch (error) {
      log.warn({ err: error }, 'tick failed; retrying');
    }
    await sleep(pollMs);
  }
  proxy.close();
  await tlsFront?.close();
  log.info('fleet agent stopped (Elasticsearch processes keep running; `down` stops them)');
}

/** `node.attr.*` of an instance's node: its id (for `--match node-attribute:instance_id`) and its zone. */
export function nodeAttributes(instance: Pick<ObservedInstance, 'id' | 'availabilityZone'>): Record<string, string> {
  return { instance_id: instance.id, ...(instance.availabilityZone ? { zone: instance.availabilityZone } : {}) };
}
