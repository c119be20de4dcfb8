// `plan` (and `run --dry-run`): observe the cluster and the fleet, print what would be done.

import { requireConnection } from '../../app/config.ts';
import { upgradeDeps } from '../../app/upgrade-deps.ts';
import { planUpgrade } from '../../upgrade/run-upgrade.ts';
import type { CommandContext } from '../context.ts';
import { emitReport } from '../emit-report.ts';
import { formatPlanReport } from '../format-plan.ts';

export async function plan(ctx: CommandContext): Promise<number> {
  const connection = ctx.connect(requireConnection(ctx.config), ctx.log, ctx.config.upgrade.versionTagKey);
  try {
    const report = await planUpgrade(upgradeDeps(connection, ctx), ctx.config.upgrade);
    return await emitReport(ctx, report, formatPlanReport);
  } finally {
    await connection.close();
  }
}
