// The background writer: indexes small batches continually through the sandbox URL and appends
// every acknowledged document id to .sandbox/writer/acked.txt, so `verify` can check none was lost.

import { appendFileSync, mkdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { backgroundAlive, startBackground, stopBackground } from '../background.ts';
import { EsHttp } from '../es-http.ts';
import { paths, readState } from '../sandbox-state.ts';

export const WRITER_INDEX = 'writes';

/**
 * Makes the writer's index ahead of the writer (which would otherwise create it with one shard and
 * Elasticsearch's 1m node-left delay: each replaced node's replicas would wait the whole minute).
 */
export async function createWriterIndex(options: { nodeLeftDelay: string; shards?: number; replicas?: number }): Promise<void> {
  const http = new EsHttp([readState().esUrl]);
  await http.json('PUT', `/${WRITER_INDEX}`, {
    settings: {
      index: {
        number_of_shards: options.shards ?? 2,
        number_of_replicas: options.replicas ?? 1,
        'unassigned.node_left.delayed_timeout': options.nodeLeftDelay,
      },
    },
  });
}

export function startWriter(): string {
  if (backgroundAlive(paths.writerPid)) return 'writer already running';
  mkdirSync(paths.writer, { recursive: true });
  const pid = startBackground(['writer', 'run'], paths.writerPid, paths.writerLog);
  return `writer started (pid ${pid}); acknowledged ids go to ${paths.writerAcked}`;
}

export async function stopWriter(): Promise<string> {
  return (await stopBackground(paths.writerPid)) ? 'writer stopped' : 'writer was not running';
}

interface BulkItem {
  index?: { _id: string; status: number; error?: { type: string; reason: string } };
}

/** The writer's loop (runs in the background process). */
export async function runWriter(batchSize = 20, pauseMs = 200): Promise<void> {
  const state = readState();
  const http = new EsHttp([state.esUrl]);
  let stopping = false;
  process.once('SIGTERM', () => (stopping = true));
  process.once('SIGINT', () => (stopping = true));
  const log = (message: string): void => console.log(`${new Date().toISOString()} ${message}`);
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
