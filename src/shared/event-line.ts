// One progress event as one line of NDJSON: its sequence number in the run (from 1), then the event's
// own fields. The service streams these (GET /v1/runs/:id/events?format=ndjson) and the command line
// writes them (--events), so a tool reads both the same way.

import type { UpgradeEvent } from '../upgrade/plan-model.ts';

export function eventLine(seq: number, event: UpgradeEvent): string {
  return `${JSON.stringify({ seq, ...event })}\n`;
}
