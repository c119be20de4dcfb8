// `run`: replace every stale node, one at a time. With --dry-run it is `plan`.

import { ExitCode } from '../../shared/errors.ts';
import { requireConnection } from '../../app/config.ts';
import { upgradeDeps } from '../../app/upgrade-deps.ts';
import { planUpgrade, runUpgrade } from '../../upgrade/run-upgrade.ts';
import type { CommandContext } from '../context.ts';
import { emitReport } from '../emit-report.ts';
import { formatPlanReport } from '../format-plan.ts';
import { formatReport } from '../format-report.ts';
import { plan } from './plan.ts';

export async function run(ctx: CommandContext): Promise<number> {
  if (ctx.config.dryRun) return plan(ctx);
  const connection = ctx.connect(requireConnection(ctx.config), ctx.log, ctx.config.upgrade.versionTagKey);
  try {
    const deps = upgradeDeps(connection, ctx);
    if (ctx.confirm) {
      // The plan goes to stderr: it is part of the question; stdout keeps only the result.
      const planned = await planUpgrade({ ...deps, onEvent: () => undefined }, ctx.config.upgrade);
      if (planned.plan.toReplace > 0) ctx.io.stderr(formatPlanReport(planned));
      if (!(await ctx.confirm(planned.plan))) {
        // Ctrl-C at the prompt is an interrupt (130), not a "no".
        if (ctx.signal.aborted) throw ctx.signal.reason;
        ctx.io.stderr('Not confirmed: nothing was changed.\n');
        return ExitCode.refused;
      }
    }
    const report = await runUpgrade(deps, ctx.config.upgrade);
    return await emitReport(ctx, report, formatReport);
  } finally {
    await connection.close();
  }
}
