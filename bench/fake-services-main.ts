// Runs the fake services in a process of their own, so the process measured does only its own work:
// `node bench/fake-services-main.ts <nodes> [replaced] [conflicts]` sends {esUrl, awsUrl, lease,
// shards, instances} on IPC once listening, answers "calls" with the calls so far, and stops when
// its parent lets go.

import { startFakeServices } from './fake-services.ts';
import { buildWorld } from './synthetic-world.ts';

const [nodes = 200, replaced = 0, conflicts = 0] = process.argv.slice(2).map(Number);
const world = buildWorld({ nodes, replaced, conflicts });
const services = await startFakeServices(world);
process.send?.({ esUrl: services.esUrl, awsUrl: services.awsUrl, lease: world.lease, shards: world.es.shards.length, instances: world.fleet.instances.length });
process.on('message', (m) => {
  if (m === 'calls') process.send?.({ calls: services.calls() });
});
process.on('disconnect', () => void services.close().then(() => process.exit(0)));
