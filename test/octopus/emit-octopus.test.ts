import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emitOctopusMessages, octopusMessagesFor } from '../../src/octopus/emit-octopus.ts';
import { aReport } from '../support/report-builder.ts';

/** Decode `##octopus[name a='..' b='..']` back into its name and attributes. */
function parse(line: string): { name: string; attrs: Record<string, string> } {
  const m = /^##octopus\[(\w+)((?: \w+='[A-Za-z0-9+/=]*')*)\]$/.exec(line);
  if (!m) throw new Error(`not a service message: ${line}`);
  const attrs: Record<string, string> = {};
  for (const [, k, v] of (m[2] ?? '').matchAll(/ (\w+)='([^']*)'/g)) {
    attrs[k!] = Buffer.from(v!, 'base64').toString('utf8');
  }
  return { name: m[1]!, attrs };
}

function variables(lines: string[]): Record<string, string | undefined> {
  return Object.fromEntries(
    lines.map(parse).filter((m) => m.name === 'setVariable').map((m) => [m.attrs.name!, m.attrs.value]),
  );
}

describe('octopusMessagesFor', () => {
  it('sets the output variables of a completed run', () => {
    const report = aReport('completed')
      .withReplacedNode('es-data-1', 'i-0aaa')
      .withReplacedNode('es-data-2', 'i-0bbb')
      .withPreviouslyTerminated('i-0999')
      .build();

    const lines = octopusMessagesFor(report);

    expect(variables(lines)).toEqual({
      UpgradeOutcome: 'completed',
      TerminatedInstanceIds: 'i-0aaa,i-0bbb',
      PreviouslyTerminatedInstanceIds: 'i-0999',
      ReplacedNodes: 'es-data-1,es-data-2',
    });
    expect(lines.every((l) => !l.includes('\n'))).toBe(true);
    expect(lines.map((l) => parse(l).name)).not.toContain('resultMessage');
  });

  it('a halt keeps the terminated instance that has no settled replacement and adds a one-line result message', () => {
    const report = aReport('halted')
      .withReplacedNode('es-data-1', 'i-0aaa')
      .withHaltedNode('es-data-2', 'i-0bbb')
      .withMessage('halted: es-data-2 replacement did not join\nwithin 10m')
      .build();

    const lines = octopusMessagesFor(report);

    expect(variables(lines)).toMatchObject({
      UpgradeOutcome: 'halted',
      TerminatedInstanceIds: 'i-0aaa,i-0bbb',
      ReplacedNodes: 'es-data-1',
    });
    const result = lines.map(parse).find((m) => m.name === 'resultMessage');
    expect(result?.attrs.message).toBe('halted: es-data-2 replacement did not join within 10m');
  });

  it('nothing terminated leaves the ids empty, as the bash helper would', () => {
    const lines = octopusMessagesFor(aReport('nothing-to-do').build());
    expect(variables(lines)).toEqual({
      UpgradeOutcome: 'nothing-to-do',
      TerminatedInstanceIds: undefined,
      PreviouslyTerminatedInstanceIds: undefined,
      ReplacedNodes: undefined,
    });
  });
});

describe('emitOctopusMessages', () => {
  it('writes the report when missing and attaches it with its byte length', () => {
    const dir = mkdtempSync(join(tmpdir(), 'esru-emit-'));
    const reportPath = join(dir, 'upgrade-report.json');
    const report = aReport('completed').withReplacedNode('nœud-1', 'i-0aaa').build();
    let out = '';

    emitOctopusMessages(report, { reportPath, write: (t) => (out += t) });

    const written = readFileSync(reportPath);
    expect(JSON.parse(written.toString('utf8'))).toEqual(report);
    const artifact = out.split('\n').filter(Boolean).map(parse).find((m) => m.name === 'createArtifact');
    expect(artifact?.attrs).toEqual({ path: reportPath, name: 'upgrade-report.json', length: String(written.length) });
    expect(out.endsWith('\n')).toBe(true);
  });

  it('attaches the HTML report too, after the JSON one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'esru-emit-'));
    const reportPath = join(dir, 'report.json');
    const htmlPath = join(dir, 'report.html');
    writeFileSync(htmlPath, '<!doctype html><p>é</p>');
    let out = '';

    emitOctopusMessages(aReport('completed').build(), { reportPath, htmlPath, write: (t) => (out += t) });

    const artifacts = out.split('\n').filter(Boolean).map(parse).filter((m) => m.name === 'createArtifact');
    expect(artifacts.map((a) => a.attrs)).toEqual([
      { path: reportPath, name: 'report.json', length: String(readFileSync(reportPath).length) },
      { path: htmlPath, name: 'report.html', length: '24' },
    ]);
  });

  it('attaches an existing report file as it is', () => {
    const dir = mkdtempSync(join(tmpdir(), 'esru-emit-'));
    const reportPath = join(dir, 'report.json');
    writeFileSync(reportPath, '{"already":"there"}');
    let out = '';

    emitOctopusMessages(aReport('completed').build(), { reportPath, write: (t) => (out += t) });

    expect(readFileSync(reportPath, 'utf8')).toBe('{"already":"there"}');
    expect(out).toContain(`length='${Buffer.from('19').toString('base64')}'`);
  });
});
