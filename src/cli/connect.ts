// The wiring of real clients and adapters: the only place the CLI constructs SDK clients.

import { createEsClient } from '../cluster/es-client.ts';
import { EsCluster } from '../cluster/es-cluster.ts';
import { EsLock } from '../cluster/es-lock.ts';
import { UpgradeError } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';
import type { Cluster, Fleet, Lock } from '../upgrade/ports.ts';
import type { ConnectionOptions } from './config.ts';

export interface Connection {
  cluster: Cluster;
  fleet: Fleet;
  lock: Lock;
  /** Close sockets so the process can exit. */
  close(): Promise<void>;
}

export function connect(options: ConnectionOptions, log: Logger): Connection {
  const es = createEsClient({
    nodes: options.es.urls,
    apiKey: options.es.apiKey,
    username: options.es.username,
    password: options.es.password,
    caFile: options.es.caFile,
    rejectUnauthorized: options.es.tlsVerify,
  });
  const cluster = new EsCluster(es, log.child({ adapter: 'elasticsearch' }));
  const lock = new EsLock(es, log.child({ adapter: 'lock' }));
  const fleet = createFleet(options, log.child({ adapter: 'aws' }));
  return {
    cluster,
    fleet,
    lock,
    close: async () => {
      await es.close();
    },
  };
}

function createFleet(_options: ConnectionOptions, _log: Logger): Fleet {
  const unavailable = (): Promise<never> =>
    Promise.reject(new UpgradeError('the AWS adapter (src/cloud) is not available in this build'));
  return { observe: unavailable, terminateInGroup: unavailable };
}
