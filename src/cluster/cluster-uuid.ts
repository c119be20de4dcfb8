// Which cluster a set of URLs reaches: its UUID, from GET /. Two spellings of one cluster's URLs (a
// host name and an IP, another node, a trailing slash) answer with the same UUID.

import { ServiceError } from '../shared/errors.ts';
import { createEsClient, type EsClientOptions } from './es-client.ts';
import { toEsServiceError } from './es-error.ts';

/** UUID of a cluster that has not elected its first master yet. */
const NOT_YET = '_na_';

export async function readClusterUuid(options: EsClientOptions, signal?: AbortSignal): Promise<string> {
  // One quick question: a request waits for this answer.
  const client = createEsClient({ ...options, requestTimeoutMs: options.requestTimeoutMs ?? 10_000, maxRetries: options.maxRetries ?? 1 });
  try {
    const info = await client.info(undefined, signal ? { signal } : {});
    const uuid = info.cluster_uuid;
    if (typeof uuid !== 'string' || uuid === '' || uuid === NOT_YET) {
      throw new ServiceError('elasticsearch', 'the cluster has no UUID yet (no master was ever elected); try again once it has formed');
    }
    return uuid;
  } catch (error) {
    if (error instanceof ServiceError) throw error;
    throw toEsServiceError(error, 'GET / (the cluster UUID)');
  } finally {
    await client.close();
  }
}
