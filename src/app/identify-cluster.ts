// Which cluster a connection reaches, by its UUID: the service keys "one run per cluster" on it, so
// two spellings of one cluster's URLs are one cluster.

import { readClusterUuid } from '../cluster/cluster-uuid.ts';
import type { EsConnection } from './config.ts';
import { esClientOptions, registerConnectionSecrets } from './es-connection.ts';

/** Resolves with the cluster's UUID; rejects (with a ServiceError) when it cannot be read. */
export type IdentifyCluster = (es: EsConnection, signal?: AbortSignal) => Promise<string>;

export const identifyCluster: IdentifyCluster = (es, signal) => {
  registerConnectionSecrets(es);
  return readClusterUuid(esClientOptions(es), signal);
};
