import { describe, expect, it } from 'vitest';
import { placeMembers, type GroupPlacement } from '../../sandbox/aws-zones.ts';

const ZONES = ['ap-southeast-2a', 'ap-southeast-2b', 'ap-southeast-2c'] as const;
const group = (members: string[], zones: readonly string[] = ZONES): GroupPlacement => ({ groupName: 'g-data', zones: [...zones], members });
const NONE = new Set<string>();

describe('placeMembers (Auto Scaling balances a group over its zones)', () => {
  it('spreads a new group over its zones in order, as evenly as they go', () => {
    expect(placeMembers({}, [group(['i-1', 'i-2', 'i-3', 'i-4', 'i-5', 'i-6', 'i-7'])], NONE)).toEqual({
      'i-1': ZONES[0], 'i-2': ZONES[1], 'i-3': ZONES[2], 'i-4': ZONES[0], 'i-5': ZONES[1], 'i-6': ZONES[2], 'i-7': ZONES[0],
    });
  });

  it('balances each group on its own', () => {
    const placed = placeMembers({}, [
      { groupName: 'g-master', zones: [...ZONES], members: ['i-m1', 'i-m2'] },
      group(['i-d1', 'i-d2']),
    ], NONE);
    expect(placed).toEqual({ 'i-m1': ZONES[0], 'i-m2': ZONES[1], 'i-d1': ZONES[0], 'i-d2': ZONES[1] });
  });

  const balanced = { 'i-1': ZONES[0], 'i-2': ZONES[1], 'i-3': ZONES[2], 'i-4': ZONES[0], 'i-5': ZONES[1], 'i-6': ZONES[2] };

  it.each([
    ['gone from the group', ['i-1', 'i-2', 'i-3', 'i-4', 'i-6', 'i-new'], NONE],
    ['still listed while it terminates', ['i-1', 'i-2', 'i-3', 'i-4', 'i-5', 'i-6', 'i-new'], new Set(['i-5'])],
  ])('puts a replacement in its predecessor\'s zone, the predecessor %s', (_name, members, terminating) => {
    expect(placeMembers(balanced, [group(members)], terminating)).toEqual({ 'i-new': ZONES[1] });
  });

  it('puts both replacements of a zone taken away at once in that zone', () => {
    const members = ['i-2', 'i-3', 'i-5', 'i-6', 'i-r1', 'i-r2'];
    expect(placeMembers(balanced, [group(members)], NONE)).toEqual({ 'i-r1': ZONES[0], 'i-r2': ZONES[0] });
  });

  it('sends a new member to the emptiest zone of an unbalanced group, whatever the order', () => {
    const placed = { 'i-1': ZONES[0], 'i-2': ZONES[0], 'i-3': ZONES[1] };
    expect(placeMembers(placed, [group(['i-1', 'i-2', 'i-3', 'i-new'])], NONE)).toEqual({ 'i-new': ZONES[2] });
  });

  it('never moves a placed instance, and places nothing in a group without zones', () => {
    expect(placeMembers(balanced, [group(Object.keys(balanced))], NONE)).toEqual({});
    expect(placeMembers({}, [group(['i-x'], [])], NONE)).toEqual({});
  });

  it('ignores a placement in a zone the group no longer spans', () => {
    const placed = { 'i-1': 'ap-southeast-2z', 'i-2': ZONES[0] };
    expect(placeMembers(placed, [group(['i-1', 'i-2', 'i-new'], ZONES.slice(0, 2))], NONE)).toEqual({ 'i-new': ZONES[1] });
  });
});
