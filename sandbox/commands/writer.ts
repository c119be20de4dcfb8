// The background writer: indexes small batches continually through the sandbox URL and appends
// every acknowledged document id to .sandbox/writer/acked.txt, so `verify` can check none was lost.

import { appendFileSync, mkdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { backgroundAlive, startBackground, stopBackground } from '../background.ts';
import { EsHttp } from '../es-http.ts';
import { paths, readState } from '../sandbox-state.ts';
import { waitFor } from '../wait-for.ts';

export const WRITER_INDEX = 'writes';

export interface WriterIndexOptions {
  /** `index.unassigned.node_left.delayed_timeout`; Elasticsearch's 1m when absent. */
  nodeLeftDelay?: string;
  shards?: number;
  replicas?: number;
}

function writerIndexBody(options: WriterIndexOptions): unknown {
  return {
    settings: {
      index: {
        number_of_shards: options.shards ?? 2,
        number_of_replicas: options.replicas ?? 1,
        ...(options.nodeLeftDelay ? { 'unassigned.node_left.delayed_timeout': options.nodeLeftDelay } : {}),
      },
    },
  };
}

/**
 * Makes the writer's index ahead of the writer, with a short node-left delay (Elasticsearch's 1m would
 * hold each replaced node's replicas back for the whole minute).
 */
export async function createWriterIndex(options: WriterIndexOptions & { nodeLeftDelay: string }): Promise<void> {
  const http = new EsHttp([readState().esUrl]);
  await http.json('PUT', `/${WRITER_INDEX}`, writerIndexBody(options));
}

/**
 * The writer's index as it needs it: made with `options` when absent (an index the writer's first
 * bulk created would have one shard and the default delay), left as it is when present.
 */
export async function ensureWriterIndex(http: EsHttp, options: WriterIndexOptions): Promise<'created' | 'exists'> {
  const head = await http.request({ method: 'HEAD', path: `/${WRITER_INDEX}` });
  if (head.status === 200) return 'exists';
  if (head.status !== 404) throw new Error(`HEAD /${WRITER_INDEX} -> ${head.status}`);
  const put = await http.request({ method: 'PUT', path: `/${WRITER_INDEX}`, body: writerIndexBody(options) });
  if (put.status === 200) return 'created';
  if (put.status === 400 && put.text.includes('resource_already_exists_exception')) return 'exists';
  throw new Error(`PUT /${WRITER_INDEX} -> ${put.status}: ${put.text.slice(0, 300)}`);
}

/** Starts the background writer; it makes its index first when there is none (with `index`). */
export function startWriter(index: WriterIndexOptions = {}): string {
  if (backgroundAlive(paths.writerPid)) return 'writer already running';
  mkdirSync(paths.writer, { recursive: true });
  const flags = [
    ...(index.nodeLeftDelay ? ['--node-left-delay', index.nodeLeftDelay] : []),
    ...(index.shards !== undefined ? ['--shards', String(index.shards)] : []),
    ...(index.replicas !== undefined ? ['--replicas', String(index.replicas)] : []),
  ];
  const pid = startBackground(['writer', 'run', ...flags], paths.writerPid, paths.writerLog);
  return `writer started (pid ${pid}); acknowledged ids go to ${paths.writerAcked}`;
}

export async function stopWriter(): Promise<string> {
  return (await stopBackground(paths.writerPid)) ? 'writer stopped' : 'writer was not running';
}

interface BulkItem {
  index?: { _id: string; status: number; error?: { type: string; reason: string } };
}

export interface WriterRunOptions {
  index?: WriterIndexOptions;
  batchSize?: number;
  pauseMs?: number;
}

/** The writer's loop (runs in the background process). */
export async function runWriter(options: WriterRunOptions = {}): Promise<void> {
  const batchSize = options.batchSize ?? 20;
  const pauseMs = options.pauseMs ?? 200;
  const state = readState();
  const http = new EsHttp([state.esUrl]);
  let stopping = false;
  process.once('SIGTERM', () => (stopping = true));
  process.once('SIGINT', () => (stopping = true));
  const log = (message: string): void => console.log(`${new Date().toISOString()} ${message}`);
  const index = await waitFor(() => ensureWriterIndex(http, options.index ?? {}), { timeoutMs: 60_000, intervalMs: 1000, what: `the index ${WRITER_INDEX}` });
  log(index === 'created' ? `created the index ${WRITER_INDEX} (${JSON.stringify(options.index ?? {})})` : `writing into the existing index ${WRITER_INDEX}`);
  // Ids are unique per run so a restarted writer never counts an older document as its own.
  const run = Date.now().toString(36);
  let seq = 0;
  let acked = 0;
  let failed = 0;
  log(`writer ${run} started against ${state.esUrl}`);
  while (!stopping) {
    const ids = Array.from({ length: batchSize }, () => `${run}-${seq++}`);
    const lines = ids.flatMap((id) => [`{"index":{"_id":"${id}"}}`, JSON.stringify({ id, at: new Date().toISOString() })]);
    try {
      const response = await http.request({ method: 'POST', path: `/${WRITER_INDEX}/_bulk`, ndjson: `${lines.join('\n')}\n`, timeoutMs: 60_000 });
      if (response.status === 200) {
        const items = (JSON.parse(response.text) as { items: BulkItem[] }).items;
        const ok = items.filter((i) => i.index && i.index.status >= 200 && i.index.status < 300).map((i) => i.index?._id ?? '');
        if (ok.length > 0) appendFileSync(paths.writerAcked, `${ok.join('\n')}\n`);
        acked += ok.length;
        const errors = items.filter((i) => i.index?.error).map((i) => `${i.index?._id}: ${i.index?.error?.type}`);
        if (errors.length > 0) {
          failed += errors.length;
          log(`not acknowledged: ${errors.slice(0, 3).join(', ')}${errors.length > 3 ? ` and ${errors.length - 3} more` : ''}`);
        }
      } else {
        failed += ids.length;
        log(`bulk -> HTTP ${response.status}: ${response.text.slice(0, 200)}`);
      }
    } catch (error) {
      failed += ids.length;
      log(`bulk failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (seq % 1000 === 0) log(`acknowledged ${acked}, not acknowledged ${failed}`);
    await sleep(pauseMs);
  }
  log(`writer stopped: acknowledged ${acked}, not acknowledged ${failed}`);
}
