// The fault layer's model of instances between states moto skips: a terminated instance held in
// `Terminating` and `Terminating:Wait` (EC2 still `running`), then `shutting-down`; a replacement in
// `Pending` (EC2 `pending`) and `Pending:Wait` before `InService`. Pure: every answer takes `now`.

import type { ActivityXml, GroupMember } from './aws-wire.ts';
import type { ReplacementTiming } from './aws-faults.ts';

export interface HeldTermination {
  instanceId: string;
  groupName: string;
  requestedAt: number;
  terminatingMs: number;
  waitMs: number;
  shuttingDownMs: number;
  decrement: boolean;
  replacement: ReplacementTiming;
  activity: ActivityXml;
  /** The member as the group listed it, to keep listing it once moto no longer does. */
  member: GroupMember;
  /** Terminate calls for it so far, the first included. */
  requests: number;
  /** When moto was told to terminate it (the end of the lag). */
  terminatedAt?: number;
}

export interface LaggedLaunch {
  instanceId: string;
  groupName: string;
  launchedAt: number;
  pendingMs: number;
  waitMs: number;
}

export interface LayerState {
  terminations: HeldTermination[];
  launches: LaggedLaunch[];
  /** Each group member's availability zone as the layer placed it (aws-zones.ts); kept for good. */
  zones?: Record<string, string>;
}

export type TerminationPhase = 'Terminating' | 'Terminating:Wait' | 'shutting-down' | 'terminated';

export function terminationPhase(t: HeldTermination, now: number): TerminationPhase {
  if (t.terminatedAt === undefined) return now - t.requestedAt < t.terminatingMs ? 'Terminating' : 'Terminating:Wait';
  return now - t.terminatedAt < t.shuttingDownMs ? 'shutting-down' : 'terminated';
}

/** Instances held in Terminating or Terminating:Wait: no longer counted where a group balances its zones. */
export function terminatingIds(state: LayerState): Set<string> {
  return new Set(state.terminations.filter((t) => t.terminatedAt === undefined).map((t) => t.instanceId));
}

/** Held terminations whose lag is over and which moto has not been told about yet. */
export function dueTerminations(state: LayerState, now: number): HeldTermination[] {
  return state.terminations.filter((t) => t.terminatedAt === undefined && now >= t.requestedAt + t.terminatingMs + t.waitMs);
}

export function launchPhase(l: LaggedLaunch, now: number): 'Pending' | 'Pending:Wait' | 'InService' {
  const elapsed = now - l.launchedAt;
  if (elapsed < l.pendingMs) return 'Pending';
  return elapsed < l.pendingMs + l.waitMs ? 'Pending:Wait' : 'InService';
}

/** The instance is terminating and not yet shut down: a repeated terminate finds it so. */
export function heldTermination(state: LayerState, instanceId: string): HeldTermination | undefined {
  return state.terminations.find((t) => t.instanceId === instanceId && t.terminatedAt === undefined);
}

/** Lifecycle states to report instead of moto's `InService`. */
export function lifecycleOverrides(state: LayerState, now: number): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of state.launches) {
    const phase = launchPhase(l, now);
    if (phase !== 'InService') out.set(l.instanceId, phase);
  }
  for (const t of state.terminations) {
    const phase = terminationPhase(t, now);
    if (phase === 'Terminating' || phase === 'Terminating:Wait') out.set(t.instanceId, phase);
  }
  return out;
}

/**
 * Members moto no longer lists but the group still does: instances detached at the terminate call
 * (replacement `at-terminate`) until they are shut down. By group.
 */
export function extraMembers(state: LayerState, now: number): { member: GroupMember; lifecycleState: string }[] {
  return state.terminations
    .filter((t) => t.replacement === 'at-terminate' && t.terminatedAt === undefined)
    .map((t) => ({ member: t.member, lifecycleState: terminationPhase(t, now) }));
}

/** EC2 states to report instead of moto's: `pending` for a launch in Pending, `shutting-down` after the lag. */
export function ec2Overrides(state: LayerState, now: number): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of state.launches) if (launchPhase(l, now) === 'Pending') out.set(l.instanceId, 'pending');
  for (const t of state.terminations) if (terminationPhase(t, now) === 'shutting-down') out.set(t.instanceId, 'shutting-down');
  return out;
}

/** Drops what no longer changes any answer (zones stay: a terminated instance keeps its zone). */
export function prune(state: LayerState, now: number): LayerState {
  return {
    ...state,
    launches: state.launches.filter((l) => launchPhase(l, now) !== 'InService'),
    terminations: state.terminations.filter((t) => terminationPhase(t, now) !== 'terminated'),
  };
}
