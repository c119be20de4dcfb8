import { always, type Rule } from './rule.ts';

/**
 * The group terminates and replaces only what it has in service. An instance in Standby was taken
 * out of service by someone, on purpose: put it back (ExitStandby) or replace it by hand.
 */
export const instanceInService: Rule = {
  name: 'instance_in_service',
  kind: 'structural',
  appliesTo: always,
  check: (c) => {
    const state = c.instance?.lifecycleState;
    if (state === undefined || state === 'InService') return null;
    return `instance ${c.instance?.id ?? '?'} is ${state} in group ${c.group?.name ?? '?'}, not InService` +
      (/Standby/.test(state) ? ': return it to service (ExitStandby) or replace it by hand' : '');
  },
};
