// GET /v1/runs/:id/report.html over real HTTP: the report so far while a run goes, the final one after.

import { parseSettings } from '../../src/app/settings-schema.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRunRequestValidator, type ServiceRunSpec } from '../../src/service/run-request.ts';
import { startService, type RunningService } from '../../src/service/server.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { fakeRuns, type FakeRuns } from './fake-run.ts';

const token = 'test-token-0123456789abcdef';
const runBody = { mode: 'run', options: { 'target-version': '9.5.4' } };

let service: RunningService<ServiceRunSpec>;
let runs: FakeRuns;

async function get(path: string, method = 'GET', auth = true): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(`${service.url}${path}`, { method, headers: auth ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

async function startRun(): Promise<string> {
  const res = await fetch(`${service.url}/v1/runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(runBody),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
}

beforeEach(async () => {
  runs = fakeRuns();
  const parsed = parseSettings({ 'es-url': ['http://es-1:9200'], region: 'eu-west-1' });
  if (!parsed.success) throw parsed.error;
  const validate = createRunRequestValidator({ settings: parsed.data, identifyCluster: () => Promise.resolve('uuid-1') });
  service = await startService({ token, startRun: runs.startRun, validate, log: silentLogger(), port: 0 });
});
afterEach(() => service.close());

describe('GET /v1/runs/:id/report.html', () => {
  it('while the run goes: the report so far, reloading itself', async () => {
    const id = await startRun();
    const page = await get(`/v1/runs/${id}/report.html`);
    expect(page.status).toBe(200);
    expect(page.type).toBe('text/html; charset=utf-8');
    expect(page.text).toContain('<meta http-equiv="refresh" content="5">');
    expect(page.text).toContain('<span id="outcome" class="badge badge-running">running</span>');
    expect(page.text).toContain('<tr class="node-row outcome-in-progress" data-node="es-data-1">');
    expect(page.text).toContain('<td class="instance-id id">i-0aaa</td>');
    runs.finish();
  });

  it('once the run has ended: its final report, still', async () => {
    const id = await startRun();
    runs.finish();
    await service.runs.get(id)?.done;
    const page = await get(`/v1/runs/${id}/report.html`);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('http-equiv="refresh"');
    expect(page.text).toContain('<span id="outcome" class="badge badge-completed">completed</span>');
    expect(page.text).toContain('<tr class="node-row outcome-replaced" data-node="es-data-1">');
  });

  it('needs the token, GET only, and a known run', async () => {
    const id = await startRun();
    expect((await get(`/v1/runs/${id}/report.html`, 'GET', false)).status).toBe(401);
    expect((await get(`/v1/runs/${id}/report.html`, 'POST')).status).toBe(405);
    expect((await get('/v1/runs/00000000-0000-0000-0000-000000000000/report.html')).status).toBe(404);
    runs.finish();
  });
});
