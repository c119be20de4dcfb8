// Real Elasticsearch responses captured into test/fixtures/es/<version>/<name>.json, and a client
// whose HTTP layer answers with them (@elastic/elasticsearch-mock).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { Client, errors } from '@elastic/elasticsearch';
import MockModule from '@elastic/elasticsearch-mock';

// The package is CommonJS with an ES-style `export default` in its types: unwrap whichever we got.
type Mock = InstanceType<typeof MockModule.default>;
const Mock = ((MockModule as { default?: unknown }).default ?? MockModule) as typeof MockModule.default;

const root = new URL('../fixtures/es/', import.meta.url);

/** Captured versions that have every named fixture (and their capture log), oldest first. */
export function versionsWith(...names: string[]): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && [...names, 'requests'].every((n) => existsSync(new URL(`${d.name}/${n}.json`, root))))
    .map((d) => d.name)
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

export function loadFixture<T = Record<string, unknown>>(version: string, name: string): T {
  return JSON.parse(readFileSync(new URL(`${version}/${name}.json`, root), 'utf8')) as T;
}

interface CaptureLog {
  requests: { file: string; method: string; path: string; status: number; body?: unknown }[];
}

/** How a fixture was captured (method, path, status), from the version's requests.json. */
export function captureOf(version: string, name: string): CaptureLog['requests'][number] {
  const log = loadFixture<CaptureLog>(version, 'requests');
  const entry = log.requests.find((r) => r.file === `${name}.json`);
  if (!entry) throw new Error(`${version}/requests.json does not list ${name}.json`);
  return entry;
}

/** A captured response as the mock serves it: the body, or an error carrying the captured status. */
export function fixtureResponse(version: string, name: string): Response {
  const body = loadFixture(version, name);
  const { status } = captureOf(version, name);
  if (status < 400) return body;
  return new errors.ResponseError({ body, statusCode: status, headers: {}, warnings: null, meta: {} as never });
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
