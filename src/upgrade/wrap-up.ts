// On every way out of a run: put back what this upgrade changed, then let go of the lease.

import { redactSecrets } from '../shared/redact.ts';
import { describeSettings, withOverride, type Ending, type RunContext } from './act.ts';
import { restoreOnStop } from './decide.ts';
import { observeWorld } from './observe-world.ts';
import type { LeaseRecord, Lock } from './ports.ts';
import { leavingNodes } from './replacements.ts';
import type { World } from './world.ts';

/** Putting settings back and letting go of the lease after an interrupt: inside a 10 s stop grace. */
export const STOP_GRACE_MS = 8_000;
/** The same after a halt or a failure, when nobody is waiting to kill the process. */
const WRAP_UP_MS = 60_000;

/** Nothing worth keeping for a rerun: no termination, no setting changed. */
export function isEmptyRecord(lease: LeaseRecord): boolean {
  return (
    lease.terminatedInstanceIds.length === 0 &&
    lease.allocationOverride === undefined &&
    lease.votingExclusion === undefined &&
    lease.terminationRequested === undefined
  );
}

/**
 * Put back the settings this upgrade changed (a node it terminated stays excluded until it has
 * left), then release the lease. The upgrade's record stays in the lease until it completes, so a
 * rerun resumes and reports it. Bounded: after an interrupt it must fit a container's stop grace.
 * Returns the last world seen.
 */
export async function wrapUp(ctx: RunContext, lock: Lock, end: Ending): Promise<World> {
  const { cluster, fleet, options, rec, log } = ctx;
  const stop = AbortSignal.timeout(end.outcome === 'interrupted' ? STOP_GRACE_MS : WRAP_UP_MS);
  let last = ctx.state.world;
  try {
    last = await observeWorld(cluster, fleet, options, stop);
  } catch {
    // The last observed world stands.
  }
  let lease = ctx.keeper.record;
  try {
    const restore = restoreOnStop(last, lease);
    if (restore?.kind === 'restore-allocation') {
      await cluster.putSettings(restore.settings, stop);
      lease = withOverride(lease, restore.keep);
      rec.emit({ type: 'action', action: 'allocation-restored', detail: describeSettings(restore.settings) });
      if (restore.keep) log.warn({ nodes: restore.keep.nodeNames }, 'terminated nodes still in the cluster stay excluded from allocation until they leave; a rerun clears it');
    }
    const voting = lease.votingExclusion;
    if (voting && !leavingNodes(last, lease).some((n) => voting.nodeIds.includes(n.node.id))) {
      await cluster.clearVotingExclusions(stop);
      const { votingExclusion: _done, ...rest } = lease;
      lease = rest;
      rec.emit({ type: 'action', action: 'voting-exclusion-cleared', detail: 'voting configuration exclusions cleared' });
    }
    const complete = end.outcome === 'completed' || end.outcome === 'nothing-to-do' || isEmptyRecord(lease);
    await lock.release(lease, { complete, reason: end.message }, stop);
  } catch (err) {
    // The record stays in the lease: a rerun restores what it names.
    log.error({ err: redactSecrets(err instanceof Error ? err.message : String(err)) }, 'could not restore settings or release the lock; a rerun will');
  }
  return last;
}
