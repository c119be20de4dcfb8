// The cluster lease alone, for `lease`: an Elasticsearch client and the lock on its lease document.
// No AWS client is built, and no AWS setting is needed.

import { createEsClient } from '../cluster/es-client.ts';
import { createEsLock } from '../cluster/es-lock.ts';
import { systemClock } from '../shared/clock.ts';
import type { Logger } from '../shared/log.ts';
import { toolUserAgent } from '../shared/tool-version.ts';
import type { Lock } from '../upgrade/ports.ts';
import type { EsConnection } from './config.ts';
import { esClientOptions, registerConnectionSecrets, type RunLabel } from './es-connection.ts';

export interface LockConnection {
  lock: Lock;
  /** Close sockets so the process can exit. */
  close(): Promise<void>;
}

/** Builds the lease's adapter; the real one is connectLock(), tests pass their own. */
export type ConnectLockFn = (es: EsConnection, log: Logger, run?: RunLabel) => LockConnection;

export const connectLock: ConnectLockFn = (options, log, run) => {
  registerConnectionSecrets(options);
  const es = createEsClient({
    ...esClientOptions(options),
    ...(run ? { opaqueId: `${toolUserAgent()} ${run.command} ${run.holder}` } : {}),
  });
  return { lock: createEsLock(es, systemClock, log.child({ adapter: 'lock' })), close: () => es.close() };
};
