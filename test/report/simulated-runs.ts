// Real reports for the report's tests: the demo's world upgraded by the real runner on virtual time,
// as it went well and as it halts when a replacement never joins (each run also keeps its events),
// and the demo's plan.

import { DEMO_WORLD } from '../../src/cli/commands/demo.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { createSimulatedWorld, type LaunchFault, type SimulatedWorld, type SimulatedWorldOptions } from '../../src/sim/index.ts';
import type { UpgradeEvent, UpgradeOptions, UpgradeReport } from '../../src/upgrade/plan-model.ts';
import { planUpgrade, runUpgrade, type UpgradeDeps } from '../../src/upgrade/run-upgrade.ts';
import { defaultOptions } from '../upgrade/builders.ts';

export interface SimulatedRun {
  report: UpgradeReport;
  events: UpgradeEvent[];
}

export async function simulatedRun(
  world: Partial<SimulatedWorldOptions> = {},
  options: Partial<UpgradeOptions> = {},
  faults: LaunchFault[] = [],
): Promise<SimulatedRun> {
  const sim = createSimulatedWorld({ ...DEMO_WORLD, ...world });
  for (const fault of faults) sim.injectLaunchFault(fault);
  const events: UpgradeEvent[] = [];
  const report = await runUpgrade(depsOf(sim, events), defaultOptions({ targetVersion: DEMO_WORLD.launchVersion, ...options }));
  return { report, events };
}

function depsOf(sim: SimulatedWorld, events: UpgradeEvent[]): UpgradeDeps {
  return {
    cluster: sim.cluster,
    fleet: sim.fleet,
    lock: sim.lock,
    clock: sim.clock,
    log: silentLogger(),
    holder: 'report-test',
    onEvent: (e) => events.push(e),
  };
}

/** The demo's plan: what a run would do, nothing changed. */
export async function demoPlan(): Promise<UpgradeReport> {
  return planUpgrade(depsOf(createSimulatedWorld(DEMO_WORLD), []), defaultOptions({ targetVersion: DEMO_WORLD.launchVersion }));
}

/** The demo: three masters and three data nodes replaced. */
export const demoRun = (): Promise<SimulatedRun> => simulatedRun();

/** The first data replacement never joins: the run halts after 15 minutes of waiting for it. */
export const haltedRun = (): Promise<SimulatedRun> => simulatedRun({}, {}, [{ group: 'data', nth: 1, neverJoins: true }]);
