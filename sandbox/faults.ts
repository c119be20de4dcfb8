// Misbehaviour on request: .sandbox/faults.json lists faults the fleet agent applies to the next
// replacement instances it starts (never to the fleet `up` created). Each fault has a count and
// optional group/instance filters; the agent decrements the count as it applies one.

import { existsSync } from 'node:fs';
import { paths, readJsonFile, writeJsonFile } from './sandbox-state.ts';

export type FaultKind =
  /** The node boots with another cluster.name and no seeds: it runs but never joins. */
  | 'never-join'
  /** The node boots `version` instead of what its Version tag says. */
  | 'wrong-version'
  /** The process starts `delayMs` after the instance is running. */
  | 'slow-start'
  /** No Elasticsearch process at all (a machine whose service never starts). */
  | 'no-process';

export interface Fault {
  kind: FaultKind;
  /** How many more instances get it; absent means 1. */
  count?: number;
  group?: string;
  instanceId?: string;
  version?: string;
  delayMs?: number;
}

export function readFaults(): Fault[] {
  return existsSync(paths.faults) ? readJsonFile<Fault[]>(paths.faults, []) : [];
}

export function writeFaults(faults: Fault[]): void {
  writeJsonFile(paths.faults, faults);
}

/** Faults for this instance, consumed from the file (one count each). */
export function takeFaults(instanceId: string, groupName: string): Fault[] {
  const faults = readFaults();
  const taken: Fault[] = [];
  const remaining: Fault[] = [];
  for (const fault of faults) {
    const matches = (!fault.group || fault.group === groupName) && (!fault.instanceId || fault.instanceId === instanceId);
    if (!matches) {
      remaining.push(fault);
      continue;
    }
    taken.push(fault);
    const left = (fault.count ?? 1) - 1;
    if (left > 0) remaining.push({ ...fault, count: left });
  }
  if (taken.length > 0) writeFaults(remaining);
  return taken;
}
