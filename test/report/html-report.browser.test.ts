// The HTML report in a real browser: Debian's chromium (installed by .ci/setup-system.sh), driven by
// playwright-core. Real runs on the simulator give the reports; each page must load without a console
// error, a page error or a request leaving the file, and its rows must say what the JSON report says.

import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDuration } from '../../src/app/duration.ts';
import { renderHtmlReport } from '../../src/report/html-report.ts';
import type { UpgradeReport } from '../../src/upgrade/plan-model.ts';
import { aReport } from '../support/report-builder.ts';
import { demoRun, haltedRun } from './simulated-runs.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let dir: string;
let browser: BrowserContext;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run \`bash .ci/setup-system.sh\` as root to install Debian's chromium`);
  dir = await mkdtemp(join(tmpdir(), 'esru-html-report-'));
  // A fresh profile every time: nothing from an earlier run of the browser.
  browser = await chromium.launchPersistentContext(join(dir, 'profile'), { executablePath: CHROMIUM, args: ARGS, headless: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Loaded {
  page: Page;
  /** Console errors and warnings, page errors, and requests for anything but the file itself. */
  problems: string[];
  /** The report as read back from the JSON file written beside the page. */
  json: UpgradeReport;
}

/** Write the report as JSON and as HTML, as `--report` and `--html` would, and open the HTML. */
async function open(name: string, report: UpgradeReport): Promise<Loaded> {
  const jsonPath = join(dir, `${name}.json`);
  const htmlPath = join(dir, `${name}.html`);
  await writeFile(jsonPath, JSON.stringify(report, null, 2));
  await writeFile(htmlPath, renderHtmlReport(report));
  const url = pathToFileURL(htmlPath).href;
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('request', (r) => {
    if (r.url() !== url) problems.push(`request: ${r.url()}`);
  });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(url, { waitUntil: 'load' });
  return { page, problems, json: JSON.parse(await readFile(jsonPath, 'utf8')) as UpgradeReport };
}

async function nodeRows(page: Page) {
  const rows = [];
  for (const row of await page.locator('#nodes-table tbody tr').all()) {
    const text = async (selector: string): Promise<string | undefined> => (await row.locator(selector).textContent()) ?? undefined;
    rows.push({
      index: await text('.index'),
      phase: await text('.phase'),
      node: await text('.node-name'),
      instance: await text('.instance-id'),
      replacement: await text('.replacement'),
      outcome: await text('.outcome'),
      duration: await text('.duration'),
      durationMs: (await row.locator('.duration').getAttribute('data-ms')) ?? undefined,
      waits: await Promise.all((await row.locator('.seg').all()).map((seg) => seg.getAttribute('data-kind'))),
      barWidth: (await row.locator('.track .span').boundingBox())?.width ?? 0,
    });
  }
  return rows;
}

/** The cells' text of each row of a table body. */
async function tableRows(page: Page, table: string): Promise<string[][]> {
  return Promise.all((await page.locator(`${table} tbody tr`).all()).map((tr) => tr.locator('td').allTextContents()));
}

function expectedRows(report: UpgradeReport) {
  return report.nodes.map((n, i) => ({
    index: String(i + 1),
    phase: n.phase,
    node: n.nodeName,
    instance: n.instanceId ?? '-',
    replacement: n.replacementNodeName === undefined ? '-' : `${n.replacementNodeName}${n.replacementInstanceId ?? ''}`,
    outcome: n.outcome,
    duration: n.durationMs === undefined ? '-' : formatDuration(n.durationMs),
    durationMs: n.durationMs === undefined ? undefined : String(n.durationMs),
    waits: n.waits.map((w) => w.kind),
  }));
}

async function texts(page: Page, selector: string): Promise<string[]> {
  return page.locator(selector).allTextContents();
}

/** Nothing wider than the window: the page reads without scrolling sideways. */
async function overflow(page: Page): Promise<number> {
  return Number(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'));
}

// A few seconds each alone; room for a loaded machine running the whole suite.
describe('the HTML report in chromium', { timeout: 20_000 }, () => {
  it('of a completed run: loads cleanly and its rows are the JSON report', async () => {
    const { page, problems, json } = await open('completed', (await demoRun()).report);

    expect(json.outcome).toBe('completed');
    expect(json.nodes).toHaveLength(6);
    expect(await page.textContent('#outcome')).toBe(json.outcome);
    expect(await page.textContent('#message')).toBe(json.message);
    expect(await page.textContent('[data-fact="Exit code"]')).toBe(String(json.exitCode));
    const rows = await nodeRows(page);
    expect(rows.map(({ barWidth: _w, ...r }) => r)).toEqual(expectedRows(json));
    for (const r of rows) expect(r.barWidth).toBeGreaterThan(0);
    expect(await texts(page, '#terminated li')).toEqual(json.terminatedInstanceIds);

    const samples = json.healthSamples ?? [];
    expect(samples.length).toBeGreaterThan(5);
    const sampleRows = await tableRows(page, '#samples-table');
    expect(sampleRows.map((c) => [c[1], Number(c[2]), Number(c[4]), Number(c[5])])).toEqual(samples.map((s) => [s.status, s.nodes, s.unassigned, s.initializing]));
    const chart = await page.locator('svg.health-chart').boundingBox();
    expect(chart?.height).toBeGreaterThan(150);

    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await page.emulateMedia({ media: 'print' });
    expect(await page.isVisible('#nodes-table')).toBe(true);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    expect(problems).toEqual([]);
  });

  it('of a halted run: shows the halt, the halted node and the wait that timed out', async () => {
    const { page, problems, json } = await open('halted', (await haltedRun()).report);

    expect(json.outcome).toBe('halted');
    expect(await page.textContent('#outcome')).toBe('halted');
    expect(await page.textContent('#message')).toBe(json.message);
    expect(await page.textContent('#halt')).toBe(`Halted: ${json.message.replace(/^halted: /, '')}`);
    expect(await page.isVisible('#halt')).toBe(true);
    const rows = await nodeRows(page);
    expect(rows.map(({ barWidth: _w, ...r }) => r)).toEqual(expectedRows(json));
    expect(rows.at(-1)?.outcome).toBe('halted');
    const timedOut = json.nodes.flatMap((n) => n.waits.filter((w) => w.outcome === 'timed-out').map((w) => [n.nodeName, w.kind]));
    expect(timedOut).toEqual([[json.nodes.at(-1)?.nodeName, 'node-join']]);
    const timeouts = (await tableRows(page, '#timeouts-table')).map((cells) => cells.slice(0, 2));
    expect(timeouts).toEqual(timedOut);
    expect(await texts(page, '#terminated li')).toEqual(json.terminatedInstanceIds);
    expect(await page.textContent('[data-fact="Exit code"]')).toBe(String(json.exitCode));
    expect(problems).toEqual([]);
  });

  it('shows a node named like markup as its name, and runs nothing', async () => {
    const name = `<script>window.owned = 1</script><img src=x onerror="window.owned = 2">`;
    const report = aReport('halted').withMessage(`halted: ${name}`).withReplacedNode(name, 'i-0abc').withRefusal('cluster_not_red', name, name).build();
    const { page, problems } = await open('hostile', report);

    expect(await texts(page, '#nodes-table .node-name')).toEqual([name]);
    expect(await page.textContent('#message')).toBe(`halted: ${name}`);
    expect(await texts(page, '#refusals-table td')).toEqual(['cluster_not_red', name, name]);
    expect(await page.locator('script, img').count()).toBe(0);
    expect(await page.evaluate('typeof window.owned')).toBe('undefined');
    expect(problems).toEqual([]);
  });
});
