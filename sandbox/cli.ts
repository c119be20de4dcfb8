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
import { runFleetAgent } from './fleet-agent.ts';
import { paths, readState } from './sandbox-state.ts';
import { startBackground, stopBackground } from './background.ts';
import { readVersions } from './versions.ts';

const USAGE = `usage: npm run sandbox -- <verb> [flags]
  up [--masters 3] [--data 3] [--version <old>]   start moto, the AWS fleet, the fleet agent; wait for green
  roll --version <new>                            new default launch template version with Version=<new>
  index [--indices 4] [--replicas 1] [--docs 20000] [--shards 2] [--node-left-delay 1m]
  writer start|stop                               background writer recording acknowledged ids
  status                                          nodes, health, instances, agent processes
  terminate <instance-id>                         TerminateInstanceInAutoScalingGroup, keeping capacity
  verify                                          every acknowledged document present; node versions
  fault add <never-join|wrong-version|slow-start|no-process> [--count 1] [--group G] [--instance I]
            [--fault-version V] [--delay-ms N]     misbehave on the next replacement(s)
  fault list | fault clear
  env                                             connection settings of the running sandbox
  agent restart                                   restart the fleet agent (it adopts running nodes)
  down                                            stop everything and clean .sandbox`;

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
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [verb, sub] = positionals;
  const num = (value: string | undefined, fallback: number): number => (value === undefined ? fallback : Number(value));
  switch (verb) {
    case 'up': {
      const started = Date.now();
      const state = await up({ masters: num(values.masters, 3), data: num(values.data, 3), version: values.version ?? readVersions().old });
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
        nodeLeftDelay: values['node-left-delay'],
      }));
      return 0;
    case 'writer':
      if (sub === 'start') console.log(startWriter());
      else if (sub === 'stop') console.log(await stopWriter());
      else if (sub === 'run') await runWriter();
      else throw new Error('writer start|stop');
      return 0;
    case 'status':
      console.log(await status());
      return 0;
    case 'terminate':
      if (!sub) throw new Error('terminate <instance-id>');
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
    case 'agent': {
      if (sub === 'restart') {
        // The agent re-adopts the running processes from .sandbox/agent/nodes.json.
        await stopBackground(paths.agentPid);
        console.log(`fleet agent restarted (pid ${startBackground(['agent'], paths.agentPid, paths.agentLog)})`);
        return 0;
      }
      const state = readState();
      await runFleetAgent({ state, aws: createAwsClients(state.awsEndpoint, state.region), log: createLogger({ pretty: false }) });
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

function fault(sub: string | undefined, kind: string | undefined, values: Record<string, string | boolean | undefined>): number {
  if (sub === 'list') {
    console.log(JSON.stringify(readFaults(), null, 2));
    return 0;
  }
  if (sub === 'clear') {
    writeFaults([]);
    console.log('faults cleared');
    return 0;
  }
  const kinds: FaultKind[] = ['never-join', 'wrong-version', 'slow-start', 'no-process'];
  if (sub !== 'add' || !kinds.includes(kind as FaultKind)) throw new Error(`fault add <${kinds.join('|')}> ...`);
  const str = (key: string): string | undefined => (typeof values[key] === 'string' ? values[key] : undefined);
  const entry: Fault = { kind: kind as FaultKind, count: Number(str('count') ?? 1) };
  if (str('group')) entry.group = str('group');
  if (str('instance')) entry.instanceId = str('instance');
  if (kind === 'wrong-version') entry.version = str('fault-version') ?? readState().initialVersion;
  if (kind === 'slow-start') entry.delayMs = Number(str('delay-ms') ?? 60_000);
  writeFaults([...readFaults(), entry]);
  console.log(`fault added: ${JSON.stringify(entry)}`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`sandbox: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
