import { always, type Rule } from './rule.ts';

/** Green, or nothing unassigned but what a mixed-version cluster cannot allocate (see version-conflicts). */
export const clusterSettled: Rule = {
  name: 'cluster_settled',
  kind: 'recovery',
  appliesTo: always,
  check: (_c, { settlement, options }) => {
    if (settlement.kind === 'green') return null;
    if (settlement.kind === 'version-conflicts-only') {
      return options.versionConflicts === 'accept' || settlement.conflicts.length === 0
        ? null
        : `${settlement.conflicts.length} replicas unassigned by version conflicts and --version-conflicts reject is set`;
    }
    const first = settlement.blockers[0];
    return first ? `${settlement.reason}; e.g. [${first.index}][${first.shard}]: ${first.reason}` : settlement.reason;
  },
};
