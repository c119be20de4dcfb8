// `index`: indices with known documents, so `verify` can prove none were lost.

import { EsHttp } from '../es-http.ts';
import { readState, writeState } from '../sandbox-state.ts';

export interface IndexOptions {
  indices: number;
  replicas: number;
  /** Total across the indices. */
  docs: number;
  shards?: number;
  /**
   * `index.unassigned.node_left.delayed_timeout` (Elasticsearch default 1m). A replacement node is a
   * new node, so its copies wait out the whole delay: short values keep tests quick.
   */
  nodeLeftDelay?: string;
}

export async function indexDocs(options: IndexOptions): Promise<string> {
  const state = readState();
  const http = new EsHttp([state.esUrl]);
  const names = Array.from({ length: options.indices }, (_, i) => `data-${i + 1}`);
  const docsPerIndex = Math.ceil(options.docs / options.indices);
  for (const name of names) {
    await http.json('PUT', `/${name}`, {
      settings: {
        index: {
          number_of_shards: options.shards ?? 2,
          number_of_replicas: options.replicas,
          ...(options.nodeLeftDelay ? { 'unassigned.node_left.delayed_timeout': options.nodeLeftDelay } : {}),
        },
      },
      mappings: { properties: { n: { type: 'long' }, text: { type: 'text' }, at: { type: 'date' } } },
    });
    for (let start = 0; start < docsPerIndex; start += 2000) {
      const end = Math.min(start + 2000, docsPerIndex);
      const lines: string[] = [];
      for (let n = start; n < end; n++) {
        lines.push(`{"index":{"_id":"${n}"}}`, JSON.stringify({ n, text: `document ${n} of ${name}`, at: new Date().toISOString() }));
      }
      const response = await http.request({ method: 'POST', path: `/${name}/_bulk`, ndjson: `${lines.join('\n')}\n` });
      const body = JSON.parse(response.text) as { errors?: boolean };
      if (response.status !== 200 || body.errors) throw new Error(`bulk into ${name} failed: ${response.text.slice(0, 300)}`);
    }
  }
  await http.json('POST', `/${names.join(',')}/_refresh`);
  const previous = state.indexed?.indices ?? [];
  writeState({ ...state, indexed: { indices: [...new Set([...previous, ...names])], docsPerIndex } });
  return `indexed ${docsPerIndex} documents into each of ${names.join(', ')} (${options.replicas} replica(s))`;
}
