// What `up` created, kept in .sandbox/state.json so every later command (and the agent) finds it.

import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RoleFleet } from './fleet-setup.ts';
import { sandboxDir } from './paths.ts';

export interface SandboxState {
  clusterName: string;
  region: string;
  /** The AWS endpoint clients use: the fault layer in front of moto (aws-fault-proxy.ts). */
  awsEndpoint: string;
  /** moto itself, behind the fault layer (only `up` and the fault layer talk to it directly). */
  motoEndpoint?: string;
  awsProxyPort?: number;
  /** Stable Elasticsearch URL: the agent's proxy to whichever nodes are up. */
  esUrl: string;
  proxyPort: number;
  /** `up --tls`: the HTTPS front with basic auth before esUrl, for the controller. */
  esTls?: EsTlsState;
  imageId: string;
  vpcId: string;
  subnetIds: string[];
  fleets: RoleFleet[];
  /** Version the fleet was created with, and the one the launch templates name now. */
  initialVersion: string;
  launchVersion: string;
  counts: { master: number; data: number };
  /** `up --zones N`: the groups span N zones and awareness is on this node attribute (each node's zone). */
  zoneAwareness?: { attribute: string; zones: number };
  /** Written by `index`, read by `verify`: documents per index (`counts`; `docsPerIndex` for older states). */
  indexed?: { indices: string[]; docsPerIndex: number; counts?: Record<string, number> };
}

export interface EsTlsState {
  url: string;
  port: number;
  /** PEM of the CA that signed the front's certificate (`--es-ca-file`). */
  caFile: string;
  /** A CA that signed nothing here, for tests of a wrong CA. */
  wrongCaFile: string;
  certFile: string;
  keyFile: string;
  username: string;
  /** Mode 0600 files holding the password and the encoded API key; never printed. */
  passwordFile: string;
  apiKeyFile: string;
}

export const paths = {
  state: join(sandboxDir, 'state.json'),
  nodes: join(sandboxDir, 'nodes'),
  agent: join(sandboxDir, 'agent'),
  agentPid: join(sandboxDir, 'agent', 'agent.pid'),
  agentLog: join(sandboxDir, 'agent', 'agent.log'),
  /** The agent's view of its processes, rewritten every tick. */
  agentNodes: join(sandboxDir, 'agent', 'nodes.json'),
  agentBootstrap: join(sandboxDir, 'agent', 'bootstrapped.json'),
  faults: join(sandboxDir, 'faults.json'),
  /** The AWS fault layer: faults.json, calls.jsonl, state.json, its pid and log. */
  aws: join(sandboxDir, 'aws'),
  awsPid: join(sandboxDir, 'aws', 'proxy.pid'),
  awsLog: join(sandboxDir, 'aws', 'proxy.log'),
  esTls: join(sandboxDir, 'es-tls'),
  /** Logs of the last sandbox `down` took away, kept for diagnosis until the next `down`. */
  lastRun: join(sandboxDir, 'last-run'),
  moto: join(sandboxDir, 'moto'),
  writer: join(sandboxDir, 'writer'),
  writerPid: join(sandboxDir, 'writer', 'writer.pid'),
  writerLog: join(sandboxDir, 'writer', 'writer.log'),
  writerAcked: join(sandboxDir, 'writer', 'acked.txt'),
};

export function readState(): SandboxState {
  if (!existsSync(paths.state)) throw new Error('no sandbox is up (run `npm run sandbox -- up`)');
  return JSON.parse(readFileSync(paths.state, 'utf8')) as SandboxState;
}

export function writeState(state: SandboxState): void {
  mkdirSync(sandboxDir, { recursive: true });
  writeFileSync(paths.state, `${JSON.stringify(state, null, 2)}\n`);
}

export function readJsonFile<T>(file: string, fallback: T): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return fallback;
  }
}

export function writeJsonFile(file: string, value: unknown): void {
  // Write then rename, so readers never see half a file.
  writeFileSync(`${file}.tmp`, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}
