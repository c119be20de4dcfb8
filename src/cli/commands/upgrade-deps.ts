import { systemClock } from '../../shared/clock.ts';
import type { UpgradeDeps } from '../../upgrade/run-upgrade.ts';
import type { Connection } from '../connect.ts';
import type { CommandContext } from '../context.ts';

/** What plan and run hand the upgrade logic: the real adapters, the wall clock, this controller. */
export function upgradeDeps(ctx: CommandContext, connection: Connection): UpgradeDeps {
  return {
    cluster: connection.cluster,
    fleet: connection.fleet,
    lock: connection.lock,
    clock: systemClock,
    log: ctx.log,
    holder: ctx.holder,
    signal: ctx.signal,
    ...(ctx.onEvent ? { onEvent: ctx.onEvent } : {}),
  };
}
