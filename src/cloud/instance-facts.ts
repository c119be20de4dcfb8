// What EC2 said about each instance, kept between ticks so that a member of a group that is quietly
// in service is not read again every tick. At 1,000 instances, reading and parsing every instance
// each tick costs more than the rest of the tick together; the groups' own member list (one call,
// with each member's lifecycle state) says which instances may have changed.
//
// A member's facts stand only while nothing about it is in motion: the group has it in service and
// healthy, EC2 said it is running, and it had its private IP and both tags (the version tag and the group's own)
// when read. Tags can show up after launch, so an instance read without them is read again. Facts
// also age out (maxAgeMs), so a tag edited by hand or an instance stopped behind the group's back
// shows within that time. Anything not a member is read afresh each tick; only a terminated
// instance's facts are final.

import type { Ec2Instance } from '../upgrade/model.ts';

export const GROUP_TAG = 'aws:autoscaling:groupName';

interface Entry {
  instance: Ec2Instance;
  readAtMs: number;
}

export class InstanceFacts {
  readonly #versionTagKey: string;
  readonly #maxAgeMs: number;
  readonly #entries = new Map<string, Entry>();

  constructor(versionTagKey: string, maxAgeMs: number) {
    this.#versionTagKey = versionTagKey;
    this.#maxAgeMs = maxAgeMs;
  }

  /** Keep what was just read (without a lifecycle state: that comes from the group each tick). */
  record(instances: Iterable<Ec2Instance>, nowMs: number): void {
    for (const { lifecycleState: _, ...instance } of instances) this.#entries.set(instance.id, { instance, readAtMs: nowMs });
  }

  /** A copy of the facts last read, however old; undefined when never read. */
  get(id: string): Ec2Instance | undefined {
    const entry = this.#entries.get(id);
    return entry ? { ...entry.instance } : undefined;
  }

  /** Whether a member can go this tick on what was read before; `quiet`: its group has it in service and healthy. */
  standsFor(id: string, quiet: boolean, nowMs: number): boolean {
    const entry = this.#entries.get(id);
    if (!entry || !quiet || nowMs - entry.readAtMs >= this.#maxAgeMs) return false;
    const { instance } = entry;
    return instance.state === 'running' && instance.privateIp !== undefined && instance.groupName !== undefined && instance.tags[this.#versionTagKey] !== undefined;
  }

  /** Whether the instance was last seen terminated: nothing about it changes any more. */
  isFinal(id: string): boolean {
    return this.#entries.get(id)?.instance.state === 'terminated';
  }
}
