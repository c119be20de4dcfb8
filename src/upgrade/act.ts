// Carry out one decision. Every change is recorded in the lease before it is made (or, for a
// change that only puts things back, right after), so an interrupted run leaves a trail to restore.

import type { Clock } from '../shared/clock.ts';
import { ExitCode, ServiceError } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';
import { redactSecrets } from '../shared/redact.ts';
import { HELD_BACK_GRACE_MS, waitTimeout, type Decision } from './decide.ts';
import type { LeaseKeeper } from './lease-keeper.ts';
import type { RunOutcome, UpgradeOptions } from './plan-model.ts';
import type { Cluster, Fleet, LeaseRecord } from './ports.ts';
import type { RunRecorder } from './run-recorder.ts';
import type { World } from './world.ts';

/** Longest single long-poll: short enough to renew the lease and notice other changes. */
const LONG_POLL_MS = 30_000;

export interface Ending {
  outcome: RunOutcome;
  message: string;
  exitCode: number;
}

/** What a run acts with, and the little it keeps between ticks. */
export interface RunContext {
  readonly cluster: Cluster;
  readonly fleet: Fleet;
  readonly clock: Clock;
  readonly log: Logger;
  readonly rec: RunRecorder;
  readonly keeper: LeaseKeeper;
  readonly options: UpgradeOptions;
  /** Aborted by the caller or when the lease is lost. */
  readonly signal: AbortSignal;
  readonly previouslyTerminated: readonly string[];
  readonly state: {
    /** The last world observed. */
    world: World;
    /** Whether this run has changed anything yet: until then a set-up problem refuses it. */
    touched: boolean;
  };
}

/**
 * Waits with no long-poll (a voting configuration to settle, a master to be elected) are usually
 * over in a second or two: look again soon at first, then back off to the poll interval.
 */
export function sleepFor(waitedMs: number, pollIntervalMs: number): number {
  return Math.min(pollIntervalMs, Math.max(250, Math.round(waitedMs / 4)));
}

export function withOverride(lease: LeaseRecord, keep: LeaseRecord['allocationOverride']): LeaseRecord {
  const { allocationOverride: _done, ...rest } = lease;
  return keep ? { ...rest, allocationOverride: keep } : rest;
}

export function describeSettings(settings: object): string {
  return Object.entries(settings as Record<string, { persistent: string | null; transient: string | null }>)
    .map(([key, v]) => `${key} -> ${v.persistent ?? '(unset)'}${v.transient !== null ? ` (transient ${v.transient})` : ''}`)
    .join(', ');
}

/** Do what the decision says; an ending when the run is over. */
export async function act(ctx: RunContext, d: Decision): Promise<Ending | undefined> {
  const { cluster, fleet, clock, rec, keeper, options, signal, state } = ctx;
  const present = (): string[] => state.world.cluster.nodes.map((n) => n.name);
  /** Record before acting: the action follows only once the record is stored. */
  const saveLease = (next: LeaseRecord): Promise<void> => keeper.save(next, signal);
  /** Record what just happened (see LeaseKeeper.recordFact). */
  const recordFact = (next: LeaseRecord): Promise<void> => keeper.recordFact(next);

  switch (d.kind) {
    case 'done': {
      rec.acceptConflicts(d.conflicts);
      rec.finishNode(present(), 'replaced');
      const n = rec.timelines.length;
      const earlier = ctx.previouslyTerminated.length;
      if (n === 0 && earlier === 0) {
        return { outcome: 'nothing-to-do', message: `every node is at ${options.targetVersion}: nothing to do`, exitCode: ExitCode.ok };
      }
      return {
        outcome: 'completed',
        message:
          `upgrade to ${options.targetVersion} complete: ${n} node${n === 1 ? '' : 's'} replaced` +
          (earlier > 0 ? ` (${earlier} by earlier runs)` : '') +
          (d.conflicts.length > 0 ? `, ${d.conflicts.length} replicas held back by version conflicts` : ''),
        exitCode: ExitCode.ok,
      };
    }
    case 'refuse': {
      rec.refused(d.refusals);
      const parts = d.refusals.map((r) => `${r.rule}${r.node ? ` (${r.node})` : ''}: ${r.reason}`);
      return { outcome: 'refused', message: `refused to start: ${[d.reason, ...parts].filter(Boolean).join('; ')}`, exitCode: ExitCode.refused };
    }
    case 'halt': {
      rec.refused(d.refusals);
      return { outcome: 'halted', message: `halted: ${d.reason}; no further node will be touched`, exitCode: ExitCode.halted };
    }
    case 'wait': {
      if (d.refusals.length > 0 && d.wait === 'safe-to-proceed') rec.refused(d.refusals);
      const timeoutMs = waitTimeout(d.wait, options);
      const waited = rec.waiting(d.wait, d.node, d.detail, timeoutMs);
      const left = timeoutMs - waited;
      if (d.wait === 'green' || d.wait === 'yellow') {
        const h = state.world.cluster.health;
        rec.emit({ type: 'recovery', status: h.status, initializing: h.initializingShards, relocating: h.relocatingShards, unassigned: h.unassignedShards });
      }
      // A node count cannot tell a replacement joining from the old node leaving: when both happen
      // within one long-poll (N, N+1, N) neither `<N` nor `>=N+1` fires. Membership is looked at
      // directly at least every poll interval instead.
      const longest = d.wait === 'node-leave' || d.wait === 'node-join' ? Math.min(LONG_POLL_MS, options.pollIntervalMs) : LONG_POLL_MS;
      const chunk = Math.max(1, Math.min(left, longest));
      const pause = Math.min(chunk, sleepFor(waited, options.pollIntervalMs));
      if (!d.health) await clock.sleep(pause, signal);
      else {
        const startedMs = clock.now().getTime();
        const h = await cluster.waitForHealth({ ...d.health, timeoutMs: chunk }, signal);
        // The condition held at once, yet the wait goes on (the rules ask for more than health
        // says): look again soon, not in a tight loop.
        if (!h.timedOut && waited > 0 && clock.now().getTime() - startedMs < 250) await clock.sleep(pause, signal);
      }
      return undefined;
    }
    case 'prepare-node': {
      signal.throwIfAborted();
      rec.touchNode(d.node, present(), new Set(d.override.nodeNames));
      // Recorded before the change, so a crash leaves a trail to restore.
      await saveLease({ ...keeper.record, allocationOverride: d.override });
      state.touched = true;
      await cluster.putSettings(d.settings, signal);
      rec.emit({ type: 'action', action: 'prepare', node: d.node.node.name, detail: describeSettings(d.settings) });
      return undefined;
    }
    case 'restore-allocation': {
      await cluster.putSettings(d.settings, signal);
      await recordFact(withOverride(keeper.record, d.keep));
      rec.emit({ type: 'action', action: d.keep?.nodeNames.length ? 'allocation-widened' : 'allocation-restored', detail: d.why ?? describeSettings(d.settings) });
      return undefined;
    }
    case 'exclude-from-voting': {
      signal.throwIfAborted();
      if (d.node) rec.touchNode(d.node, present());
      const before = keeper.record.votingExclusion;
      await saveLease({
        ...keeper.record,
        votingExclusion: {
          nodeIds: [...new Set([...(before?.nodeIds ?? []), ...d.nodeIds])],
          nodeNames: [...new Set([...(before?.nodeNames ?? []), ...d.nodeNames])],
          setAt: before?.setAt ?? clock.now().toISOString(),
        },
      });
      state.touched = true;
      await cluster.excludeFromVoting(d.nodeIds, signal);
      rec.emit({ type: 'action', action: 'voting-exclusion', ...(d.node ? { node: d.node.node.name } : {}), detail: `excluded ${[...d.nodeNames, ...d.nodeIds].join(', ')} from the voting configuration: ${d.why}` });
      return undefined;
    }
    case 'clear-voting-exclusion': {
      await cluster.clearVotingExclusions(signal);
      const { votingExclusion: _done, ...rest } = keeper.record;
      await recordFact(rest);
      rec.emit({ type: 'action', action: 'voting-exclusion-cleared', detail: 'voting configuration exclusions cleared' });
      return undefined;
    }
    case 'place-held-back': {
      signal.throwIfAborted();
      state.touched = true;
      for (const r of d.replicas) {
        const what = `[${r.index}][${r.shard}] replica`;
        try {
          await cluster.allocateReplica(r, r.node, signal);
          rec.replicaPlaced(r, `${what} placed on ${r.node}: the balancer had held it back for ${HELD_BACK_GRACE_MS / 1000}s`);
        } catch (error) {
          if (signal.aborted) throw error;
          // Assigned meanwhile, or the node went away: the next tick sees which.
          const reason = redactSecrets(error instanceof Error ? error.message : String(error));
          ctx.log.warn({ err: reason, index: r.index, shard: r.shard, node: r.node }, `could not place the held-back ${what}`);
        }
      }
      return undefined;
    }
    case 'terminate': {
      signal.throwIfAborted();
      const id = d.node.instance?.id;
      if (!id) throw new Error(`no instance for ${d.node.node.name}`);
      rec.acceptConflicts(d.conflicts);
      // The nodes going together with this one: its readied batch, or itself.
      const batch = keeper.record.allocationOverride?.nodeNames ?? [];
      rec.touchNode(d.node, present(), new Set(batch.includes(d.node.node.name) ? batch : [d.node.node.name]));
      const nodeId = d.node.node.id;
      await saveLease({ ...keeper.record, terminationRequested: { instanceId: id, nodeId, at: clock.now().toISOString() } });
      state.touched = true;
      try {
        await fleet.terminateInGroup(id, signal);
        rec.terminated(d.node);
      } catch (error) {
        // It did not land (the adapter looked): forget the request, so it may be sent again later.
        if (error instanceof ServiceError && error.transient && !signal.aborted) {
          const { terminationRequested: _no, ...rest } = keeper.record;
          await recordFact(rest);
        }
        throw error;
      }
      const { terminationRequested: _sent, ...rest } = keeper.record;
      await recordFact({ ...rest, terminatedInstanceIds: [...rest.terminatedInstanceIds, id], terminatedNodeIds: [...(rest.terminatedNodeIds ?? []), nodeId] });
      rec.emit({ type: 'action', action: 'terminate', node: d.node.node.name, instanceId: id, detail: `terminated ${id} in ${d.node.group?.name ?? '?'}; the group launches its replacement` });
      return undefined;
    }
  }
}
