// The sandbox command: `npm run sandbox -- <verb> [flags]`. See sandbox/README.md.

import { parseArgs } from 'node:util';
import { createLogger } from '../src/shared/log.ts';
import { createAwsClients } from './aws-clients.ts';
import { down } from './commands/down.ts';
import { indexDocs } from './commands/index-docs.ts';
import { roll } from './commands/roll.ts';
import { status } from './commands/status.ts';
import { terminate } from './commands/terminate.ts';
import { connectionText, up } from './commands/up.ts';
import { verify } from './commands/verify.ts';
import { runWriter, startWriter, stopWriter } from './commands/writer.ts';
import { readFaults, writeFaults, type Fault, type FaultKind } from './faults.ts';
import { readAwsCalls } from './aws-calls.ts';
import { runAwsFaultProxy } from './aws-fault-proxy.ts';
import { AWS_ERROR_KINDS, BadAwsFault, clearAwsFaults, readAwsFaults, updateAwsFaults, type AwsErrorKind, type AwsFaultConfig } from './aws-faults.ts';
import { runFleetAgent } from './fleet-agent.ts';
import { zoneCountProblem } from './fleet-setup.ts';
import { paths, readState } from './sandbox-state.ts';
import { startBackground, stopBackground } from './background.ts';
import { readVersions } from './versions.ts';

const USAGE = `usage: npm run sandbox -- <verb> [flags]
  up [--masters 3] [--data 3] [--version <old>] [--tls [--es-username sandbox-admin]] [--zones 3]
                                                  start moto, the AWS fault layer, the fleet, the fleet agent; wait for
                                                  green; --tls: HTTPS with basic auth in front of Elasticsearch;
                                                  --zones N: groups span N zones (1-3), allocation awareness on zone
  roll --version <new>                            new default launch template version with Version=<new>
  index [--indices 4] [--replicas 1] [--docs 20000] [--shards 2] [--node-left-delay 1m] [--prefix data]
  writer start [--node-left-delay 1m] [--shards 2] [--replicas 1] | writer stop
                                                  background writer recording acknowledged ids (makes its index)
  status                                          nodes, health, instances, agent processes, held AWS lifecycles
  terminate <instance-id>                         TerminateInstanceInAutoScalingGroup, keeping capacity
  verify                                          every acknowledged document present; node versions
  fault add <never-join|wrong-version|slow-start|no-process> [--count 1] [--group G] [--instance I]
            [--fault-version V] [--delay-ms N]     misbehave on the next replacement(s)
  fault add terminate-lag --terminating-ms N --wait-ms N [--shutting-down-ms N] [--group G]
            [--replacement at-terminate|after-terminate] [--repeat reject|accept]
  fault add launch-lag --pending-ms N --wait-ms N [--group G]
  fault add aws-error --operation <Action|*> --error <${AWS_ERROR_KINDS.join('|')}>
            [--count N] [--probability P [--seed S]] [--landed] [--instance I]
  fault list | fault clear                        both kinds (.sandbox/faults.json, .sandbox/aws/faults.json)
  aws calls [--operation A] [--instance I]        the calls the AWS fault layer answered (not the sandbox's own)
  env                                             connection settings of the running sandbox
  agent restart                                   restart the fleet agent (it adopts running nodes)
  down                                            stop everything; keep the logs in .sandbox/last-run`;

/** Bad flags or values: exit code 2, nothing changed. */
class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      masters: { type: 'string' },
      data: { type: 'string' },
      version: { type: 'string' },
      indices: { type: 'string' },
      replicas: { type: 'string' },
      docs: { type: 'string' },
      shards: { type: 'string' },
      'node-left-delay': { type: 'string' },
      count: { type: 'string' },
      group: { type: 'string' },
      instance: { type: 'string' },
      'fault-version': { type: 'string' },
      'delay-ms': { type: 'string' },
      prefix: { type: 'string' },
      tls: { type: 'boolean' },
      zones: { type: 'string' },
      'es-username': { type: 'string' },
      'terminating-ms': { type: 'string' },
      'wait-ms': { type: 'string' },
      'shutting-down-ms': { type: 'string' },
      'pending-ms': { type: 'string' },
      replacement: { type: 'string' },
      repeat: { type: 'string' },
      operation: { type: 'string' },
      error: { type: 'string' },
      probability: { type: 'string' },
      seed: { type: 'string' },
      landed: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [verb, sub] = positionals;
  const num = (value: string | undefined, fallback: number): number => (value === undefined ? fallback : Number(value));
  switch (verb) {
    case 'up': {
      const started = Date.now();
      const zones = values.zones === undefined ? undefined : Number(values.zones.trim() === '' ? Number.NaN : values.zones);
      const problem = zones === undefined ? undefined : zoneCountProblem(zones, values.zones);
      if (problem) throw new UsageError(problem);
      const state = await up({
        masters: num(values.masters, 3), data: num(values.data, 3), version: values.version ?? readVersions().old,
        ...(values.tls ? { tls: true } : {}), ...(values['es-username'] ? { esUsername: values['es-username'] } : {}),
        ...(zones !== undefined ? { zones } : {}),
      });
      console.log(`sandbox up in ${Math.round((Date.now() - started) / 1000)} s\n\n${connectionText(state)}`);
      return 0;
    }
    case 'env':
      console.log(connectionText(readState()));
      return 0;
    case 'roll': {
      const version = values.version ?? readVersions().new;
      for (const line of await roll(version)) console.log(line);
      console.log(`\n${connectionText(readState(), version)}`);
      return 0;
    }
    case 'index':
      console.log(await indexDocs({
        indices: num(values.indices, 4), replicas: num(values.replicas, 1), docs: num(values.docs, 20_000), shards: num(values.shards, 2),
        nodeLeftDelay: values['node-left-delay'], prefix: values.prefix,
      }));
      return 0;
    case 'writer': {
      const index = {
        ...(values['node-left-delay'] ? { nodeLeftDelay: values['node-left-delay'] } : {}),
        ...(values.shards ? { shards: Number(values.shards) } : {}),
        ...(values.replicas ? { replicas: Number(values.replicas) } : {}),
      };
      if (sub === 'start') console.log(startWriter(index));
      else if (sub === 'stop') console.log(await stopWriter());
      else if (sub === 'run') await runWriter({ index });
      else throw new UsageError('writer start|stop');
      return 0;
    }
    case 'status':
      console.log(await status());
      return 0;
    case 'terminate':
      if (!sub) throw new UsageError('terminate <instance-id>');
      console.log(await terminate(sub));
      return 0;
    case 'verify': {
      const result = await verify();
      for (const line of result.lines) console.log(line);
      console.log(result.ok ? 'verify: OK' : `verify: FAILED (${result.missing} missing)`);
      return result.ok ? 0 : 1;
    }
    case 'fault':
      return fault(sub, positionals[2], values);
    case 'aws': {
      if (sub === 'calls') {
        for (const c of readAwsCalls(paths.aws, { ...(values.operation ? { operation: values.operation } : {}), ...(values.instance ? { instanceId: values.instance } : {}) })) {
          console.log(`${c.seq} ${c.at} ${c.operation} ${c.instanceIds.join(',') || '-'} attempt ${c.attempt ?? '?'} -> ${c.status}`
            + `${c.errorCode ? ` ${c.errorCode}` : ''}${c.injected ? ` (injected ${c.injected.kind}${c.injected.landed ? ', landed' : ''})` : ''}`
            + `${c.repeat ? ' (repeat)' : ''}${c.lifecycleStates ? ` ${JSON.stringify(c.lifecycleStates)}` : ''}${c.ec2States ? ` ${JSON.stringify(c.ec2States)}` : ''}`);
        }
        return 0;
      }
      throw new UsageError('aws calls [--operation A] [--instance I]');
    }
    case 'aws-proxy': {
      const state = readState();
      if (sub !== 'run' || !state.motoEndpoint || state.awsProxyPort === undefined) throw new UsageError('aws-proxy run (started by `up`)');
      await runAwsFaultProxy({ port: state.awsProxyPort, upstream: state.motoEndpoint, dir: paths.aws, region: state.region, log: createLogger({ pretty: false }) });
      return 0;
    }
    case 'agent': {
      if (sub === 'restart') {
        // The agent re-adopts the running processes from .sandbox/agent/nodes.json.
        await stopBackground(paths.agentPid);
        console.log(`fleet agent restarted (pid ${startBackground(['agent'], paths.agentPid, paths.agentLog)})`);
        return 0;
      }
      const state = readState();
      await runFleetAgent({ state, aws: createAwsClients(state.awsEndpoint, state.region, { label: 'agent' }), log: createLogger({ pretty: false }) });
      return 0;
    }
    case 'down':
      for (const line of await down()) console.log(line);
      return 0;
    default:
      console.log(USAGE);
      return verb === undefined || values.help ? 0 : 2;
  }
}

type Values = Record<string, string | boolean | undefined>;

function fault(sub: string | undefined, kind: string | undefined, values: Values): number {
  if (sub === 'list') {
    console.log(JSON.stringify({ machines: readFaults(), aws: readAwsFaults(paths.aws) }, null, 2));
    return 0;
  }
  if (sub === 'clear') {
    writeFaults([]);
    clearAwsFaults(paths.aws);
    console.log('faults cleared');
    return 0;
  }
  const str = (key: string): string | undefined => (typeof values[key] === 'string' ? values[key] : undefined);
  if (sub === 'add' && (kind === 'terminate-lag' || kind === 'launch-lag' || kind === 'aws-error')) {
    const written = updateAwsFaults(paths.aws, awsFault(kind, values));
    console.log(`AWS faults now: ${JSON.stringify(written)}`);
    return 0;
  }
  const kinds: FaultKind[] = ['never-join', 'wrong-version', 'slow-start', 'no-process'];
  if (sub !== 'add' || !kinds.includes(kind as FaultKind)) {
    throw new UsageError(`fault add <${[...kinds, 'terminate-lag', 'launch-lag', 'aws-error'].join('|')}> ..., fault list or fault clear; got ${[sub, kind].filter(Boolean).join(' ') || 'nothing'}`);
  }
  const entry: Fault = { kind: kind as FaultKind, count: Number(str('count') ?? 1) };
  if (str('group')) entry.group = str('group');
  if (str('instance')) entry.instanceId = str('instance');
  if (kind === 'wrong-version') entry.version = str('fault-version') ?? readState().initialVersion;
  if (kind === 'slow-start') entry.delayMs = Number(str('delay-ms') ?? 60_000);
  writeFaults([...readFaults(), entry]);
  console.log(`fault added: ${JSON.stringify(entry)}`);
  return 0;
}

/** The AWS fault a `fault add` names; aws-faults.ts validates the values when it writes them. */
function awsFault(kind: 'terminate-lag' | 'launch-lag' | 'aws-error', values: Values): AwsFaultConfig {
  const str = (key: string): string | undefined => (typeof values[key] === 'string' ? values[key] : undefined);
  const number = (key: string, required: boolean): number | undefined => {
    const raw = str(key);
    if (raw === undefined) {
      if (required) throw new UsageError(`fault add ${kind} needs --${key}`);
      return undefined;
    }
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value)) throw new UsageError(`--${key} must be a number, got ${JSON.stringify(raw)}`);
    return value;
  };
  const group = str('group');
  if (kind === 'terminate-lag') {
    const shuttingDownMs = number('shutting-down-ms', false);
    return {
      terminateLag: {
        terminatingMs: number('terminating-ms', true) ?? 0, waitMs: number('wait-ms', true) ?? 0,
        ...(shuttingDownMs !== undefined ? { shuttingDownMs } : {}), ...(group ? { group } : {}),
      },
      ...(str('replacement') ? { replacement: str('replacement') as AwsFaultConfig['replacement'] } : {}),
      ...(str('repeat') ? { repeatTerminate: str('repeat') as AwsFaultConfig['repeatTerminate'] } : {}),
    };
  }
  if (kind === 'launch-lag') {
    return { launchLag: { pendingMs: number('pending-ms', true) ?? 0, waitMs: number('wait-ms', true) ?? 0, ...(group ? { group } : {}) } };
  }
  const operation = str('operation');
  const error = str('error');
  if (!operation || !error) throw new UsageError(`fault add aws-error needs --operation <Action|*> and --error <${AWS_ERROR_KINDS.join('|')}>`);
  const probability = number('probability', false);
  const seed = number('seed', false);
  const count = number('count', false) ?? (probability === undefined ? 1 : undefined);
  const instanceId = str('instance');
  return {
    errors: [{
      operation, error: error as AwsErrorKind,
      ...(count !== undefined ? { count } : {}), ...(probability !== undefined ? { probability } : {}), ...(seed !== undefined ? { seed } : {}),
      ...(values.landed === true ? { landed: true } : {}), ...(instanceId ? { instanceId } : {}),
    }],
  };
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`sandbox: ${error instanceof Error ? error.message : String(error)}`);
    // parseArgs refuses unknown flags with ERR_PARSE_ARGS_*: bad input as well.
    const badInput = error instanceof UsageError || error instanceof BadAwsFault
      || (error as NodeJS.ErrnoException | undefined)?.code?.startsWith('ERR_PARSE_ARGS') === true;
    process.exit(badInput ? 2 : 1);
  },
);
