// `verify`: every acknowledged document is present, and every node's version is printed.

import { existsSync, readFileSync } from 'node:fs';
import { EsHttp } from '../es-http.ts';
import { paths, readState } from '../sandbox-state.ts';
import { WRITER_INDEX } from './writer.ts';

export interface VerifyResult {
  ok: boolean;
  lines: string[];
  missing: number;
}

export async function verify(): Promise<VerifyResult> {
  const state = readState();
  const http = new EsHttp([state.esUrl]);
  const lines: string[] = [];
  let missing = 0;
  const nodes = await http.json<{ nodes: Record<string, { name: string; version: string; roles: string[] }> }>(
    'GET', '/_nodes?filter_path=nodes.*.name,nodes.*.version,nodes.*.roles');
  for (const node of Object.values(nodes.nodes).sort((a, b) => a.name.localeCompare(b.name))) {
    lines.push(`node ${node.name}: ${node.version} [${node.roles.join(',')}]`);
  }
  const health = await http.json<{ status: string }>('GET', '/_cluster/health');
  lines.push(`health: ${health.status}`);

  for (const index of state.indexed?.indices ?? []) {
    await http.json('POST', `/${index}/_refresh`);
    const count = (await http.json<{ count: number }>('GET', `/${index}/_count`)).count;
    const expected = state.indexed?.counts?.[index] ?? state.indexed?.docsPerIndex ?? 0;
    if (count < expected) missing += expected - count;
    lines.push(`index ${index}: ${count} of ${expected} documents${count < expected ? ' MISSING SOME' : ''}`);
  }

  if (existsSync(paths.writerAcked)) {
    const acked = [...new Set(readFileSync(paths.writerAcked, 'utf8').split('\n').filter(Boolean))];
    await http.json('POST', `/${WRITER_INDEX}/_refresh`);
    let absent: string[] = [];
    for (let i = 0; i < acked.length; i += 1000) {
      const docs = acked.slice(i, i + 1000).map((_id) => ({ _id }));
      const result = await http.json<{ docs: { _id: string; found: boolean }[] }>('POST', `/${WRITER_INDEX}/_mget?_source=false`, { docs });
      absent = absent.concat(result.docs.filter((d) => !d.found).map((d) => d._id));
    }
    missing += absent.length;
    lines.push(`writer: ${acked.length - absent.length} of ${acked.length} acknowledged documents present`
      + (absent.length ? `; missing ${absent.slice(0, 10).join(', ')}${absent.length > 10 ? ' ...' : ''}` : ''));
  }
  return { ok: missing === 0 && health.status !== 'red', lines, missing };
}
