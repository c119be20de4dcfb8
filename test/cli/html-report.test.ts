// --html FILE through the command line: plan, run (the simulated cluster through main()) and demo each
// write a page that shows the rows of the JSON report they wrote beside it; under Octopus the page is
// an artifact too.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/app/connect.ts';
import { main } from '../../src/cli/main.ts';
import { ExitCode } from '../../src/shared/errors.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { createSimulatedWorld } from '../../src/sim/index.ts';
import type { UpgradeReport } from '../../src/upgrade/plan-model.ts';
import { memoryIo } from '../support/memory-io.ts';

const ARGS = ['--es-url', 'https://es.internal:9200', '--region', 'ap-southeast-2', '--target-version', '9.5.4'];

function simulatedConnection(): Connection {
  const world = createSimulatedWorld({ masters: 3, data: 3, fromVersion: '9.4.5', launchVersion: '9.5.4' });
  return { cluster: world.cluster, fleet: world.fleet, lock: world.lock, close: () => Promise.resolve() };
}

function files(): { dir: string; json: string; html: string } {
  const dir = mkdtempSync(join(tmpdir(), 'esru-html-cli-'));
  return { dir, json: join(dir, 'report.json'), html: join(dir, 'report.html') };
}

/** The node rows of the page's timeline table: node, instance, outcome. */
function nodeRows(page: string): { node: string; instance: string; outcome: string }[] {
  return [...page.matchAll(/<tr class="node-row outcome-([\w-]+)" data-node="([^"]+)">.*?<td class="instance-id id">([^<]*)<\/td>/g)].map((m) => ({
    outcome: m[1] ?? '',
    node: m[2] ?? '',
    instance: m[3] ?? '',
  }));
}

/** The rows of the page's plan table: node, instance, action. */
function planRows(page: string): { node: string; instance: string; action: string }[] {
  return [...page.matchAll(/<tr class="plan-row">(.*?)<\/tr>/g)].map((m) => {
    const cells = [...(m[1] ?? '').matchAll(/<td>(.*?)<\/td>/g)].map((c) => c[1] ?? '');
    return { node: (cells[2] ?? '').replace(' (elected master)', ''), instance: cells[4] ?? '', action: cells[7] ?? '' };
  });
}

const readReport = (path: string): UpgradeReport => JSON.parse(readFileSync(path, 'utf8')) as UpgradeReport;

describe('--html FILE', () => {
  it('plan: the page shows every row of the plan the JSON report holds', async () => {
    const f = files();
    const io = memoryIo();
    const code = await main(['plan', ...ARGS, '--report', f.json, '--html', f.html], io, { connect: simulatedConnection, createLogger: silentLogger });

    expect(code).toBe(ExitCode.ok);
    const report = readReport(f.json);
    const page = readFileSync(f.html, 'utf8');
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain('<title>es-rolling-upgrade plan: planned, target 9.5.4</title>');
    expect(report.plan.rows).toHaveLength(6);
    expect(planRows(page)).toEqual(report.plan.rows.map((r) => ({ node: r.nodeName, instance: r.instanceId ?? '-', action: r.action })));
  });

  it('run: the page has one timeline row per node of the JSON report, with its instance and outcome', async () => {
    const f = files();
    const io = memoryIo();
    const code = await main(['run', ...ARGS, '--yes', '--report', f.json, '--html', f.html], io, { connect: simulatedConnection, createLogger: silentLogger });

    const report = readReport(f.json);
    expect(code).toBe(report.exitCode);
    expect(report.outcome).toBe('completed');
    expect(report.nodes).toHaveLength(6);
    const page = readFileSync(f.html, 'utf8');
    expect(page).toContain('<title>es-rolling-upgrade run: completed, target 9.5.4</title>');
    expect(nodeRows(page)).toEqual(report.nodes.map((n) => ({ node: n.nodeName, instance: n.instanceId ?? '-', outcome: n.outcome })));
    for (const id of report.terminatedInstanceIds) expect(page).toContain(id);
  });

  it('run without --report: the page is written all the same', async () => {
    const f = files();
    const code = await main(['run', ...ARGS, '--yes', '--html', f.html], memoryIo(), { connect: simulatedConnection, createLogger: silentLogger });

    expect(code).toBe(ExitCode.ok);
    expect(nodeRows(readFileSync(f.html, 'utf8'))).toHaveLength(6);
  });

  it("demo: the page is the run's, as --report is", async () => {
    const f = files();
    const io = memoryIo();
    const code = await main(['demo', '--report', f.json, '--html', f.html], io, { createLogger: silentLogger });

    expect(code).toBe(ExitCode.ok);
    const report = readReport(f.json);
    expect(report.mode).toBe('run');
    const page = readFileSync(f.html, 'utf8');
    expect(nodeRows(page)).toEqual(report.nodes.map((n) => ({ node: n.nodeName, instance: n.instanceId ?? '-', outcome: n.outcome })));
    expect(planRows(page).map((r) => r.node)).toEqual(report.plan.rows.map((r) => r.nodeName));
  });

  it('under Octopus: the page is attached as an artifact after the JSON report', async () => {
    const f = files();
    const io = memoryIo();
    const code = await main(['run', ...ARGS, '--yes', '--octopus', '--report', f.json, '--html', f.html], io, {
      connect: simulatedConnection,
      createLogger: silentLogger,
    });

    expect(code).toBe(ExitCode.ok);
    const artifacts = [...io.out.matchAll(/^##octopus\[createArtifact path='([^']*)' name='([^']*)' length='([^']*)'\]$/gm)].map((m) => ({
      path: Buffer.from(m[1] ?? '', 'base64').toString('utf8'),
      length: Number(Buffer.from(m[3] ?? '', 'base64').toString('utf8')),
    }));
    expect(artifacts.map((a) => a.path)).toEqual([f.json, f.html]);
    expect(artifacts[1]?.length).toBe(readFileSync(f.html).length);
  });

  it('a directory that does not exist is bad input: exit 2 before anything is contacted', async () => {
    const io = memoryIo();
    let connected = false;
    const code = await main(['plan', ...ARGS, '--html', join(tmpdir(), 'esru-no-such-dir', 'r.html')], io, {
      connect: () => {
        connected = true;
        return simulatedConnection();
      },
      createLogger: silentLogger,
    });

    expect(code).toBe(ExitCode.invalidInput);
    expect(io.err).toContain('--html');
    expect(io.err).toContain('cannot be written');
    expect(connected).toBe(false);
  });
});
