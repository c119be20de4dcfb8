// `run`: replace every stale node, one at a time. With --dry-run it is `plan`.

import { systemClock } from '../../shared/clock.ts';
import { runUpgrade } from '../../upgrade/run-upgrade.ts';
import type { CommandContext } from '../context.ts';
import { emitReport } from '../emit-report.ts';
import { formatReport } from '../format-report.ts';
import { plan } from './plan.ts';
import { requireConnection } from './require-connection.ts';

export async function run(ctx: CommandContext): Promise<number> {
  if (ctx.config.dryRun) return plan(ctx);
  const connection = await ctx.connect(requireConnection(ctx.config), ctx.log, ctx.config.upgrade.versionTagKey);
  try {
    const report = await runUpgrade(
      {
        cluster: connection.cluster,
        fleet: connection.fleet,
        lock: connection.lock,
        clock: systemClock,
        log: ctx.log,
        holder: ctx.holder,
        signal: ctx.signal,
        ...(ctx.onEvent ? { onEvent: ctx.onEvent } : {}),
      },
      ctx.config.upgrade,
    );
    await emitReport(ctx, report, formatReport);
    return report.exitCode;
  } finally {
    await connection.close();
  }
}
