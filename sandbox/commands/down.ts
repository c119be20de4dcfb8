// `down`: stop the writer, the agent, every Elasticsearch process, the AWS fault layer and moto;
// remove the sandbox's files.

import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { stopBackground } from '../background.ts';
import { stopNode } from '../es-node.ts';
import { stopMoto } from '../moto-server.ts';
import { sandboxDir } from '../paths.ts';
import { paths } from '../sandbox-state.ts';

export async function down(): Promise<string[]> {
  const lines: string[] = [];
  if (await stopBackground(paths.writerPid)) lines.push('writer stopped');
  // The agent first, so it does not react to processes going away.
  if (await stopBackground(paths.agentPid)) lines.push('fleet agent stopped');
  if (existsSync(paths.nodes)) {
    const dirs = readdirSync(paths.nodes).map((d) => join(paths.nodes, d));
    const outcomes = await Promise.all(dirs.map(async (dir) => [dir, await stopNode(dir, 15_000)] as const));
    const stopped = outcomes.filter(([, o]) => o !== 'not-running').length;
    if (stopped > 0) lines.push(`${stopped} Elasticsearch process(es) stopped`);
  }
  if (await stopBackground(paths.awsPid)) lines.push('AWS fault layer stopped');
  await stopMoto(paths.moto);
  // Keep a fixture capture that may be running beside the sandbox.
  if (existsSync(sandboxDir)) {
    for (const entry of readdirSync(sandboxDir)) if (entry !== 'capture') rmSync(join(sandboxDir, entry), { recursive: true, force: true });
  }
  lines.push('sandbox is down');
  return lines;
}
