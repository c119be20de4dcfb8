// `down`: stop the writer, the agent, every Elasticsearch process, the AWS fault layer and moto;
// keep the logs a failed run needs in .sandbox/last-run; remove the rest of the sandbox's files.

import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { stopBackground } from '../background.ts';
import { stopNode } from '../es-node.ts';
import { stopMoto } from '../moto-server.ts';
import { sandboxDir } from '../paths.ts';
import { paths } from '../sandbox-state.ts';

/** Entries of .sandbox that `down` leaves: a fixture capture that may be running, and the kept logs. */
const KEPT = new Set(['capture', 'last-run']);

export async function down(): Promise<string[]> {
  const lines: string[] = [];
  if (await stopBackground(paths.writerPid)) lines.push('writer stopped');
  // The agent first, so it does not react to processes going away.
  if (await stopBackground(paths.agentPid)) lines.push('fleet agent stopped');
  if (existsSync(paths.nodes)) {
    const dirs = readdirSync(paths.nodes).map((d) => join(paths.nodes, d));
    const started = Date.now();
    const outcomes = await Promise.all(dirs.map(async (dir) => [dir, await stopNode(dir, 15_000)] as const));
    const stopped = outcomes.filter(([, o]) => o !== 'not-running').length;
    if (stopped > 0) lines.push(`${stopped} Elasticsearch node(s) stopped in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const killed = outcomes.filter(([, o]) => o === 'killed').map(([dir]) => dir);
    if (killed.length > 0) lines.push(`killed after the grace period: ${killed.join(', ')}`);
  }
  if (await stopBackground(paths.awsPid)) lines.push('AWS fault layer stopped');
  await stopMoto(paths.moto);
  if (existsSync(paths.state) && keepLogs()) lines.push(`logs kept in ${paths.lastRun}`);
  if (existsSync(sandboxDir)) {
    for (const entry of readdirSync(sandboxDir)) if (!KEPT.has(entry)) rmSync(join(sandboxDir, entry), { recursive: true, force: true });
  }
  lines.push('sandbox is down');
  return lines;
}

/**
 * Copies what explains a run into .sandbox/last-run (replacing the previous run's): state, agent log
 * and view, the fault layer's log, calls and state, moto's and the writer's logs, and per node its
 * console log, server logs and JVM crash files. No data directories, no secrets.
 */
export function keepLogs(): boolean {
  rmSync(paths.lastRun, { recursive: true, force: true });
  mkdirSync(paths.lastRun, { recursive: true });
  const keep = (from: string, to: string, filter?: (name: string) => boolean): void => {
    if (!existsSync(from)) return;
    cpSync(from, join(paths.lastRun, to), { recursive: true, filter: (source) => !filter || filter(source) });
  };
  keep(paths.state, 'state.json');
  keep(paths.faults, 'faults.json');
  keep(paths.agent, 'agent', (source) => !source.endsWith('.pid'));
  keep(paths.aws, 'aws', (source) => !source.endsWith('.pid'));
  keep(paths.moto, 'moto', (source) => !source.endsWith('.pid'));
  keep(paths.writer, 'writer', (source) => !source.endsWith('acked.txt'));
  if (existsSync(paths.nodes)) {
    for (const node of readdirSync(paths.nodes)) {
      const dir = join(paths.nodes, node);
      keep(join(dir, 'console.log'), join('nodes', node, 'console.log'));
      // Server logs and hs_err crash files; not the gc logs, which say nothing about why a node left.
      keep(join(dir, 'logs'), join('nodes', node, 'logs'), (source) => !/gc\.log/.test(source));
    }
  }
  return true;
}
