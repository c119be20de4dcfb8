// The cluster lease as people read it: who holds it and since when, how fresh it is, what the watch
// showed about its holder, and the upgrade's record it carries. And the same as one JSON document.
// Pure: the time of "now" is given.

import { formatDuration } from '../app/duration.ts';
import { renewalIntervalOf, ttlOf, type LeaseWatch, type Liveness } from '../app/lease-watch.ts';
import type { LayeredSetting } from '../upgrade/model.ts';
import type { LeaseRecord } from '../upgrade/ports.ts';

/** What `lease` found, and with --break what it did. */
export interface LeaseOutcome {
  /** The lease as last read, or as broken; undefined when there is none. */
  record: LeaseRecord | undefined;
  /** The watch, when there was a lease to watch. */
  watch: LeaseWatch | undefined;
  /** With --break: the release written, and the holder the watch saw; null when nothing was broken. */
  broken?: { at: string; by: string; reason: string; wasHeldBy: string } | null;
  now: Date;
}

export function formatLease(outcome: LeaseOutcome): string {
  const { record, watch, now } = outcome;
  if (record === undefined) {
    return watch?.liveness.kind === 'gone'
      ? 'The lease was deleted while watched: its upgrade completed.\n'
      : 'No lease on this cluster: no upgrade is under way, and none was left unfinished.\n';
  }
  const ttl = ttlOf(record);
  const rows: [string, string][] = [
    ['target version', record.targetVersion],
    ['acquired', record.acquiredAt],
    ...(record.runStartedAt !== record.acquiredAt ? ([['upgrade began', `${record.runStartedAt} (by an earlier holder)`]] as [string, string][]) : []),
    ['last renewed', `${record.renewedAt} by the holder's clock; ${ago(record.renewedAt, now)} by this machine's (clocks may differ)`],
    ['TTL', `${formatDuration(ttl)}: renewed every ${formatDuration(renewalIntervalOf(record))}; another controller takes it over once it sees it unchanged for ${formatDuration(ttl)}`],
  ];
  if (watch !== undefined && watch.liveness.kind !== 'released') rows.push(['watched', describeLiveness(watch.liveness, watch.first)]);
  if (record.released) rows.push(['released', `${record.released.at} by ${record.released.by}: ${record.released.reason}`]);
  const title = record.holder !== null ? `Lease of the cluster: held by ${record.holder}` : 'Lease of the cluster: released, held by nobody';
  return [
    title,
    renderRows(rows),
    '',
    'Record of the upgrade (kept until it completes: the next holder resumes it and puts back what it names):',
    renderRows(recordRows(record)),
    '',
  ].join('\n');
}

/** What the watch showed, in a line. */
function describeLiveness(liveness: Liveness, record: LeaseRecord): string {
  const every = formatDuration(renewalIntervalOf(record));
  switch (liveness.kind) {
    case 'released':
      return 'not watched: nobody holds it';
    case 'renewed':
      return `renewed while watched (after ${formatDuration(liveness.afterMs)}): alive`;
    case 'changed-hands':
      return liveness.holder === null ? 'released while watched' : `taken over by ${liveness.holder} while watched`;
    case 'gone':
      return 'deleted while watched: its upgrade completed';
    case 'missed-renewal':
      return (
        `unchanged for ${formatDuration(liveness.unchangedMs)}: it missed a renewal (due every ${every}), so its holder is stalled or dead` +
        (liveness.unchangedMs >= ttlOf(record) ? '; another controller may take it over now' : '')
      );
    case 'undecided':
      return liveness.unchangedMs === 0
        ? 'not watched (--watch 0s): whether its holder is alive is not known'
        : `unchanged for ${formatDuration(liveness.unchangedMs)}: too short to tell (it renews every ${every}; watch at least ${formatDuration(liveness.neededMs)})`;
  }
}

/** The outcome as one JSON document (--output json). */
export function leaseJson(outcome: LeaseOutcome): Record<string, unknown> {
  const { record, watch, now } = outcome;
  return {
    lease: record ?? null,
    renewedAgoMs: record ? now.getTime() - Date.parse(record.renewedAt) : null,
    watch: watch ? { plannedMs: watch.plannedMs, watchedMs: watch.watchedMs, verdict: watch.liveness.kind, ...withoutKind(watch.liveness) } : null,
    ...(outcome.broken !== undefined ? { broken: outcome.broken } : {}),
  };
}

function withoutKind(liveness: Liveness): Record<string, unknown> {
  const { kind: _kind, ...rest } = liveness;
  return rest;
}

function recordRows(record: LeaseRecord): [string, string][] {
  const rows: [string, string][] = [];
  const nodes = record.terminatedNodeIds?.length ? ` (node ids ${record.terminatedNodeIds.join(', ')})` : '';
  rows.push(['instances terminated', record.terminatedInstanceIds.length > 0 ? `${record.terminatedInstanceIds.join(', ')}${nodes}` : 'none']);
  const requested = record.terminationRequested;
  if (requested) {
    rows.push(['termination sent', `${requested.instanceId} at ${requested.at}, not confirmed: the next holder checks whether it landed`]);
  }
  const override = record.allocationOverride;
  if (override) {
    const what = [
      ...(override.nodeNames.length > 0 ? [`new shard copies kept off ${override.nodeNames.join(', ')}`] : []),
      ...(override.narrowed ? ['allocation narrowed to new primaries'] : []),
    ];
    rows.push(['allocation changed', `since ${override.setAt}${what.length > 0 ? `: ${what.join('; ')}` : ''}`]);
    for (const [key, value] of Object.entries(override.found) as [string, LayeredSetting | undefined][]) {
      if (value) rows.push(['  as found', `${key}: ${layers(value)}`]);
    }
  } else {
    rows.push(['allocation changed', 'none']);
  }
  const voting = record.votingExclusion;
  rows.push([
    'voting exclusion',
    voting ? `${voting.nodeNames.join(', ') || voting.nodeIds.join(', ')} since ${voting.setAt} (node ids ${voting.nodeIds.join(', ')})` : 'none',
  ]);
  return rows;
}

function layers(value: LayeredSetting): string {
  return `persistent ${value.persistent ?? '(unset)'}, transient ${value.transient ?? '(unset)'}`;
}

/** "12s ago", or how far ahead of our clock the holder's was. */
function ago(iso: string, now: Date): string {
  const ms = now.getTime() - Date.parse(iso);
  if (!Number.isFinite(ms)) return 'unknown';
  return ms >= 0 ? `${formatDuration(ms)} ago` : `${formatDuration(-ms)} in the future`;
}

function renderRows(rows: readonly [string, string][]): string {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`).join('\n');
}
