// `lease`: show the cluster lease (its holder, how fresh it is, the upgrade's record it carries),
// watching it for a while to judge whether its holder is alive; with --break --reason --force,
// release it from its holder, keeping the record, so the next run starts at once instead of after a
// TTL. A holder seen alive, or not watched long enough to tell, is not broken without
// --even-if-alive: stopping the controller itself puts back what it changed.

import { requireEs } from '../../app/config.ts';
import { formatDuration } from '../../app/duration.ts';
import { operatorName, parseHolderId } from '../../app/holder.ts';
import { neededToJudge, renewalIntervalOf, watchLease, type LeaseWatch } from '../../app/lease-watch.ts';
import { systemClock } from '../../shared/clock.ts';
import { ExitCode, RefusedError } from '../../shared/errors.ts';
import type { LeaseRecord } from '../../upgrade/ports.ts';
import type { CommandContext } from '../context.ts';
import { formatLease, leaseJson, type LeaseOutcome } from '../format-lease.ts';

export async function lease(ctx: CommandContext): Promise<number> {
  const clock = ctx.clock ?? systemClock;
  const options = ctx.config.lease;
  const connectLock = ctx.connectLock ?? (await import('../../app/connect-lock.ts')).connectLock;
  const connection = connectLock(requireEs(ctx.config), ctx.log);
  try {
    const watch = await watchLease(connection.lock, clock, {
      watchMs: options.watchMs,
      signal: ctx.signal,
      onWatch: (record, plannedMs) =>
        ctx.io.stderr(
          `Watching the lease for up to ${formatDuration(plannedMs)} for a renewal by ${record.holder ?? 'its holder'}` +
            `${options.break ? ': it is broken only if its holder misses one' : ' (--watch 0s skips this)'}...\n`,
        ),
    });
    const shown: LeaseOutcome = { record: watch?.last, watch, now: clock.now() };
    if (!options.break) {
      print(ctx, shown);
      return ExitCode.ok;
    }

    const current = watch?.last;
    if (watch === undefined || current === undefined || current.holder === null) {
      print(ctx, { ...shown, broken: null });
      ctx.io.stderr('Nothing to break: no controller holds the lease; the next run takes it at once.\n');
      return ExitCode.ok;
    }
    const refusal = refusalFor(watch, current);
    if (refusal !== undefined && !options.evenIfAlive) {
      print(ctx, { ...shown, broken: null });
      throw new RefusedError(refusal.message);
    }

    const by = operatorName(ctx.io.env);
    const broken = await connection.lock.breakLease(by, options.reason ?? '', ctx.signal);
    if (broken?.released === undefined) {
      print(ctx, { record: undefined, watch, now: clock.now(), broken: null });
      ctx.io.stderr('Nothing to break: the lease was deleted meanwhile (its upgrade completed).\n');
      return ExitCode.ok;
    }
    ctx.log.warn({ wasHeldBy: current.holder, by, reason: options.reason }, 'broke the upgrade lease');
    print(ctx, { record: broken, watch, now: clock.now(), broken: { ...broken.released, wasHeldBy: current.holder } });
    if (refusal !== undefined) ctx.io.stderr(aliveWarning(current, refusal));
    else if (broken.renewedAt !== current.renewedAt || broken.acquiredAt !== current.acquiredAt) {
      // Written in the moment between the last look and the break: whoever wrote it was alive.
      ctx.io.stderr(
        `WARNING: the lease was written between the watch and the break (renewed at ${broken.renewedAt} by its holder's clock): its holder was alive. ${HALTS}\n`,
      );
    }
    ctx.io.stderr(
      `Broke the lease held by ${current.holder}. The next run takes it at once, resumes the upgrade's record and puts back what it names.\n`,
    );
    return ExitCode.ok;
  } finally {
    await connection.close();
  }
}

function print(ctx: CommandContext, outcome: LeaseOutcome): void {
  ctx.io.stdout(ctx.config.output === 'json' ? `${JSON.stringify(leaseJson(outcome), null, 2)}\n` : formatLease(outcome));
}

/** Why breaking might stop a live controller; undefined when its holder missed a renewal while watched. */
function refusalFor(watch: LeaseWatch, current: LeaseRecord): { seen: string; message: string } | undefined {
  const holder = current.holder ?? 'nobody';
  const liveness = watch.liveness;
  const anyway = `To break it all the same, add --even-if-alive. ${HALTS} The next run puts back what the record names.`;
  switch (liveness.kind) {
    case 'renewed':
    case 'changed-hands': {
      const seen = `${holder} ${liveness.kind === 'renewed' ? 'renewed' : 'took'} the lease while watched`;
      return {
        seen: `${seen}: it is alive`,
        message: `not broken: ${seen}, so it is alive. Stop it instead${whereToStop(holder)}: it puts back what it changed and releases the lease itself. ${anyway}`,
      };
    }
    case 'undecided':
      return {
        seen: `${holder} was not watched long enough to tell whether it is alive`,
        message:
          `not broken: watched for ${formatDuration(liveness.unchangedMs)}, too short to tell whether ${holder} is alive (it renews every ${formatDuration(renewalIntervalOf(current))}). ` +
          `Watch at least ${formatDuration(neededToJudge(current))} (the default --watch). ${anyway}`,
      };
    default:
      return undefined;
  }
}

/** What a live holder does once its lease is broken (see LeaseKeeper: every write is conditional). */
const HALTS =
  'A live holder halts at its next write to the lease (its next renewal, or before its next termination) with "lease taken over", and touches nothing more.';

function whereToStop(holder: string): string {
  const at = parseHolderId(holder);
  return at ? ` (SIGTERM to pid ${at.pid.toString()} on ${at.host}; if that is the service, cancel its run: POST /v1/runs/:id/cancel)` : '';
}

function aliveWarning(current: LeaseRecord, refusal: { seen: string }): string {
  return `WARNING: --even-if-alive: ${refusal.seen}. ${HALTS} Its next renewal is due within ${formatDuration(renewalIntervalOf(current))}.\n`;
}
