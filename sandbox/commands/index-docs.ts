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
  /** Indices are named `<prefix>-<n>` (default `data`), numbered on from those that exist already. */
  prefix?: string;
}

export async function indexDocs(options: IndexOptions): Promise<string> {
  const state = readState();
  const http = new EsHttp([state.esUrl]);
  const prefix = options.prefix ?? 'data';
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(prefix)) throw new Error(`index prefix must be lower-case letters, digits, - or _; got ${JSON.stringify(prefix)}`);
  // A second `index` adds indices instead of failing on the names of the first.
  const existing = await http.json<{ index: string }[]>('GET', `/_cat/indices/${prefix}-*?format=json&h=index&expand_wildcards=all`);
  const taken = existing.map((i) => Number(i.index.slice(prefix.length + 1))).filter((n) => Number.isInteger(n));
  const first = Math.max(0, ...taken) + 1;
  const names = Array.from({ length: options.indices }, (_, i) => `${prefix}-${first + i}`);
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
  // Read again: the state may have changed while the documents went in.
  const latest = readState();
  const previous = latest.indexed;
  const counts = { ...Object.fromEntries((previous?.indices ?? []).map((i) => [i, previous?.counts?.[i] ?? previous?.docsPerIndex ?? 0])),
    ...Object.fromEntries(names.map((n) => [n, docsPerIndex])) };
  writeState({ ...latest, indexed: { indices: Object.keys(counts), docsPerIndex, counts } });
  return `indexed ${docsPerIndex} documents into each of ${names.join(', ')} (${options.replicas} replica(s))`;
}
