// A local fake of the two Octopus REST endpoints the deregistration uses:
// GET /api/{spaceId}/machines?name= and DELETE /api/{spaceId}/machines/{id}, with X-Octopus-ApiKey.

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeOctopus {
  url: string;
  requests: { method: string; path: string; headers: IncomingHttpHeaders }[];
  machines: { Id: string; Name: string; SpaceId: string }[];
  close(): Promise<void>;
}

export async function startFakeOctopus(apiKey: string, machines: FakeOctopus['machines']): Promise<FakeOctopus> {
  const fake: Omit<FakeOctopus, 'url' | 'close'> = { requests: [], machines: [...machines] };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    fake.requests.push({ method: req.method ?? '', path: `${url.pathname}${url.search}`, headers: req.headers });
    const reply = (status: number, body?: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(body === undefined ? '' : JSON.stringify(body));
    };
    if (req.headers['x-octopus-apikey'] !== apiKey) return reply(401, { ErrorMessage: 'unauthorized' });
    const list = /^\/api\/([^/]+)\/machines$/.exec(url.pathname);
    if (list && req.method === 'GET') {
      // Like a lenient server: a substring match, so the client must keep exact names itself.
      const name = url.searchParams.get('name') ?? '';
      const items = fake.machines.filter((m) => m.SpaceId === list[1] && m.Name.includes(name));
      return reply(200, { ItemType: 'Machine', TotalResults: items.length, Items: items });
    }
    const one = /^\/api\/([^/]+)\/machines\/([^/]+)$/.exec(url.pathname);
    if (one && req.method === 'DELETE') {
      const index = fake.machines.findIndex((m) => m.SpaceId === one[1] && m.Id === one[2]);
      if (index < 0) return reply(404, { ErrorMessage: 'not found' });
      fake.machines.splice(index, 1);
      return reply(200);
    }
    return reply(404, { ErrorMessage: 'no route' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...fake,
    get requests() {
      return fake.requests;
    },
    get machines() {
      return fake.machines;
    },
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
