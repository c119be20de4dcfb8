// Records which nodes the cluster reports over time, so a test can assert, say, that capacity never
// dropped by more than one node during an upgrade.

import { setTimeout as sleep } from 'node:timers/promises';
import type { EsHttp } from '../../sandbox/es-http.ts';

export interface NodeSample {
  at: number;
  /** Null when the cluster did not answer (no master, proxy had no node). */
  count: number | null;
  nodes: { name: string; version: string; roles: string }[];
  error?: string;
}

export class NodeSampler {
  readonly samples: NodeSample[] = [];
  private readonly http: EsHttp;
  private readonly loop: Promise<void>;
  private running = true;

  constructor(http: EsHttp, intervalMs: number) {
    this.http = http;
    this.loop = this.run(intervalMs);
  }

  private async run(intervalMs: number): Promise<void> {
    while (this.running) {
      const at = Date.now();
      try {
        const response = await this.http.request({ method: 'GET', path: '/_cat/nodes?format=json&h=name,version,node.role', timeoutMs: 10_000 });
        if (response.status === 200) {
          const nodes = (JSON.parse(response.text) as { name: string; version: string; 'node.role': string }[])
            .map((n) => ({ name: n.name, version: n.version, roles: n['node.role'] }));
          this.samples.push({ at, count: nodes.length, nodes });
        } else {
          this.samples.push({ at, count: null, nodes: [], error: `HTTP ${response.status}` });
        }
      } catch (error) {
        this.samples.push({ at, count: null, nodes: [], error: error instanceof Error ? error.message : String(error) });
      }
      await sleep(intervalMs);
    }
  }

  async stop(): Promise<NodeSample[]> {
    this.running = false;
    await this.loop;
    return this.samples;
  }

  /** Counts seen, ignoring unanswered samples. */
  counts(): number[] {
    return this.samples.map((s) => s.count).filter((c): c is number => c !== null);
  }

  minCount(): number {
    return Math.min(...this.counts());
  }

  maxCount(): number {
    return Math.max(...this.counts());
  }
}
