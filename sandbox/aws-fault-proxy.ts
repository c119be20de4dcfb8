// The AWS fault layer: an HTTP proxy in front of moto that answers as slowly and as unkindly as real
// AWS. moto terminates an instance and launches its replacement inside the terminate call; here the
// terminate returns an InProgress activity and the instance stays `running` (its Elasticsearch node
// too) in `Terminating`, then `Terminating:Wait`, before moto is told; a replacement is `Pending`
// (EC2 `pending`) then `Pending:Wait` before `InService`. Errors are injected per operation in each
// service's wire format. It also spreads each group's instances over the group's availability zones,
// which moto does not (aws-zones.ts). Configuration: aws-faults.ts; model: aws-lifecycle.ts; record:
// aws-calls.ts.

import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { DescribeAutoScalingGroupsCommand, DescribeAutoScalingInstancesCommand, DetachInstancesCommand, TerminateInstanceInAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { CreateTagsCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { createAwsClients, SANDBOX_REGION, SANDBOX_USER_AGENT, type AwsClients } from './aws-clients.ts';
import { appendAwsCall, type AwsCall } from './aws-calls.ts';
import { ErrorInjector, type Injection } from './aws-error-injector.ts';
import { awsFaultsFile, readAwsFaults, WIRE_ERRORS, type AwsFaultConfig } from './aws-faults.ts';
import {
  dueTerminations, ec2Overrides, extraMembers, heldTermination, lifecycleOverrides, prune, terminatingIds, terminationPhase,
  type HeldTermination, type LayerState,
} from './aws-lifecycle.ts';
import {
  ec2StatesIn, errorResponse, insertAutoScalingInstances, insertGroupMembers, instanceIdsOf, lifecycleStatesIn, memberXml, memberZonesIn,
  parseQueryRequest, setEc2States, setEc2Zones, setLifecycleStates, setMemberZones, terminateResponse, type GroupMember, type QueryRequest,
  type WireResponse,
} from './aws-wire.ts';
import { placeMembers, type GroupPlacement } from './aws-zones.ts';
import { readJsonFile, writeJsonFile } from './sandbox-state.ts';

export interface AwsFaultProxyOptions {
  /** Loopback port to listen on; 0 for any free one. */
  port: number;
  /** moto's endpoint. */
  upstream: string;
  /** Holds faults.json (read), calls.jsonl and state.json (written). */
  dir: string;
  region?: string;
  log?: ProxyLog;
  now?: () => number;
  /** How often held terminations are checked for their end. */
  tickMs?: number;
}

export interface ProxyLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface AwsFaultProxy {
  endpoint: string;
  port: number;
  /** The held terminations and lagged launches now. */
  state(): LayerState;
  close(): Promise<void>;
}

const QUIET: ProxyLog = { info: () => undefined, warn: () => undefined };

/** Mutations wait for reads in flight and hold new reads back, so no answer shows half a change. */
class ReadWriteLock {
  private readers = 0;
  private writing = false;
  private writers: Promise<void> = Promise.resolve();
  private waiting: (() => void)[] = [];

  async read<T>(body: () => Promise<T>): Promise<T> {
    while (this.writing) await this.changed();
    this.readers++;
    try {
      return await body();
    } finally {
      this.readers--;
      this.notify();
    }
  }

  async write<T>(body: () => Promise<T>): Promise<T> {
    const previous = this.writers;
    let release = (): void => undefined;
    this.writers = new Promise((resolve) => (release = resolve));
    await previous;
    this.writing = true;
    try {
      while (this.readers > 0) await this.changed();
      return await body();
    } finally {
      this.writing = false;
      release();
      this.notify();
    }
  }

  private changed(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private notify(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}

const READ_ACTION = /^(Describe|List|Get)/;

export async function startAwsFaultProxy(options: AwsFaultProxyOptions): Promise<AwsFaultProxy> {
  const { dir, upstream } = options;
  const log = options.log ?? QUIET;
  const now = options.now ?? Date.now;
  mkdirSync(dir, { recursive: true });
  const stateFile = join(dir, 'state.json');
  const moto: AwsClients = createAwsClients(upstream, options.region ?? SANDBOX_REGION, { label: 'fault-layer', maxAttempts: 1 });
  const injector = new ErrorInjector();
  const lock = new ReadWriteLock();
  let state: LayerState = readJsonFile<LayerState>(stateFile, { terminations: [], launches: [] });
  let seq = 0;
  let config: AwsFaultConfig = {};
  let configStamp = '';

  const save = (): void => writeJsonFile(stateFile, state);

  /** faults.json as of now: re-read when it changed (a test or the CLI may have rewritten it). */
  const currentConfig = (): AwsFaultConfig => {
    const file = awsFaultsFile(dir);
    const stamp = existsSync(file) ? (({ mtimeMs, size }) => `${mtimeMs}:${size}`)(statSync(file)) : 'none';
    if (stamp !== configStamp) {
      configStamp = stamp;
      config = readAwsFaults(dir);
      injector.setRules(config.errors ?? []);
      log.info({ config }, 'fault configuration loaded');
    }
    return config;
  };

  /** Every group's zones and members as moto lists them (members in launch order). */
  const groupPlacements = async (): Promise<GroupPlacement[]> => {
    const out: GroupPlacement[] = [];
    let token: string | undefined;
    do {
      const page = await moto.autoScaling.send(new DescribeAutoScalingGroupsCommand({ NextToken: token }));
      for (const g of page.AutoScalingGroups ?? []) {
        out.push({ groupName: g.AutoScalingGroupName ?? '', zones: g.AvailabilityZones ?? [], members: (g.Instances ?? []).map((i) => i.InstanceId ?? '') });
      }
      token = page.NextToken;
    } while (token);
    return out;
  };

  let placing: Promise<boolean> = Promise.resolve(true);
  /**
   * Places the group members not placed yet (aws-zones.ts), one pass at a time. False when moto did
   * not answer: the change it follows has happened all the same, and the next read places them.
   */
  const placeZones = (): Promise<boolean> => {
    placing = placing.then(async () => {
      try {
        const added = placeMembers(state.zones ?? {}, await groupPlacements(), terminatingIds(state));
        if (Object.keys(added).length === 0) return true;
        state.zones = { ...state.zones, ...added };
        save();
        log.info({ zones: added }, 'instances placed in availability zones');
        return true;
      } catch (error) {
        log.warn({ err: error }, 'could not place instances in availability zones; next time');
        return false;
      }
    });
    return placing;
  };
  /** Instances an answer named that no group lists: left in moto's zone, and not looked for again. */
  const unplaceable = new Set<string>();
  /** Places what an answer names that no pass has placed yet (a change made past the layer). */
  const placeNamed = async (ids: string[]): Promise<void> => {
    const unplaced = ids.filter((id) => state.zones?.[id] === undefined && !unplaceable.has(id));
    if (unplaced.length === 0 || !(await placeZones())) return;
    for (const id of unplaced) if (state.zones?.[id] === undefined) unplaceable.add(id);
  };

  const groupMembers = async (groupName?: string): Promise<Map<string, GroupMember[]>> => {
    const out = new Map<string, GroupMember[]>();
    let token: string | undefined;
    do {
      const page = await moto.autoScaling.send(new DescribeAutoScalingGroupsCommand({
        ...(groupName ? { AutoScalingGroupNames: [groupName] } : {}), NextToken: token,
      }));
      for (const g of page.AutoScalingGroups ?? []) {
        out.set(g.AutoScalingGroupName ?? '', (g.Instances ?? []).map((i) => toMember(g.AutoScalingGroupName ?? '', i)));
      }
      token = page.NextToken;
    } while (token);
    return out;
  };

  /** Instances that joined a group during `change` get the launch lag of their group, if any. */
  const withLaunchLag = async <T>(groupName: string | undefined, change: () => Promise<T>): Promise<T> => {
    const lag = currentConfig().launchLag;
    if (!lag || lag.pendingMs + lag.waitMs <= 0) return change();
    const before = await groupMembers(groupName);
    const result = await change();
    const after = await groupMembers(groupName);
    const at = now();
    for (const [group, members] of after) {
      if (lag.group !== undefined && lag.group !== group) continue;
      const known = new Set((before.get(group) ?? []).map((m) => m.instanceId));
      for (const m of members) {
        if (known.has(m.instanceId) || state.launches.some((l) => l.instanceId === m.instanceId)) continue;
        state.launches.push({ instanceId: m.instanceId, groupName: group, launchedAt: at, pendingMs: lag.pendingMs, waitMs: lag.waitMs });
        log.info({ instance: m.instanceId, group, pendingMs: lag.pendingMs, waitMs: lag.waitMs }, 'replacement launched: Pending');
      }
    }
    save();
    return result;
  };

  const terminate = async (q: QueryRequest, raw: RawRequest): Promise<{ response: WireResponse; repeat?: boolean }> => {
    const instanceId = q.params.get('InstanceId') ?? '';
    const decrement = q.params.get('ShouldDecrementDesiredCapacity') === 'true';
    const cfg = currentConfig();
    const held = heldTermination(state, instanceId);
    if (held) {
      if (cfg.repeatTerminate === 'accept') {
        held.requests += 1;
        save();
        log.info({ instance: instanceId, requests: held.requests }, 'repeated terminate accepted');
        return { response: terminateResponse(held.activity), repeat: true };
      }
      log.info({ instance: instanceId }, 'repeated terminate rejected');
      return {
        response: errorResponse('autoscaling', {
          code: 'ValidationError', status: 400, type: 'Sender',
          message: `The instance ${instanceId} is not in InService or Standby; it is ${terminationPhase(held, now())}.`,
        }),
        repeat: true,
      };
    }
    const member = await describeMember(moto, instanceId, state.zones ?? {});
    if (!member) {
      // moto answers an instance outside every group with an HTML 500; AWS with this.
      return {
        response: errorResponse('autoscaling', {
          code: 'ValidationError', status: 400, type: 'Sender', message: `Instance Id not found - No managed instance found for instance ID ${instanceId}`,
        }),
      };
    }
    const lag = cfg.terminateLag && (cfg.terminateLag.group === undefined || cfg.terminateLag.group === member.groupName) ? cfg.terminateLag : undefined;
    if (!lag || lag.terminatingMs + lag.waitMs <= 0) {
      return { response: await withLaunchLag(member.groupName, () => forward(upstream, raw)) };
    }
    const at = now();
    const capacity = (await groupMembers(member.groupName)).get(member.groupName)?.length ?? 0;
    const termination: HeldTermination = {
      instanceId,
      groupName: member.groupName,
      requestedAt: at,
      terminatingMs: lag.terminatingMs,
      waitMs: lag.waitMs,
      shuttingDownMs: lag.shuttingDownMs ?? 0,
      decrement,
      replacement: cfg.replacement ?? 'at-terminate',
      member,
      requests: 1,
      activity: {
        activityId: randomUUID(),
        groupName: member.groupName,
        description: `Terminating EC2 instance: ${instanceId}`,
        cause: `At ${new Date(at).toISOString().replace(/\.\d+Z$/, 'Z')} instance ${instanceId} was taken out of service in response to a user request`
          + (decrement ? `, shrinking the capacity from ${capacity} to ${capacity - 1}.` : '.'),
        details: JSON.stringify({ 'Availability Zone': member.availabilityZone }),
        startTime: new Date(at).toISOString(),
        statusCode: 'InProgress',
        progress: 0,
      },
    };
    state.terminations.push(termination);
    save();
    log.info({ instance: instanceId, group: member.groupName, terminatingMs: lag.terminatingMs, waitMs: lag.waitMs, replacement: termination.replacement },
      'terminate held: Terminating');
    if (termination.replacement === 'at-terminate') {
      // The group launches the replacement now; the old instance leaves moto's group but keeps running
      // (and keeps its group tag, which moto's detach drops) until the lag is over.
      await withLaunchLag(member.groupName, async () => {
        await moto.autoScaling.send(new DetachInstancesCommand({ AutoScalingGroupName: member.groupName, InstanceIds: [instanceId], ShouldDecrementDesiredCapacity: decrement }));
        await moto.ec2.send(new CreateTagsCommand({ Resources: [instanceId], Tags: [{ Key: 'aws:autoscaling:groupName', Value: member.groupName }] }));
      });
    }
    return { response: terminateResponse(termination.activity) };
  };

  const rewrite = async (q: QueryRequest, response: WireResponse): Promise<WireResponse> => {
    if (response.status !== 200) return response;
    let body = response.body;
    if (q.action === 'DescribeAutoScalingGroups' || q.action === 'DescribeAutoScalingInstances') await placeNamed(Object.keys(memberZonesIn(body)));
    else if (q.action === 'DescribeInstances') await placeNamed(Object.keys(ec2StatesIn(body)));
    const at = now();
    const zones = new Map(Object.entries(state.zones ?? {}));
    if (q.action === 'DescribeAutoScalingGroups' || q.action === 'DescribeAutoScalingInstances') {
      body = setLifecycleStates(body, lifecycleOverrides(state, at));
      const extras = extraMembers(state, at);
      if (q.action === 'DescribeAutoScalingGroups') {
        for (const group of new Set(extras.map((e) => e.member.groupName))) {
          body = insertGroupMembers(body, group, extras.filter((e) => e.member.groupName === group).map((e) => memberXml(e.member, e.lifecycleState, false)));
        }
      } else {
        const asked = instanceIdsOf(q.params);
        body = insertAutoScalingInstances(body, extras.filter((e) => asked.length === 0 || asked.includes(e.member.instanceId))
          .map((e) => memberXml(e.member, e.lifecycleState, true)));
      }
      body = setMemberZones(body, zones);
    } else if (q.action === 'DescribeInstances') {
      body = setEc2Zones(setEc2States(body, ec2Overrides(state, at)), zones);
    }
    return body === response.body ? response : { ...response, body };
  };

  const handle = async (q: QueryRequest, raw: RawRequest): Promise<{ response: WireResponse; repeat?: boolean }> => {
    // Every change may launch instances: they are placed before anyone reads again.
    const thenPlace = async <T>(change: () => Promise<T>): Promise<T> => {
      const result = await change();
      await placeZones();
      return result;
    };
    if (q.service === 'autoscaling' && q.action === 'TerminateInstanceInAutoScalingGroup') return lock.write(() => thenPlace(() => terminate(q, raw)));
    if (READ_ACTION.test(q.action)) return lock.read(async () => ({ response: await rewrite(q, await forward(upstream, raw)) }));
    return lock.write(() => thenPlace(async () => ({ response: await withLaunchLag(undefined, () => forward(upstream, raw)) })));
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void serve(req, res, Buffer.concat(chunks)).catch((error: unknown) => {
        log.warn({ err: error }, 'request failed');
        if (!res.headersSent) sendWire(res, errorResponse('autoscaling', { code: 'InternalFailure', message: 'fault layer: upstream failed', status: 500 }));
        else res.destroy();
      });
    });
  });

  const serve = async (req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> => {
    const started = now();
    const raw: RawRequest = { method: req.method ?? 'POST', url: req.url ?? '/', headers: req.headers, body };
    const q = parseQueryRequest(header(req, 'authorization'), body.toString('utf8'));
    if (!q) {
      sendWire(res, await forward(upstream, raw));
      return;
    }
    const sandboxClient = (header(req, 'user-agent') ?? '').includes(SANDBOX_USER_AGENT);
    const instanceIds = instanceIdsOf(q.params);
    currentConfig();
    const injection = sandboxClient ? undefined : injector.decide({ operation: q.action, instanceIds });
    let outcome: { response: WireResponse; repeat?: boolean } | undefined;
    if (!injection || injection.rule.landed) outcome = await handle(q, raw);
    const answer = injection ? injectedAnswer(q, injection) : outcome?.response;
    if (answer) sendWire(res, answer);
    else res.socket?.resetAndDestroy();
    if (injection) log.info({ operation: q.action, instanceIds, error: injection.rule.error, landed: injection.rule.landed ?? false }, 'error injected');
    if (sandboxClient) return;
    const request = /attempt=(\d+); max=(\d+)/.exec(header(req, 'amz-sdk-request') ?? '');
    const call: AwsCall = {
      seq: ++seq,
      at: new Date(started).toISOString(),
      service: q.service,
      operation: q.action,
      instanceIds,
      ...(request ? { attempt: Number(request[1]), maxAttempts: Number(request[2]) } : {}),
      ...(header(req, 'amz-sdk-invocation-id') ? { invocationId: header(req, 'amz-sdk-invocation-id') } : {}),
      status: answer?.status ?? 0,
      ...(answer && answer.status >= 300 ? { errorCode: /<Code>([^<]+)<\/Code>/.exec(answer.body)?.[1] } : {}),
      ...(injection ? { injected: { kind: injection.rule.error, rule: injection.key, landed: injection.rule.landed ?? false } } : {}),
      ...(outcome?.repeat ? { repeat: true } : {}),
      ...(answer?.status === 200 ? describeAnswer(q, answer.body) : {}),
      durationMs: now() - started,
    };
    appendAwsCall(dir, call);
  };

  // Held terminations end here: moto is told, and the replacement (after-terminate) launches.
  let ticking = false;
  const tick = async (): Promise<void> => {
    if (ticking) return;
    ticking = true;
    try {
      for (const t of dueTerminations(state, now())) {
        await lock.write(async () => {
          try {
            if (t.replacement === 'after-terminate') {
              await withLaunchLag(t.groupName, () => moto.autoScaling.send(new TerminateInstanceInAutoScalingGroupCommand({
                InstanceId: t.instanceId, ShouldDecrementDesiredCapacity: t.decrement,
              })));
            } else {
              await moto.ec2.send(new TerminateInstancesCommand({ InstanceIds: [t.instanceId] }));
            }
            log.info({ instance: t.instanceId, afterMs: now() - t.requestedAt }, 'held terminate released: instance shut down');
          } catch (error) {
            log.warn({ err: error, instance: t.instanceId }, 'held terminate could not be carried out; dropping it');
          }
          await placeZones();
          t.terminatedAt = now();
          t.activity.statusCode = 'Successful';
          t.activity.progress = 100;
          save();
        });
      }
      const pruned = prune(state, now());
      if (pruned.launches.length !== state.launches.length || pruned.terminations.length !== state.terminations.length) {
        await lock.write(() => {
          state = prune(state, now());
          save();
          return Promise.resolve();
        });
      }
    } finally {
      ticking = false;
    }
  };
  // The fleet `up` built on moto before the layer started: placed before the first answer.
  await placeZones();
  const timer = setInterval(() => void tick().catch((error: unknown) => log.warn({ err: error }, 'tick failed')), options.tickMs ?? 100);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ port, upstream }, 'AWS fault layer listening');
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    state: () => structuredClone(state),
    close: async () => {
      clearInterval(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      moto.autoScaling.destroy();
      moto.ec2.destroy();
    },
  };
}

interface RawRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function injectedAnswer(q: QueryRequest, injection: Injection): WireResponse | undefined {
  if (injection.rule.error === 'connection-reset') return undefined;
  const wire = WIRE_ERRORS[injection.rule.error][q.service];
  // A kind the service never sends (validated away for named operations; `*` may reach it): a 500.
  return errorResponse(q.service, wire ?? { code: q.service === 'ec2' ? 'InternalError' : 'InternalFailure', message: 'An internal error occurred.', status: 500 });
}

function describeAnswer(q: QueryRequest, body: string): Partial<AwsCall> {
  if (q.action === 'DescribeAutoScalingGroups' || q.action === 'DescribeAutoScalingInstances') return { lifecycleStates: lifecycleStatesIn(body) };
  if (q.action === 'DescribeInstances') return { ec2States: ec2StatesIn(body) };
  if (q.action === 'TerminateInstanceInAutoScalingGroup') {
    const status = /<StatusCode>([^<]+)<\/StatusCode>/.exec(body)?.[1];
    return status ? { activityStatus: status } : {};
  }
  return {};
}

function sendWire(res: ServerResponse, response: WireResponse): void {
  res.writeHead(response.status, { ...response.headers, 'content-length': Buffer.byteLength(response.body) });
  res.end(response.body);
}

/** The request to moto as it came (host aside); the answer in full. */
function forward(upstream: string, raw: RawRequest): Promise<WireResponse> {
  const target = new URL(upstream);
  return new Promise((resolve, reject) => {
    const request = httpRequest({
      host: target.hostname,
      port: target.port,
      method: raw.method,
      path: raw.url,
      headers: { ...raw.headers, host: target.host },
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(response.headers)) {
          // The body may be rewritten: its length and checksum are the proxy's to set.
          if (value === undefined || ['content-length', 'x-amz-crc32', 'connection', 'transfer-encoding'].includes(name)) continue;
          headers[name] = Array.isArray(value) ? value.join(', ') : value;
        }
        resolve({ status: response.statusCode ?? 502, headers, body: Buffer.concat(chunks).toString('utf8') });
      });
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(raw.body);
  });
}

function toMember(groupName: string, i: {
  InstanceId?: string; InstanceType?: string; AvailabilityZone?: string; HealthStatus?: string; ProtectedFromScaleIn?: boolean;
  LaunchTemplate?: { LaunchTemplateId?: string; LaunchTemplateName?: string; Version?: string };
}): GroupMember {
  return {
    instanceId: i.InstanceId ?? '',
    groupName,
    instanceType: i.InstanceType ?? '',
    availabilityZone: i.AvailabilityZone ?? '',
    healthStatus: i.HealthStatus ?? 'Healthy',
    protectedFromScaleIn: i.ProtectedFromScaleIn ?? false,
    ...(i.LaunchTemplate ? {
      launchTemplate: { id: i.LaunchTemplate.LaunchTemplateId ?? '', name: i.LaunchTemplate.LaunchTemplateName ?? '', version: i.LaunchTemplate.Version ?? '' },
    } : {}),
  };
}

/** The member as moto lists it, in the zone the layer placed it in. */
async function describeMember(moto: AwsClients, instanceId: string, zones: Readonly<Record<string, string>>): Promise<GroupMember | undefined> {
  const answer = await moto.autoScaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] }));
  const i = answer.AutoScalingInstances?.find((x) => x.InstanceId === instanceId);
  if (!i) return undefined;
  const member = toMember(i.AutoScalingGroupName ?? '', i);
  return { ...member, availabilityZone: zones[instanceId] ?? member.availabilityZone };
}

/** The fault layer as the sandbox's background process (`aws-proxy run`), until SIGTERM. */
export async function runAwsFaultProxy(options: AwsFaultProxyOptions): Promise<void> {
  const proxy = await startAwsFaultProxy(options);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await proxy.close();
  options.log?.info({}, 'AWS fault layer stopped');
}
