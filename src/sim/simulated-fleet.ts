// EC2 instances in Auto Scaling groups, each group launching from its own launch template. Terminating
// an instance in its group (without decrementing desired capacity) makes the group launch a
// replacement from the template's `$Default` version, like the real TerminateInstanceInAutoScalingGroup.

import { ServiceError } from '../shared/errors.ts';
import type { AutoScalingGroup, Ec2Instance, FleetSnapshot, InstanceState } from '../upgrade/model.ts';
import type { Fleet, FleetQuery } from '../upgrade/ports.ts';
import type { IdSource } from './id-source.ts';
import type { SimulatedClock } from './simulated-clock.ts';
import type { GroupRole, LaunchFault, SimTimings } from './world-options.ts';

const AVAILABILITY_ZONES = ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'];

/** How the Elasticsearch node on an instance will behave: decided at launch, read by the cluster. */
export interface BootPlan {
  neverJoins: boolean;
  bootDelayMs: number;
  esVersion: string;
}

export interface SimInstance {
  id: string;
  privateIp: string;
  availabilityZone: string;
  state: InstanceState;
  groupName: string;
  role: GroupRole;
  tags: Record<string, string>;
  launchTimeMs: number;
  boot: BootPlan;
}

/** What the cluster needs to hear about instances. */
export interface InstanceLifecycleListener {
  instanceRunning(instance: SimInstance): void;
  instanceShuttingDown(instance: SimInstance): void;
}

interface TemplateVersion {
  number: number;
  tags: Record<string, string>;
}

interface SimGroup {
  name: string;
  role: GroupRole;
  desired: number;
  min: number;
  max: number;
  suspended: string[];
  templateId: string;
  templateVersions: TemplateVersion[];
  defaultTemplateVersion: number;
  /** Members in any lifecycle state but terminated, in launch order. */
  instanceIds: string[];
  replacementsLaunched: number;
}

/** The next terminate call fails; `applied`: the termination happened anyway (a lost response). */
export interface TerminateFailure {
  applied: boolean;
  message?: string;
}

export interface SimulatedFleetDeps {
  clock: SimulatedClock;
  ids: IdSource;
  timings: SimTimings;
  versionTagKey: string;
  esVersionOf: (versionTag: string) => string;
  record: (kind: string, detail: string) => void;
}

export interface GroupSpec {
  role: GroupRole;
  name: string;
  size: number;
  fromVersion: string;
  launchVersion: string;
  templateDefaultStale: boolean;
  suspendedProcesses: string[];
}

export class SimulatedFleet implements Fleet {
  readonly #deps: SimulatedFleetDeps;
  #listener: InstanceLifecycleListener | undefined;
  readonly #groups = new Map<string, SimGroup>();
  /** Every instance ever launched, terminated ones included, in launch order. */
  readonly #instances = new Map<string, SimInstance>();
  readonly #terminateCalls: string[] = [];
  readonly #launchFaults: LaunchFault[] = [];
  #terminateFailure: TerminateFailure | undefined;
  readonly #ipCounters = AVAILABILITY_ZONES.map(() => 0);
  #azCursor = 0;

  constructor(deps: SimulatedFleetDeps) {
    this.#deps = deps;
  }

  setListener(listener: InstanceLifecycleListener): void {
    this.#listener = listener;
  }

  /** Create a group with its template and its instances, already running (launched a month ago). */
  addGroup(spec: GroupSpec): void {
    const versions: TemplateVersion[] = [{ number: 1, tags: this.#templateTags(spec.role, spec.fromVersion) }];
    let defaultVersion = 1;
    if (spec.launchVersion !== spec.fromVersion) {
      versions.push({ number: 2, tags: this.#templateTags(spec.role, spec.launchVersion) });
      if (!spec.templateDefaultStale) defaultVersion = 2;
    }
    const group: SimGroup = {
      name: spec.name,
      role: spec.role,
      desired: spec.size,
      min: spec.size,
      max: spec.size,
      suspended: [...spec.suspendedProcesses],
      templateId: this.#deps.ids.launchTemplateId(),
      templateVersions: versions,
      defaultTemplateVersion: defaultVersion,
      instanceIds: [],
      replacementsLaunched: 0,
    };
    this.#groups.set(group.name, group);
    const launchedAt = this.#deps.clock.nowMs() - 30 * 24 * 3600_000;
    for (let i = 0; i < spec.size; i += 1) {
      const tags = versions[0]?.tags ?? {};
      const instance = this.#newInstance(group, tags, launchedAt, undefined);
      instance.state = 'running';
    }
  }

  // --- the Fleet port ---------------------------------------------------------------------------

  observe(query: FleetQuery): Promise<FleetSnapshot> {
    return this.#deps.clock.respond('fleet.observe', () => this.#observe(query));
  }

  terminateInGroup(instanceId: string): Promise<void> {
    return this.#deps.clock.respond('terminateInGroup', () => this.#terminate(instanceId));
  }

  #observe(query: FleetQuery): FleetSnapshot {
    const ips = new Set(query.privateIps);
    const ids = new Set(query.instanceIds);
    const all = [...this.#instances.values()];
    const matched = all.filter((i) => ids.has(i.id) || (i.state !== 'terminated' && ips.has(i.privateIp)));
    const groupNames = new Set([...matched.map((i) => i.groupName), ...query.groupNames]);
    const groups = [...this.#groups.values()].filter((g) => groupNames.has(g.name));
    const instances = all.filter((i) => matched.includes(i) || groupNames.has(i.groupName));
    return {
      instances: instances.map((i) => this.#toEc2(i)),
      groups: groups.map((g) => this.#toGroup(g)),
    };
  }

  #terminate(instanceId: string): void {
    const instance = this.#instances.get(instanceId);
    const group = instance ? this.#groups.get(instance.groupName) : undefined;
    if (!instance || !group) {
      throw new ServiceError('aws', `TerminateInstanceInAutoScalingGroup ${instanceId}: no managed instance found for instance ID ${instanceId}`);
    }
    if (instance.state !== 'running') {
      throw new ServiceError('aws', `TerminateInstanceInAutoScalingGroup ${instanceId}: instance is ${instance.state}, not running`);
    }
    const failure = this.#terminateFailure;
    this.#terminateFailure = undefined;
    if (failure && !failure.applied) throw this.#terminateError(instanceId, failure);
    this.#terminateCalls.push(instanceId);
    instance.state = 'shutting-down';
    this.#deps.record('instance-shutting-down', `${instanceId} (${group.name})`);
    this.#listener?.instanceShuttingDown(instance);
    const { clock, timings } = this.#deps;
    clock.after(timings.shutdownMs, () => this.#terminated(instance, group), 'instance-terminated');
    // Desired capacity is kept, so the group launches a replacement once it notices the shortfall.
    clock.after(timings.replacementLaunchMs, () => this.#fillCapacity(group), 'group-launch');
    clock.notify('terminate-instance');
    if (failure) throw this.#terminateError(instanceId, failure);
  }

  #terminateError(instanceId: string, failure: TerminateFailure): ServiceError {
    const message = failure.message ?? 'socket hang up (no response)';
    return new ServiceError('aws', `TerminateInstanceInAutoScalingGroup ${instanceId}: ${message}`);
  }

  // --- inspection and fault injection -----------------------------------------------------------

  instance(id: string): SimInstance | undefined {
    return this.#instances.get(id);
  }

  instances(): SimInstance[] {
    return [...this.#instances.values()];
  }

  /** Instances terminated through terminateInGroup (a call that failed without effect is not one), in order. */
  terminatedInstanceIds(): string[] {
    return [...this.#terminateCalls];
  }

  groupName(role: GroupRole): string {
    return this.#group(role).name;
  }

  /** Replacements launched so far in the group of that role. */
  replacementsLaunched(role: GroupRole): number {
    return this.#group(role).replacementsLaunched;
  }

  /** Make the next terminateInGroup call fail, having terminated the instance or not. */
  injectTerminateFailure(failure: TerminateFailure): void {
    this.#terminateFailure = failure;
  }

  injectLaunchFault(fault: LaunchFault): void {
    this.#launchFaults.push(fault);
  }

  /** Add a template version launching `version`; it becomes `$Default` unless told otherwise. */
  setLaunchVersion(role: GroupRole, version: string, options: { makeDefault?: boolean } = {}): void {
    const group = this.#group(role);
    const number = group.templateVersions.length + 1;
    group.templateVersions.push({ number, tags: this.#templateTags(role, version) });
    if (options.makeDefault ?? true) group.defaultTemplateVersion = number;
  }

  suspendProcesses(role: GroupRole, processes: string[]): void {
    const group = this.#group(role);
    group.suspended = [...new Set([...group.suspended, ...processes])];
  }

  resumeProcesses(role: GroupRole, processes: string[]): void {
    const group = this.#group(role);
    group.suspended = group.suspended.filter((p) => !processes.includes(p));
    if (processes.includes('Launch')) this.#fillCapacity(group);
  }

  // --- internals --------------------------------------------------------------------------------

  #group(role: GroupRole): SimGroup {
    const group = [...this.#groups.values()].find((g) => g.role === role);
    if (!group) throw new Error(`no ${role} group in this world`);
    return group;
  }

  #templateTags(role: GroupRole, version: string): Record<string, string> {
    return { Name: `es-${role}`, Role: role, [this.#deps.versionTagKey]: version };
  }

  #defaultTemplateVersion(group: SimGroup): TemplateVersion {
    const version = group.templateVersions.find((v) => v.number === group.defaultTemplateVersion);
    if (!version) throw new Error(`template of ${group.name} has no version ${group.defaultTemplateVersion}`);
    return version;
  }

  #terminated(instance: SimInstance, group: SimGroup): void {
    instance.state = 'terminated';
    group.instanceIds = group.instanceIds.filter((id) => id !== instance.id);
    this.#deps.record('instance-terminated', instance.id);
  }

  #fillCapacity(group: SimGroup): void {
    // With Launch suspended the group stays short until the process is resumed.
    if (group.suspended.includes('Launch')) return;
    const live = group.instanceIds.filter((id) => {
      const state = this.#instances.get(id)?.state;
      return state === 'pending' || state === 'running';
    });
    for (let n = live.length; n < group.desired; n += 1) this.#launchReplacement(group);
  }

  #launchReplacement(group: SimGroup): void {
    group.replacementsLaunched += 1;
    const nth = group.replacementsLaunched;
    const fault = this.#launchFaults.find((f) => f.group === group.role && (f.nth === undefined || f.nth === nth));
    const template = this.#defaultTemplateVersion(group);
    const tags = fault?.tagVersion ? { ...template.tags, [this.#deps.versionTagKey]: fault.tagVersion } : template.tags;
    const instance = this.#newInstance(group, tags, this.#deps.clock.nowMs(), fault);
    this.#deps.record('instance-pending', `${instance.id} (${group.name}, template version ${template.number})`);
    this.#deps.clock.after(
      this.#deps.timings.instanceStartMs,
      () => {
        if (instance.state !== 'pending') return;
        instance.state = 'running';
        this.#deps.record('instance-running', `${instance.id} ${instance.privateIp}`);
        this.#listener?.instanceRunning(instance);
      },
      'instance-running',
    );
  }

  #newInstance(group: SimGroup, templateTags: Record<string, string>, launchTimeMs: number, fault: LaunchFault | undefined): SimInstance {
    const azIndex = this.#pickAz(group);
    const host = this.#ipCounters[azIndex] ?? 0;
    this.#ipCounters[azIndex] = host + 1;
    const versionTag = templateTags[this.#deps.versionTagKey] ?? '';
    const instance: SimInstance = {
      id: this.#deps.ids.instanceId(),
      privateIp: `10.0.${azIndex + 1 + 10 * Math.floor(host / 240)}.${(host % 240) + 10}`,
      availabilityZone: AVAILABILITY_ZONES[azIndex] ?? 'eu-west-1a',
      state: 'pending',
      groupName: group.name,
      role: group.role,
      tags: { ...templateTags, 'aws:autoscaling:groupName': group.name },
      launchTimeMs,
      boot: {
        neverJoins: fault?.neverJoins ?? false,
        bootDelayMs: fault?.bootDelayMs ?? this.#deps.timings.bootMs,
        esVersion: fault?.esVersion ?? this.#deps.esVersionOf(versionTag),
      },
    };
    this.#instances.set(instance.id, instance);
    group.instanceIds.push(instance.id);
    return instance;
  }

  // Groups balance across zones: a new instance goes to the zone with the fewest live members (a
  // replacement therefore lands in the zone its predecessor left), ties broken round-robin.
  #pickAz(group: SimGroup): number {
    const counts = AVAILABILITY_ZONES.map(() => 0);
    for (const id of group.instanceIds) {
      const instance = this.#instances.get(id);
      if (!instance || instance.state === 'shutting-down' || instance.state === 'terminated') continue;
      const index = AVAILABILITY_ZONES.indexOf(instance.availabilityZone);
      counts[index] = (counts[index] ?? 0) + 1;
    }
    const fewest = Math.min(...counts);
    for (let k = 0; k < AVAILABILITY_ZONES.length; k += 1) {
      const index = (this.#azCursor + k) % AVAILABILITY_ZONES.length;
      if (counts[index] === fewest) {
        this.#azCursor = index + 1;
        return index;
      }
    }
    return 0;
  }

  #toEc2(instance: SimInstance): Ec2Instance {
    return {
      id: instance.id,
      // Like EC2, a terminated instance no longer reports a private IP.
      ...(instance.state === 'terminated' ? {} : { privateIp: instance.privateIp }),
      state: instance.state,
      availabilityZone: instance.availabilityZone,
      groupName: instance.groupName,
      tags: { ...instance.tags },
      launchTime: new Date(instance.launchTimeMs),
    };
  }

  #toGroup(group: SimGroup): AutoScalingGroup {
    const template = this.#defaultTemplateVersion(group);
    return {
      name: group.name,
      desiredCapacity: group.desired,
      minSize: group.min,
      maxSize: group.max,
      instanceIds: [...group.instanceIds],
      suspendedProcesses: [...group.suspended],
      launchVersion: template.tags[this.#deps.versionTagKey],
      launchVersionSource: `launch template ${group.templateId} version ${template.number} ($Default)`,
    };
  }
}
