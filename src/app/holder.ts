// Who holds the cluster lease: enough to find the controller (host, pid) and unique per run, so two
// runs of one process (the service) never pass for each other in the lease. And who broke it by
// hand: a person, by login and machine.

import { randomBytes } from 'node:crypto';
import { hostname, userInfo } from 'node:os';

export function createHolderId(): string {
  return `${hostname()}:${process.pid.toString()}:${randomBytes(4).toString('hex')}`;
}

/** The holder id's parts, when it has the form createHolderId gives: where to find the controller. */
export function parseHolderId(holder: string): { host: string; pid: number } | undefined {
  const m = /^(.+):(\d+):[0-9a-f]+$/.exec(holder);
  return m?.[1] !== undefined && m[2] !== undefined ? { host: m[1], pid: Number(m[2]) } : undefined;
}

/** "user@host", for `released.by` when a person breaks the lease. */
export function operatorName(env: Readonly<Record<string, string | undefined>> = process.env): string {
  let user: string | undefined;
  try {
    user = userInfo().username;
  } catch {
    // A uid without a passwd entry (some containers): fall back on the environment.
  }
  return `${user || env.USER || env.LOGNAME || 'unknown'}@${hostname()}`;
}
