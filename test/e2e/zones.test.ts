// Zone-at-a-time batches on a real cluster: 3 masters + 6 data spread over 3 availability zones (as
// Auto Scaling spreads them; the fault layer does what moto does not), shard allocation awareness on
// the nodes' `zone` attribute, indices with one replica and the writer running. The masters already
// carry the target version tag, so the run replaces data nodes only, `--batch zone` from the old
// version to the new. With E2E_ZONES_COMPARE=1 the same sandbox is then upgraded again one at a
// time for comparison (the data instances tagged with the old version again, so the controller
// replaces each once more); CI leaves that out for time. Prints durations and the condition -> next
// action latencies as `[e2e-figures]` lines: speed is a figure, not an assertion.

import { CreateTagsCommand, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { describe, expect, it } from 'vitest';
import { indexDocs } from '../../sandbox/commands/index-docs.ts';
import { roll } from '../../sandbox/commands/roll.ts';
import { AWARENESS_SETTING } from '../../sandbox/commands/up.ts';
import { verify } from '../../sandbox/commands/verify.ts';
import { createWriterIndex, startWriter, stopWriter } from '../../sandbox/commands/writer.ts';
import type { UpgradeReport } from '../../src/upgrade/plan-model.ts';
import {
  catNodes, median, motoInstances, printFigures, suiteSandbox, upgradeCli, waitGreen, Watcher, type RunFigures, type UpgradeRun,
} from './e2e-support.ts';
import type { NodeSample } from './node-sampler.ts';
import { versions, type Sandbox } from './sandbox-harness.ts';

const MASTERS = 3;
const DATA = 6;
const ZONES = 3;
const TOTAL = MASTERS + DATA;
const PER_ZONE = DATA / ZONES;

/** Each instance's availability zone as EC2 reports it (through the fault layer), terminated ones too. */
async function instanceZones(box: Sandbox): Promise<Map<string, string>> {
  const answer = await box.aws.ec2.send(new DescribeInstancesCommand({}));
  return new Map((answer.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => [i.InstanceId ?? '', i.Placement?.AvailabilityZone ?? '']));
}

/** Running instances of a group. */
async function runningIn(box: Sandbox, group: string): Promise<string[]> {
  return (await motoInstances(box.aws)).filter((i) => i.state === 'running' && i.tags['aws:autoscaling:groupName'] === group).map((i) => i.id).sort();
}

/** Most data nodes missing at once, and most zones short of a data node at once, over the samples. */
function missingOverTime(samples: NodeSample[], zoneOf: Map<string, string>): { mostMissing: number; mostZones: number; answered: number } {
  let mostMissing = 0;
  let mostZones = 0;
  let answered = 0;
  for (const sample of samples) {
    if (sample.count === null) continue;
    answered++;
    const data = sample.nodes.filter((n) => n.roles.includes('d'));
    mostMissing = Math.max(mostMissing, DATA - data.length);
    const present = new Map<string, number>();
    for (const n of data) present.set(zoneOf.get(n.name) ?? '?', (present.get(zoneOf.get(n.name) ?? '?') ?? 0) + 1);
    const zones = new Set([...zoneOf.values()].filter((z) => z !== ''));
    mostZones = Math.max(mostZones, [...zones].filter((z) => (present.get(z) ?? 0) < PER_ZONE).length);
  }
  return { mostMissing, mostZones, answered };
}

describe(`zone batches on ${MASTERS} masters + ${DATA} data in ${ZONES} zones, ${versions.old} -> ${versions.new}, writer on`, () => {
  const { sb, runs, diag, initial, groupOf } = suiteSandbox('zones suite', { masters: MASTERS, data: DATA, version: versions.old, zones: ZONES }, async (box) => {
    await indexDocs({ indices: 2, replicas: 1, docs: 2000, nodeLeftDelay: '5s' });
    await createWriterIndex({ nodeLeftDelay: '5s' });
    await roll(versions.new);
    // The masters were upgraded earlier: the runs replace data nodes only.
    const masters = await runningIn(box, box.groups.master);
    await box.moto.ec2.send(new CreateTagsCommand({ Resources: masters, Tags: [{ Key: 'Version', Value: versions.new }] }));
    await waitGreen(box.es, TOTAL, 'green before the tests');
  });
  const run = async (label: string, extra: string[]): Promise<UpgradeRun> => {
    const r = await upgradeCli(sb(), label, 'run', extra, versions.new);
    runs.push(r);
    return r;
  };
  /** The runs' durations and reactions, printed together at the end. */
  const compared: { label: string; report?: UpgradeReport; figures: RunFigures }[] = [];

  /** Runs the controller with the writer, a `_cat/nodes` sampler and the watcher; prints its figures. */
  const watchedRun = async (label: string, extra: string[]) => {
    const box = sb();
    startWriter();
    const sampler = box.sampleNodes(250);
    const watcher = new Watcher(box, { esIntervalMs: 100 });
    const upgraded = await (async () => {
      try {
        return await run(label, ['--order', 'data-first', ...extra]);
      } finally {
        await stopWriter();
        await sampler.stop();
        await watcher.stop();
      }
    })();
    const figures = printFigures(label, upgraded, watcher, TOTAL);
    compared.push({ label, report: upgraded.report, figures });
    return { upgraded, samples: sampler.samples, watcher };
  };

  it('spreads each group over the zones as Auto Scaling does, each node carrying its zone, awareness on', () => diag(async () => {
    const box = sb();
    const zones = await instanceZones(box);
    for (const group of [box.groups.master, box.groups.data]) {
      const members = initial().filter((i) => groupOf(i.id) === group).map((i) => zones.get(i.id));
      const perZone = [...new Set(members)].map((z) => members.filter((m) => m === z).length);
      expect(perZone, `${group}: instances per zone`).toEqual(Array<number>(ZONES).fill(members.length / ZONES));
    }
    // Auto Scaling reports the same zone for each member as EC2 does.
    const groups = await box.aws.autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [box.groups.master, box.groups.data] }));
    const members = (groups.AutoScalingGroups ?? []).flatMap((g) => g.Instances ?? []);
    expect(members).toHaveLength(TOTAL);
    for (const m of members) expect(m.AvailabilityZone, m.InstanceId).toBe(zones.get(m.InstanceId ?? ''));
    // Each node's zone attribute is its instance's zone.
    const info = await box.es.json<{ nodes: Record<string, { name: string; attributes: Record<string, string> }> }>(
      'GET', '/_nodes?filter_path=nodes.*.name,nodes.*.attributes');
    const attributes = Object.values(info.nodes);
    expect(attributes).toHaveLength(TOTAL);
    for (const n of attributes) expect(n.attributes.zone, n.name).toBe(zones.get(n.name));
    const settings = await box.es.json<{ persistent: Record<string, string> }>('GET', '/_cluster/settings?flat_settings=true');
    expect(settings.persistent[AWARENESS_SETTING]).toBe('zone');
  }));

  it('--batch zone replaces a zone\'s data nodes together, one zone at a time, never red, losing nothing', () => diag(async () => {
    const box = sb();
    const dataIds = initial().filter((i) => groupOf(i.id) === box.groups.data).map((i) => i.id).sort();
    const { upgraded, samples, watcher } = await watchedRun('zone batches', ['--batch', 'zone']);

    expect(upgraded.result.code, upgraded.report?.message).toBe(0);
    const report = upgraded.report;
    expect(report?.outcome).toBe('completed');
    if (!report) return;
    const zones = await instanceZones(box);
    // The plan: three batches of two, one per zone, each batch's nodes in its zone.
    const batches = report.plan.batches ?? [];
    expect(batches.map((b) => b.nodeNames.length)).toEqual([PER_ZONE, PER_ZONE, PER_ZONE]);
    expect(new Set(batches.map((b) => b.zone)).size).toBe(ZONES);
    for (const b of batches) for (const name of b.nodeNames) expect(zones.get(name), `${name} in batch ${b.number}`).toBe(b.zone);
    // The timelines: only the data nodes, each with its batch's number, replaced in its zone.
    expect([...report.terminatedInstanceIds].sort()).toEqual(dataIds);
    expect(report.nodes.map((n) => n.phase)).toEqual(Array<string>(DATA).fill('data'));
    for (const n of report.nodes) {
      const batch = batches.find((b) => b.number === n.batch);
      expect(batch?.nodeNames, `batch of ${n.nodeName}`).toContain(n.nodeName);
      expect(zones.get(n.replacementInstanceId ?? ''), `zone of ${n.nodeName}'s replacement`).toBe(zones.get(n.nodeName));
    }
    // Never more than a zone's data nodes missing, never two zones short at once; a zone's nodes went together.
    const missing = missingOverTime(samples, zones);
    console.log(`[e2e-figures] zone batches: ${missing.answered} _cat/nodes samples: at most ${missing.mostMissing} data node(s) missing, `
      + `${missing.mostZones} zone(s) short at once`);
    expect(missing.answered).toBeGreaterThan(100);
    expect(missing.mostMissing).toBe(PER_ZONE);
    expect(missing.mostZones).toBe(1);
    expect(watcher.health.length).toBeGreaterThan(100);
    expect(watcher.health.filter((h) => h.status === 'red')).toEqual([]);

    const nodes = await catNodes(box.es);
    expect(nodes.filter((n) => n.roles.includes('d')).map((n) => n.version)).toEqual(Array<string>(DATA).fill(versions.new));
    await waitGreen(box.es, TOTAL, 'green after the zone batches', 120_000);
    const verified = await verify();
    console.log(verified.lines.map((l) => `[e2e-figures] zone batches verify: ${l}`).join('\n'));
    expect(verified.missing).toBe(0);
  }));

  it.runIf(process.env.E2E_ZONES_COMPARE === '1')('the same sandbox one at a time, for comparison: never two data nodes missing', () => diag(async () => {
    const box = sb();
    // The data nodes now run the target version; tagged with the old one again, the controller
    // replaces each once more (with target-version replacements): same cluster, same data.
    const dataIds = await runningIn(box, box.groups.data);
    expect(dataIds).toHaveLength(DATA);
    await box.moto.ec2.send(new CreateTagsCommand({ Resources: dataIds, Tags: [{ Key: 'Version', Value: versions.old }] }));
    const { upgraded, samples, watcher } = await watchedRun('one at a time', []);

    expect(upgraded.result.code, upgraded.report?.message).toBe(0);
    const report = upgraded.report;
    expect(report?.outcome).toBe('completed');
    if (!report) return;
    expect([...report.terminatedInstanceIds].sort()).toEqual(dataIds);
    expect(report.nodes.every((n) => n.batch === undefined && n.phase === 'data')).toBe(true);
    const missing = missingOverTime(samples, await instanceZones(box));
    expect(missing.mostMissing).toBe(1);
    expect(watcher.health.filter((h) => h.status === 'red')).toEqual([]);
    await waitGreen(box.es, TOTAL, 'green after one at a time', 120_000);
    const verified = await verify();
    console.log(verified.lines.map((l) => `[e2e-figures] one at a time verify: ${l}`).join('\n'));
    expect(verified.missing).toBe(0);

    const [zoned, single] = compared;
    const zonedMs = zoned?.report?.durationMs ?? Number.NaN;
    const singleMs = single?.report?.durationMs ?? Number.NaN;
    const reactions = compared.flatMap((c) => c.figures.reactionsMs);
    console.log(`[e2e-figures] zones: ${DATA} data nodes in ${ZONES} zones: zone batches ${(zonedMs / 1000).toFixed(1)}s, `
      + `one at a time ${(singleMs / 1000).toFixed(1)}s (${(singleMs / zonedMs).toFixed(2)}x); `
      + `condition -> next action: median ${Math.round(median(reactions) ?? Number.NaN)} ms over ${reactions.length} steps of both runs`);
    expect(zoned?.label).toBe('zone batches');
  }));
});
