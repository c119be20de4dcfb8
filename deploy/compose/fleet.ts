// The AWS side of the docker-compose sandbox, in moto, built with the proving ground's own fleet code
// (sandbox/fleet-setup.ts): a VPC, a launch template and an Auto Scaling group per role, tagged with
// the release version. Each Elasticsearch container is one "instance": its instance id, written to
// the shared /fleet volume, becomes its node name and `node.attr.instance_id`, as in the proving
// ground, so the controller matches nodes to instances by name.
//
//   node deploy/compose/fleet.ts seed <version> <masters> <data>   once: fleet + one id file per container
//   node deploy/compose/fleet.ts roll <version>                    new default launch template version
//   node deploy/compose/fleet.ts status                            instances, their version tag, their container
//   node deploy/compose/fleet.ts next <master|data>                a running instance no container plays yet
//
// Environment: AWS_ENDPOINT_URL (moto), AWS_REGION, FLEET_DIR (default /fleet), FLEET_CLUSTER (esru).

import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAwsClients } from '../../sandbox/aws-clients.ts';
import { observeFleet, type ObservedInstance } from '../../sandbox/fleet-observer.ts';
import { createFleet, rollLaunchTemplate, type FleetSetup, type Role } from '../../sandbox/fleet-setup.ts';

export interface FleetEnv {
  endpoint: string;
  region: string;
  dir: string;
  cluster: string;
}

export function fleetEnv(env: NodeJS.ProcessEnv): FleetEnv {
  return {
    endpoint: env.AWS_ENDPOINT_URL ?? 'http://moto:5000',
    region: env.AWS_REGION ?? 'ap-southeast-2',
    dir: env.FLEET_DIR ?? '/fleet',
    cluster: env.FLEET_CLUSTER ?? 'esru',
  };
}

const setupFile = (e: FleetEnv): string => join(e.dir, 'fleet.json');

function readSetup(e: FleetEnv): FleetSetup {
  if (!existsSync(setupFile(e))) throw new Error(`no fleet yet in ${e.dir}: run "seed" first`);
  return JSON.parse(readFileSync(setupFile(e), 'utf8')) as FleetSetup;
}

/** Container slot files: `<role>-<n>` holding the instance id that container plays. */
function slots(e: FleetEnv): Map<string, string> {
  if (!existsSync(e.dir)) return new Map();
  return new Map(
    readdirSync(e.dir)
      .filter((f) => /^(master|data)-\d+$|^replacement-.+$/.test(f))
      .map((f) => [f, readFileSync(join(e.dir, f), 'utf8').trim()]),
  );
}

async function running(e: FleetEnv, setup: FleetSetup, role?: Role): Promise<ObservedInstance[]> {
  const aws = createAwsClients(e.endpoint, e.region);
  const groups = setup.fleets.filter((f) => role === undefined || f.role === role).map((f) => f.groupName);
  const view = await observeFleet(aws, groups);
  return view.instances
    .filter((i) => i.state === 'running' || i.state === 'pending')
    .sort((a, b) => (a.launchTime?.getTime() ?? 0) - (b.launchTime?.getTime() ?? 0) || a.id.localeCompare(b.id));
}

/** Create the fleet once and give each container slot an instance; safe to rerun. */
export async function seed(e: FleetEnv, version: string, counts: Record<Role, number>): Promise<string[]> {
  mkdirSync(e.dir, { recursive: true });
  if (!existsSync(setupFile(e))) {
    const setup = await createFleet(createAwsClients(e.endpoint, e.region), e.cluster, version, counts);
    writeFileSync(setupFile(e), JSON.stringify(setup, null, 2));
  }
  const setup = readSetup(e);
  const lines: string[] = [];
  for (const role of ['master', 'data'] as const) {
    const taken = new Set(slots(e).values());
    const free = (await running(e, setup, role)).filter((i) => !taken.has(i.id));
    for (let n = 1; n <= counts[role]; n++) {
      const file = join(e.dir, `${role}-${n}`);
      if (!existsSync(file)) {
        const instance = free.shift();
        if (!instance) throw new Error(`no running ${role} instance left for ${role}-${n}`);
        writeFileSync(file, `${instance.id}\n`);
      }
      lines.push(`${role}-${n}: ${readFileSync(file, 'utf8').trim()}`);
    }
  }
  // Comma-separated node names of the first masters, for cluster.initial_master_nodes.
  const masters = [...slots(e)].filter(([k]) => k.startsWith('master-')).map(([, v]) => v);
  writeFileSync(join(e.dir, 'initial-masters'), `${masters.join(',')}\n`);
  return lines;
}

export async function roll(e: FleetEnv, version: string): Promise<string[]> {
  const setup = readSetup(e);
  const aws = createAwsClients(e.endpoint, e.region);
  const lines: string[] = [];
  for (const fleet of setup.fleets) {
    const number = await rollLaunchTemplate(aws, fleet, setup.imageId, e.cluster, version);
    lines.push(`${fleet.groupName}: launch template version ${number} (Version=${version}) is the default`);
  }
  return lines;
}

export async function status(e: FleetEnv): Promise<string[]> {
  const setup = readSetup(e);
  const played = new Map([...slots(e)].map(([slot, id]) => [id, slot]));
  return (await running(e, setup)).map(
    (i) => `${i.id}  ${i.groupName ?? '-'}  Version=${i.tags.Version ?? '-'}  ${i.state}  ${played.get(i.id) ?? '(no container yet)'}`,
  );
}

/** The oldest running instance of a role that no container plays: the one a replacement should play. */
export async function next(e: FleetEnv, role: Role): Promise<string | undefined> {
  const played = new Set(slots(e).values());
  return (await running(e, readSetup(e), role)).find((i) => !played.has(i.id))?.id;
}

async function main(argv: string[]): Promise<number> {
  const e = fleetEnv(process.env);
  const [command, ...args] = argv;
  switch (command) {
    case 'seed': {
      const [version = '', masters = '3', data = '2'] = args;
      console.log((await seed(e, version, { master: Number(masters), data: Number(data) })).join('\n'));
      return 0;
    }
    case 'roll':
      console.log((await roll(e, args[0] ?? '')).join('\n'));
      return 0;
    case 'status':
      console.log((await status(e)).join('\n'));
      return 0;
    case 'next': {
      const role = args[0] === 'master' ? 'master' : 'data';
      const id = await next(e, role);
      if (id === undefined) {
        console.error(`no ${role} instance is waiting for a container`);
        return 1;
      }
      writeFileSync(join(e.dir, `replacement-${id}`), `${id}\n`);
      console.log(id);
      return 0;
    }
    default:
      console.error('usage: fleet.ts seed <version> <masters> <data> | roll <version> | status | next <master|data>');
      return 2;
  }
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
