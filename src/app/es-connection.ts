// An Elasticsearch connection's settings as the client takes them, and what is scrubbed from output
// once they are known. Apart from src/app/connect.ts so a command that needs only Elasticsearch
// (lease) loads no AWS SDK.

import type { EsClientOptions } from '../cluster/es-client.ts';
import { registerCredentials, registerSecret } from '../shared/redact.ts';
import type { EsConnection } from './config.ts';

/** Which run a connection serves: named in every Elasticsearch request (X-Opaque-Id). */
export interface RunLabel {
  /** plan, run, serve or lease. */
  command: string;
  /** The run's id in the cluster lease. */
  holder: string;
}

/** The Elasticsearch client's options for a connection's settings. */
export function esClientOptions(es: EsConnection): EsClientOptions {
  return {
    nodes: es.urls,
    apiKey: es.apiKey,
    username: es.username,
    password: es.password,
    caFile: es.caFile,
    rejectUnauthorized: es.tlsVerify,
  };
}

/** Every form of the connection's secrets is scrubbed from what follows: errors, logs, reports. */
export function registerConnectionSecrets(es: EsConnection): void {
  registerSecret(es.apiKey);
  registerCredentials(es.username, es.password);
}
