// The report names what a run terminated: each instance's id, its Name tag and its group, in the
// order of terminatedInstanceIds, so a deployment step can find the instance's target by name.

import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/shared/log.ts';
import { createSimulatedWorld } from '../../src/sim/index.ts';
import { runUpgrade } from '../../src/upgrade/run-upgrade.ts';
import { defaultOptions, OLD, TARGET } from './builders.ts';

describe('terminatedInstances in a run report', () => {
  it('lists every terminated instance with the Name tag and group it had when terminated', async () => {
    const world = createSimulatedWorld({ masters: 3, data: 2, fromVersion: OLD, launchVersion: TARGET });
    const before = new Map(world.fleet.instances().map((i) => [i.id, { name: i.tags.Name, group: i.groupName }] as const));

    const report = await runUpgrade(
      { cluster: world.cluster, fleet: world.fleet, lock: world.lock, clock: world.clock, log: silentLogger(), holder: 'names-test' },
      defaultOptions(),
    );

    expect(report.outcome).toBe('completed');
    expect(report.terminatedInstanceIds).toHaveLength(5);
    expect(report.terminatedInstances?.map((t) => t.instanceId)).toEqual(report.terminatedInstanceIds);
    for (const t of report.terminatedInstances ?? []) {
      const seen = before.get(t.instanceId);
      expect(seen, t.instanceId).toBeDefined();
      expect(t.name, t.instanceId).toBe(seen?.name);
      expect(t.groupName, t.instanceId).toBe(seen?.group);
    }
    expect(new Set(report.terminatedInstances?.map((t) => t.name))).toEqual(new Set(['es-master', 'es-data']));
  });

  it('a plan terminates nothing and names nothing', async () => {
    const world = createSimulatedWorld({ masters: 3, data: 2, fromVersion: OLD, launchVersion: TARGET });
    const { planUpgrade } = await import('../../src/upgrade/run-upgrade.ts');
    const report = await planUpgrade(
      { cluster: world.cluster, fleet: world.fleet, lock: world.lock, clock: world.clock, log: silentLogger(), holder: 'names-test' },
      defaultOptions(),
    );
    expect(report.terminatedInstanceIds).toEqual([]);
    expect(report.terminatedInstances ?? []).toEqual([]);
  });
});
