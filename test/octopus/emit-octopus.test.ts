import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emitOctopusMessages, octopusMessagesFor } from '../../src/octopus/emit-octopus.ts';
import { aReport } from '../support/report-builder.ts';

/** Decode `##octopus[name a='..' b='..']` back into its name and attributes. */
function parse(line: string): { name: string; attrs: Record<string, string> } {
  const m = /^##octopus\[([\w-]+)((?: \w+='[A-Za-z0-9+/=]*')*)\]$/.exec(line);
  if (!m) throw new Error(`not a service message: ${line}`);
  const attrs: Record<string, string> = {};
  for (const [, k, v] of (m[2] ?? '').matchAll(/ (\w+)='([^']*)'/g)) {
    attrs[k!] = Buffer.from(v!, 'base64').toString('utf8');
  }
  return { name: m[1]!, attrs };
}

function variables(lines: string[]): Record<string, string | undefined> {
  return Object.fromEntries(
    lines.filter((l) => l.startsWith('##octopus[')).map(parse).filter((m) => m.name === 'setVariable').map((m) => [m.attrs.name!, m.attrs.value]),
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

    expect(variables(lines)).toMatchObject({
      UpgradeOutcome: 'completed',
      TerminatedInstanceIds: 'i-0aaa,i-0bbb',
      PreviouslyTerminatedInstanceIds: 'i-0999',
      ReplacedNodes: 'es-data-1,es-data-2',
    });
    expect(JSON.parse(variables(lines).TerminatedInstances ?? '')).toEqual([{ instanceId: 'i-0aaa' }, { instanceId: 'i-0bbb' }]);
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
    expect(variables(lines)).toMatchObject({
      UpgradeOutcome: 'nothing-to-do',
      TerminatedInstanceIds: undefined,
      PreviouslyTerminatedInstanceIds: undefined,
      ReplacedNodes: undefined,
      NodesToReplace: '0',
      ReplacementOrder: undefined,
      TerminatedInstances: '[]',
    });
    expect(lines.filter((l) => l.startsWith('##octopus[delete-target'))).toEqual([]);
  });
});

describe('the plan for a manual intervention', () => {
  it('sets how many nodes, in which order, and a Markdown summary of the plan', () => {
    const report = aReport('planned')
      .withPlanRow({ step: 2, nodeName: 'es-data-2', instanceId: 'i-0bbb', groupName: 'es-data', versionTag: '9.4.5' })
      .withPlanRow({ step: 1, nodeName: 'es-data-1', instanceId: 'i-0aaa', groupName: 'es-data', versionTag: '9.4.5' })
      .withPlanRow({ step: 0, nodeName: 'es-data-3', action: 'keep', versionTag: '9.5.4' })
      .withMessage('2 of 3 nodes would be replaced (data-first)')
      .build();

    const vars = variables(octopusMessagesFor(report));

    expect(vars.NodesToReplace).toBe('2');
    expect(vars.ReplacementOrder).toBe('es-data-1,es-data-2');
    const summary = vars.PlanSummary ?? '';
    expect(summary.split('\n')).toEqual([
      '**planned**: 2 of 3 nodes would be replaced (data-first)',
      '',
      'Target 9.5.4: 2 of 3 node(s) to replace, data-first, strategy replace.',
      '',
      '| # | Node | Roles | Instance | Group | Version tag |',
      '| --- | --- | --- | --- | --- | --- |',
      '| 1 | es-data-1 | data | i-0aaa | es-data | 9.4.5 |',
      '| 2 | es-data-2 | data | i-0bbb | es-data | 9.4.5 |',
    ]);
  });

  it('says what would stop a run: a group launching another version, orphans, refusals; pipes escaped', () => {
    const report = aReport('planned')
      .withPlanRow({ step: 1, nodeName: 'es|odd', instanceId: 'i-0aaa', groupName: 'es-data' })
      .withGroup({ groupName: 'es-data', launchVersion: '9.4.5', atTarget: false })
      .withOrphanNode('es-lost')
      .withRefusal('cluster_not_red', 'the cluster is red:\n2 primaries unassigned')
      .build();

    const summary = variables(octopusMessagesFor(report)).PlanSummary ?? '';

    expect(summary).toContain('| 1 | es\\|odd | data | i-0aaa | es-data | - |');
    expect(summary).toContain('**Launch version not 9.5.4:** es-data launches 9.4.5.');
    expect(summary).toContain('**Orphans:** node es-lost has no instance.');
    expect(summary).toContain('**A run would refuse now:**\n- `cluster_not_red`: the cluster is red: 2 primaries unassigned');
  });
});

describe('deleting the targets of terminated instances', () => {
  const deletions = (lines: string[]) => lines.filter((l) => l.startsWith('##octopus[delete-target')).map((l) => parse(l).attrs.machine);

  it('asks Octopus to delete one target per terminated instance, named by the template', () => {
    const report = aReport('completed')
      .withReplacedNode('es-data-1', 'i-0aaa', undefined, 'es-data-7')
      .withReplacedNode('es-data-2', 'i-0bbb', undefined, 'es-data-8')
      .build();

    const byName = octopusMessagesFor(report, { deleteTargets: '{name}' });
    const byId = octopusMessagesFor(report, { deleteTargets: 'es-{instanceId}' });

    expect(deletions(byName)).toEqual(['es-data-7', 'es-data-8']);
    expect(variables(byName).DeletedTargets).toBe('es-data-7,es-data-8');
    expect(deletions(byId)).toEqual(['es-i-0aaa', 'es-i-0bbb']);
    expect(byId).toContain('Asking Octopus to delete deployment target es-i-0aaa (instance i-0aaa) once this step is over.');
  });

  it('skips, saying why, a name several terminated instances share and an instance whose name is unknown', () => {
    const report = aReport('halted')
      .withReplacedNode('es-data-1', 'i-0aaa', undefined, 'es-data')
      .withHaltedNode('es-data-2', 'i-0bbb', 'es-data')
      .withReplacedNode('es-master-1', 'i-0ccc', undefined, 'es-master-1')
      .withReplacedNode('es-master-2', 'i-0ddd')
      .withPreviouslyTerminated('i-0999')
      .build();

    const lines = octopusMessagesFor(report, { deleteTargets: '{name}' });

    expect(deletions(lines)).toEqual(['es-master-1']);
    expect(lines).toContain('Not deleting the deployment target of i-0aaa: 2 terminated instances would name the same target es-data.');
    expect(lines).toContain('Not deleting the deployment target of i-0bbb: 2 terminated instances would name the same target es-data.');
    expect(lines).toContain('Not deleting the deployment target of i-0ddd: it had no Name tag.');
    expect(lines).toContain("Not deleting the deployment target of i-0999: terminated by an earlier, interrupted run: its Name tag is in that run's report.");
    // As warnings in the step log.
    const warning = lines.indexOf('##octopus[stdout-warning]');
    expect(lines.slice(warning + 1, warning + 5).every((l) => l.startsWith('Not deleting'))).toBe(true);
    expect(lines[warning + 5]).toBe('##octopus[stdout-default]');
    expect(deletions(octopusMessagesFor(report, { deleteTargets: '{instanceId}' }))).toEqual(['i-0aaa', 'i-0bbb', 'i-0ccc', 'i-0ddd', 'i-0999']);
  });

  it('a plan, or no template, deletes nothing', () => {
    const report = aReport('completed').withReplacedNode('es-data-1', 'i-0aaa', undefined, 'es-data-7').build();
    expect(deletions(octopusMessagesFor(report))).toEqual([]);
    expect(variables(octopusMessagesFor(report)).DeletedTargets).toBeUndefined();
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
