// Who holds the cluster lease: enough to find the controller (host, pid) and unique per run, so two
// runs of one process (the service) never pass for each other in the lease.

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

export function createHolderId(): string {
  return `${hostname()}:${process.pid.toString()}:${randomBytes(4).toString('hex')}`;
}
