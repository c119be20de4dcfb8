// `demo` (what `npm start` runs): plan, then run, against the built-in simulated cluster and fleet.
// Simulated time: an hour of waiting takes milliseconds.

import { createSimulatedWorld, type SimulatedWorldOptions } from '../../sim/index.ts';
import { planUpgrade, runUpgrade, type UpgradeDeps } from '../../upgrade/run-upgrade.ts';
import type { CommandContext } from '../context.ts';
import { emitOctopus, octopusError, octopusWanted, writeReportFiles } from '../emit-report.ts';
import { ExitCode } from '../../shared/errors.ts';
import { formatPlanReport } from '../format-plan.ts';
import { formatReport } from '../format-report.ts';

export const DEMO_WORLD: SimulatedWorldOptions = { masters: 3, data: 3, fromVersion: '9.4.5', launchVersion: '9.5.4' };

export async function demo(ctx: CommandContext): Promise<number> {
  const world = createSimulatedWorld(DEMO_WORLD);
  const deps: UpgradeDeps = {
    cluster: world.cluster,
    fleet: world.fleet,
    lock: world.lock,
    clock: world.clock,
    log: ctx.log,
    holder: ctx.holder,
    signal: ctx.signal,
    ...(ctx.onEvent ? { onEvent: ctx.onEvent } : {}),
  };
  const json = ctx.config.output === 'json';
  if (!json) {
    ctx.io.stdout(
      `Demo: a simulated cluster of ${DEMO_WORLD.masters.toString()} master and ${DEMO_WORLD.data.toString()} data nodes on ${DEMO_WORLD.fromVersion}, ` +
        `whose Auto Scaling Groups now launch ${DEMO_WORLD.launchVersion}. Nothing real is touched.\n\n`,
    );
  }
  // The plan is printed here; the progress view and --events follow the run, which starts with its
  // own plan event (a plan's end would read as the run's).
  const { onEvent: _followsTheRun, ...planDeps } = deps;
  const planned = await planUpgrade(planDeps, ctx.config.upgrade);
  if (!json) ctx.io.stdout(`${formatPlanReport(planned)}\n`);
  const report = await runUpgrade(deps, ctx.config.upgrade);
  // --report and --html hold the run's report, which carries the plan it followed.
  const { failures, written } = await writeReportFiles(ctx, report);
  ctx.io.stdout(json ? JSON.stringify({ plan: planned, run: report }, null, 2) + '\n' : formatReport(report));
  // --octopus: what a run step would print for Octopus, the artifacts included.
  const octopus = octopusWanted(ctx);
  if (octopus) await emitOctopus(ctx, report, written, failures);
  if (failures.length === 0) return report.exitCode;
  const code = report.exitCode !== ExitCode.ok ? report.exitCode : ExitCode.reportNotWritten;
  const summary = `${failures.join('; ')}. The demo run itself ended ${report.outcome}; see above. Exit code ${code.toString()}.`;
  ctx.io.stderr(`error: ${summary}\n`);
  if (octopus) octopusError(ctx, `error: ${summary}`, report.exitCode === ExitCode.ok);
  return code;
}
