// Builds the Elasticsearch client. The 8.19 client is deliberate: it talks to 7.17, 8.x and 9.x
// servers, while the 9.x client sends `compatible-with=9`, which 8.x servers reject.

import { readFileSync } from 'node:fs';
import { Client, type ClientOptions } from '@elastic/elasticsearch';
import { InvalidInputError } from '../shared/errors.ts';
import { registerSecret } from '../shared/redact.ts';
import { toolUserAgent } from '../shared/tool-version.ts';

export interface EsClientOptions {
  /** One or more node URLs. All are used, so losing the node being talked to is not fatal. */
  nodes: string[];
  /** Base64 "id:key" API key (as Kibana shows it). Takes precedence over username/password. */
  apiKey?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  /** PEM file of the CA that signed the cluster's HTTP certificate. */
  caFile?: string | undefined;
  /** Verify the server certificate (default true). */
  rejectUnauthorized?: boolean | undefined;
  /** Default per-request timeout (default 30 s); long polls pass their own. */
  requestTimeoutMs?: number | undefined;
  /** Discover nodes from the cluster (default false: a rolling upgrade churns them). */
  sniff?: boolean | undefined;
  /**
   * Transport-level retries (default 0): the adapters' retries are the one retry layer, and each
   * goes to the next live node of the list. The transport's own would retry even an untrusted
   * certificate, with backoff, before the adapters could tell it is no passing fault.
   */
  maxRetries?: number | undefined;
  /**
   * X-Opaque-Id of every request (default "es-rolling-upgrade/<version>"): Elasticsearch shows it in
   * the tasks API, slow logs and deprecation logs, so an operator can tell what this tool is doing.
   */
  opaqueId?: string | undefined;
}

export function createEsClient(options: EsClientOptions): Client {
  if (options.nodes.length === 0) throw new InvalidInputError('at least one Elasticsearch URL is required');
  const nodes = options.nodes.map(parseNodeUrl);
  registerSecret(options.apiKey);
  registerSecret(options.password);
  const config: ClientOptions = {
    nodes,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    maxRetries: options.maxRetries ?? 0,
    sniffOnStart: options.sniff ?? false,
    sniffOnConnectionFault: options.sniff ?? false,
    // Error metadata carries the request headers and connection URL: drop them from errors.
    redaction: { type: 'remove' },
    headers: { 'x-opaque-id': headerValue(options.opaqueId ?? toolUserAgent()) },
    tls: {
      ...(options.caFile ? { ca: readCa(options.caFile) } : {}),
      rejectUnauthorized: options.rejectUnauthorized ?? true,
    },
  };
  if (options.apiKey) config.auth = { apiKey: options.apiKey };
  else if (options.username !== undefined) config.auth = { username: options.username, password: options.password ?? '' };
  return new Client(config);
}

/** A header value is visible ASCII: anything else (a host name in another script) becomes "?". */
function headerValue(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}

function parseNodeUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidInputError(`not a valid Elasticsearch URL: ${raw.replace(/\/\/[^@/]*@/, '//[redacted]@')}`);
  }
  // Credentials embedded in a URL are secrets too.
  if (url.password) registerSecret(decodeURIComponent(url.password));
  return raw;
}

function readCa(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new InvalidInputError(`cannot read CA file ${file}: ${(error as Error).message}`);
  }
}
