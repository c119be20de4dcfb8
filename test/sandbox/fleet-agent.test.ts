import { describe, expect, it } from 'vitest';
import { nodeAttributes } from '../../sandbox/fleet-agent.ts';

describe('nodeAttributes (the fleet agent\'s node.attr.*)', () => {
  it('names the instance and its availability zone', () => {
    expect(nodeAttributes({ id: 'i-1', availabilityZone: 'ap-southeast-2b' })).toEqual({ instance_id: 'i-1', zone: 'ap-southeast-2b' });
  });

  it('leaves the zone out when EC2 reports none', () => {
    expect(nodeAttributes({ id: 'i-1' })).toEqual({ instance_id: 'i-1' });
  });
});
