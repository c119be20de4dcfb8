// The major-version path Elastic recommends: 8.19 to 9.x, data nodes first and master-eligible nodes
// last, because an older node cannot always join a cluster whose master is newer. Real 8.19 data
// nodes are replaced by 9.x nodes that join under an 8.19 master, then the masters follow, with the
// writer running. Prints `[e2e-figures]` lines.

import { describe, expect, it } from 'vitest';
import { indexDocs } from '../../sandbox/commands/index-docs.ts';
import { roll } from '../../sandbox/commands/roll.ts';
import { createWriterIndex, startWriter, stopWriter } from '../../sandbox/commands/writer.ts';
import { verify } from '../../sandbox/commands/verify.ts';
import {
  catNodes, motoInstances, printFigures, suiteSandbox, terminatedIds, upgradeCli, waitGreen, Watcher,
} from './e2e-support.ts';
import { versions, type Sandbox } from './sandbox-harness.ts';

const MASTERS = 3;
const DATA = 2;
const TOTAL = MASTERS + DATA;
const FROM = versions.previousMajor;
const TO = versions.new;

describe(`major-version upgrade ${FROM} -> ${TO}, data first, on ${MASTERS} masters + ${DATA} data`, () => {
  const { sb, runs, diag, groupOf } = suiteSandbox('major suite', { masters: MASTERS, data: DATA, version: FROM }, async (box) => {
    await indexDocs({ indices: 2, replicas: 1, docs: 6000, nodeLeftDelay: '5s' });
    await createWriterIndex({ nodeLeftDelay: '5s' });
    await roll(TO);
    await waitGreen(box.es, TOTAL, 'green before the tests');
  });

  it('replaces the data nodes under an older master, then the masters, losing nothing', () => diag(async () => {
    const box = sb();
    startWriter();
    const sampler = box.sampleNodes(250);
    const watcher = new Watcher(box);
    // The elected master's version, once a second, with when it was seen.
    const mastersSeen: { at: number; version: string }[] = [];
    const probe = setInterval(() => {
      const at = Date.now();
      void electedMasterVersion(box)
        .then((version) => {
          if (version) mastersSeen.push({ at, version });
        })
        .catch(() => undefined);
    }, 1000);

    const upgrade = await (async () => {
      try {
        const r = await upgradeCli(box, 'major', 'run', ['--order', 'data-first', '--expected-es-version', TO], TO);
        runs.push(r);
        return r;
      } finally {
        clearInterval(probe);
        await stopWriter();
        await sampler.stop();
        await watcher.stop();
      }
    })();
    printFigures(`major ${FROM} -> ${TO} data-first`, upgrade, watcher, TOTAL);

    const report = upgrade.report;
    expect(upgrade.result.code).toBe(0);
    expect(report?.outcome).toBe('completed');
    if (!report) return;
    expect(report.plan.order).toBe('data-first');

    // Data nodes first, in the report and in the order moto saw the terminations.
    expect(report.nodes.map((n) => n.phase)).toEqual(['data', 'data', 'master', 'master', 'master']);
    const byTermination = [...watcher.instanceTerminated.entries()].sort((a, b) => a[1] - b[1]).map(([id]) => id);
    expect(byTermination.map(groupOf)).toEqual([box.groups.data, box.groups.data, box.groups.master, box.groups.master, box.groups.master]);
    expect(report.terminatedInstanceIds).toEqual(byTermination);
    // The new data nodes joined under the old master: the cluster was led by FROM until the masters' turn.
    const mastersTurn = Math.min(...byTermination.filter((id) => groupOf(id) === box.groups.master).map((id) => watcher.instanceTerminated.get(id) ?? Infinity));
    const beforeMastersTurn = mastersSeen.filter((m) => m.at < mastersTurn);
    expect(beforeMastersTurn.length).toBeGreaterThan(0);
    expect(beforeMastersTurn.every((m) => m.version === FROM)).toBe(true);

    // Every instance and node on the new major, green, nothing lost, never two nodes missing.
    const after = await motoInstances(box.aws);
    expect([...report.terminatedInstanceIds].sort()).toEqual(terminatedIds(after));
    const running = after.filter((i) => i.state === 'running');
    expect(running).toHaveLength(TOTAL);
    expect(running.every((i) => i.tags.Version === TO)).toBe(true);
    const nodes = await catNodes(box.es);
    expect(nodes.map((n) => n.name).sort()).toEqual(running.map((i) => i.id).sort());
    expect(nodes.every((n) => n.version === TO)).toBe(true);
    await waitGreen(box.es, TOTAL, 'green after the upgrade', 60_000);
    // Read once the cluster is whole: the old elected master may still be shutting down when the run ends.
    expect(await electedMasterVersion(box)).toBe(TO);
    const verified = await verify();
    console.log(verified.lines.map((l) => `[e2e-figures] major verify: ${l}`).join('\n'));
    expect(verified.missing).toBe(0);
    expect(verified.ok).toBe(true);
    expect(sampler.minCount()).toBeGreaterThanOrEqual(TOTAL - 1);
    expect(watcher.minCount()).toBeGreaterThanOrEqual(TOTAL - 1);
    expect(report.nodes.flatMap((n) => n.waits).every((w) => w.outcome === 'met')).toBe(true);
  }));
});

async function electedMasterVersion(box: Sandbox): Promise<string | undefined> {
  const nodes = await box.es.json<{ version: string; master: string }[]>('GET', '/_cat/nodes?format=json&h=version,master');
  return nodes.find((n) => n.master === '*')?.version;
}
