// Runs the command line as a child process, the way users and deployment tools do, and a local HTTP
// server that records every request: proof that nothing was contacted.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** Node 24 from the project (it runs .ts directly), whatever node runs the tests. */
const NODE = existsSync(`${REPO}node_modules/.bin/node`) ? `${REPO}node_modules/.bin/node` : process.execPath;

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Run through bin/es-rolling-upgrade.js instead of src/cli/main.ts. */
  viaBin?: boolean;
  /** Standard input: nothing (default), a pipe (a socket, as node makes it), or an open file descriptor. */
  stdin?: 'ignore' | 'pipe' | number;
}

export function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  const entry = options.viaBin ? 'bin/es-rolling-upgrade.js' : 'src/cli/main.ts';
  // A clean environment: no AWS or ESRU settings of whoever runs the tests.
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NO_COLOR: '1', ...options.env };
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [entry, ...args], { cwd: REPO, env, stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

export interface RecordingServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Answers every request with 401, so a client that does connect fails fast. */
export async function startRecordingServer(): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    req.resume();
    res.writeHead(401, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
    res.end(JSON.stringify({ error: { type: 'security_exception', reason: 'unable to authenticate' }, status: 401 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port.toString()}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
