// The wiring of real clients and adapters: with connect-lock.ts (the lease alone), the only place the
// command line and the service construct SDK clients.

import { createAwsClients } from '../cloud/aws-clients.ts';
import { AwsFleet } from '../cloud/aws-fleet.ts';
import { createEsClient } from '../cluster/es-client.ts';
import { EsCluster } from '../cluster/es-cluster.ts';
import { createEsLock } from '../cluster/es-lock.ts';
import { systemClock } from '../shared/clock.ts';
import { toolUserAgent } from '../shared/tool-version.ts';
import type { Logger } from '../shared/log.ts';
import type { Cluster, Fleet, Lock } from '../upgrade/ports.ts';
import type { ConnectionOptions } from './config.ts';
import { esClientOptions, registerConnectionSecrets, type RunLabel } from './es-connection.ts';

export interface Connection {
  cluster: Cluster;
  fleet: Fleet;
  lock: Lock;
  /** Close sockets so the process can exit. */
  close(): Promise<void>;
}

export { esClientOptions, registerConnectionSecrets, type RunLabel } from './es-connection.ts';

/** Builds the adapters for one connection; the real one is connect(), tests pass their own. */
export type ConnectFn = (options: ConnectionOptions, log: Logger, versionTagKey: string, run?: RunLabel) => Connection;

export function connect(options: ConnectionOptions, log: Logger, versionTagKey: string, run?: RunLabel): Connection {
  registerConnectionSecrets(options.es);
  const es = createEsClient({
    ...esClientOptions(options.es),
    // "es-rolling-upgrade/0.1.0 run host:pid:id": the tool, what it does, and who holds the lease.
    ...(run ? { opaqueId: `${toolUserAgent()} ${run.command} ${run.holder}` } : {}),
  });
  const cluster = new EsCluster(es, log.child({ adapter: 'elasticsearch' }));
  const lock = createEsLock(es, systemClock, log.child({ adapter: 'lock' }));
  const aws = createAwsClients({
    region: options.aws.region,
    profile: options.aws.profile,
    endpoint: options.aws.endpoint,
  });
  const fleet = new AwsFleet(aws.ec2, aws.autoScaling, log.child({ adapter: 'aws' }), { versionTagKey });
  return {
    cluster,
    fleet,
    lock,
    close: async () => {
      aws.ec2.destroy();
      aws.autoScaling.destroy();
      await es.close();
    },
  };
}
