// Free loopback ports for processes that bind them later (Elasticsearch binds ~10 s after launch).
//
// Ports come from below the kernel's ephemeral range: a port the kernel hands out for `listen(0)`
// is one it may also give, meanwhile, to any outgoing connection (six Elasticsearch nodes open
// hundreds while they form a cluster), and the node that was promised it then fails to bind.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Lowest port we hand out: above the well-known and the usual fixed service ports. */
const LOWEST = 20_000;

/** First port of the kernel's ephemeral range (Linux default 32768). */
function ephemeralStart(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low !== undefined && Number.isInteger(low) && low > LOWEST + 1000) return low;
  } catch {
    // Not Linux: the IANA dynamic range starts at 49152.
    return 49_152;
  }
  return 32_768;
}

const HIGHEST = ephemeralStart() - 1;

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Ports this process handed out: free now, but promised to a process that has not bound them yet. */
const promised = new Set<number>();

export async function findFreePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (HIGHEST - LOWEST + 1));
    if (promised.has(port) || !(await canListen(port))) continue;
    promised.add(port);
    return port;
  }
  throw new Error(`no free loopback port between ${LOWEST} and ${HIGHEST} after 200 tries`);
}

export async function findFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await findFreePort());
  return [...ports];
}
