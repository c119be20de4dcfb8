import { groupsOfStaleNodes } from './groups.ts';
import { always, type Rule } from './rule.ts';

/** With Launch or Terminate suspended, a terminated node is never replaced (or never goes). */
export const groupProcessesActive: Rule = {
  name: 'group_processes_active',
  kind: 'structural',
  appliesTo: always,
  check: (_c, ctx) => {
    const suspended = groupsOfStaleNodes(ctx).filter((g) => g.suspendedProcesses.some((p) => p === 'Launch' || p === 'Terminate'));
    if (suspended.length === 0) return null;
    return suspended.map((g) => `group ${g.name} has suspended processes: ${g.suspendedProcesses.join(', ')}`).join('; ');
  },
};
