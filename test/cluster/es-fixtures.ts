// Real Elasticsearch responses captured into test/fixtures/es/<version>/<name>.json, and a client
// whose HTTP layer answers with them (@elastic/elasticsearch-mock).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { Client, errors } from '@elastic/elasticsearch';
import MockModule from '@elastic/elasticsearch-mock';

// The package is CommonJS with an ES-style `export default` in its types: unwrap whichever we got.
type Mock = InstanceType<typeof MockModule.default>;
const Mock = ((MockModule as { default?: unknown }).default ?? MockModule) as typeof MockModule.default;

interface CaptureLog {
  requests: { file: string; method: string; path: string; status: number; body?: unknown }[];
}

export interface FixtureSet {
  /** Captured versions that have every named fixture (and their capture log), oldest first. */
  versionsWith: (...names: string[]) => string[];
  loadFixture: <T = Record<string, unknown>>(version: string, name: string) => T;
  /** How a fixture was captured (method, path, status), from the version's requests.json. */
  captureOf: (version: string, name: string) => CaptureLog['requests'][number];
  /** A captured response as the mock serves it: the body, or an error carrying the captured status. */
  fixtureResponse: (version: string, name: string) => Response;
}

/** `es`: read-side captures (sandbox/capture-fixtures.ts); `es-writes`: test/cluster/capture-write-fixtures.ts. */
export function fixtureSet(set: string): FixtureSet {
  const root = new URL(`../fixtures/${set}/`, import.meta.url);
  const versionsWith = (...names: string[]): string[] => {
    if (!existsSync(root)) return [];
    return readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory() && [...names, 'requests'].every((n) => existsSync(new URL(`${d.name}/${n}.json`, root))))
      .map((d) => d.name)
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  };
  const loadFixture = <T,>(version: string, name: string): T =>
    JSON.parse(readFileSync(new URL(`${version}/${name}.json`, root), 'utf8')) as T;
  const captureOf = (version: string, name: string): CaptureLog['requests'][number] => {
    const entry = loadFixture<CaptureLog>(version, 'requests').requests.find((r) => r.file === `${name}.json`);
    if (!entry) throw new Error(`${set}/${version}/requests.json does not list ${name}.json`);
    return entry;
  };
  const fixtureResponse = (version: string, name: string): Response => {
    const body = loadFixture<Record<string, unknown>>(version, name);
    const { status } = captureOf(version, name);
    if (status < 400) return body;
    return new errors.ResponseError({ body, statusCode: status, headers: {}, warnings: null, meta: {} as never });
  };
  return { versionsWith, loadFixture: loadFixture, captureOf, fixtureResponse };
}

export const { versionsWith, loadFixture, captureOf, fixtureResponse } = fixtureSet('es');

/** `_cat/shards` columns by their aliases (Elasticsearch's RestShardsAction), for those the adapter reads. */
const CAT_SHARDS_ALIASES: Record<string, string> = {
  i: 'index',
  idx: 'index',
  s: 'shard',
  sh: 'shard',
  p: 'prirep',
  pr: 'prirep',
  primaryOrReplica: 'prirep',
  st: 'state',
  n: 'node',
  ua: 'unassigned.at',
};

/**
 * Captured `_cat/shards` rows (default columns, full names) as Elasticsearch answers `h=<columns>`:
 * only those columns, each named as asked. A column the capture lacks stays out, as it was.
 */
export function catShardsAsAsked(rows: Record<string, unknown>[], h: string): Record<string, unknown>[] {
  const columns = h.split(',').map((asked) => ({ asked, name: CAT_SHARDS_ALIASES[asked] ?? asked }));
  return rows.map((row) => Object.fromEntries(columns.filter((c) => c.name in row).map((c) => [c.asked, row[c.name]])));
}

/** A captured `_cat/shards` fixture served in the columns each request asks for (all of them without `h`). */
export function catShardsResponse(version: string, name: string): (request: Request) => object {
  const rows = loadFixture<Record<string, unknown>[]>(version, name);
  return (request) => (request.querystring.h === undefined ? rows : catShardsAsAsked(rows, request.querystring.h));
}

export interface Request {
  method: string;
  path: string;
  querystring: Record<string, string>;
  body: unknown;
}

export interface MockedEs {
  client: Client;
  mock: Mock;
  /** Every request the client sent, in order. */
  requests: Request[];
  /** Answer `method path` with each response in turn, the last one repeating. */
  serve: (method: string, path: string, ...responses: Response[]) => void;
}

export type Response = object | errors.ResponseError | errors.ElasticsearchClientError | ((request: Request) => object);

export function mockedEs(auth?: { username: string; password: string } | { apiKey: string }): MockedEs {
  const mock = new Mock();
  const requests: Request[] = [];
  const client = new Client({
    node: 'http://localhost:9200',
    Connection: mock.getConnection(),
    maxRetries: 0,
    ...(auth ? { auth } : {}),
  });
  const serve = (method: string, path: string, ...responses: Response[]): void => {
    let served = 0;
    mock.add({ method, path }, (params: unknown) => {
      const request = params as Request;
      requests.push(request);
      const response = responses[Math.min(served++, responses.length - 1)];
      return (typeof response === 'function' ? response(request) : response) as Record<string, unknown>;
    });
  };
  return { client, mock, requests, serve };
}
