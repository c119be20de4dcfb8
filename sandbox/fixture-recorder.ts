// Saves Elasticsearch responses byte for byte as fixtures, with a manifest of what was asked.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EsHttp } from './es-http.ts';

export interface RecordedRequest {
  file: string;
  method: string;
  path: string;
  body?: unknown;
  status: number;
  note?: string;
}

export class FixtureRecorder {
  private readonly dir: string;
  private readonly http: EsHttp;
  private readonly recorded: RecordedRequest[] = [];

  constructor(dir: string, http: EsHttp) {
    this.dir = dir;
    this.http = http;
    mkdirSync(dir, { recursive: true });
  }

  /** Sends the request and stores the raw body as `<name>.json`; returns the parsed body. */
  async capture(name: string, method: string, path: string, body?: unknown, note?: string): Promise<unknown> {
    const response = await this.http.request({ method, path, body, timeoutMs: 60_000 });
    const file = `${name}.json`;
    writeFileSync(join(this.dir, file), response.text.endsWith('\n') ? response.text : `${response.text}\n`);
    this.recorded.push({ file, method, path, ...(body === undefined ? {} : { body }), status: response.status, ...(note ? { note } : {}) });
    return JSON.parse(response.text) as unknown;
  }

  /** requests.json: every captured file with its request and HTTP status. */
  writeManifest(extra: Record<string, unknown>): void {
    const manifest = { ...extra, capturedAt: new Date().toISOString(), requests: this.recorded };
    writeFileSync(join(this.dir, 'requests.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  }
}
