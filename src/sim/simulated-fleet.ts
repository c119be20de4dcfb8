// EC2 instances in Auto Scaling groups, each group launching from its own launch template. Terminating
// an instance in its group (without decrementing desired capacity) walks it through the group's
// lifecycle as real Auto Scaling does: `Terminating`, `Terminating:Wait` (a termination hook or a
// load-balancer deregistration delay) while EC2 still says `running` and its Elasticsearch node stays
// in the cluster, then `Terminating:Proceed` and the EC2 shutdown. The group launches a replacement
// from the template's `$Default` version (or its warm pool), `Pending` (`Pending:Wait` under a launch
// hook) until `InService`.

import { ServiceError } from '../shared/errors.ts';
import type { AutoScalingGroup, Ec2Instance, FleetSnapshot, InstanceState } from '../upgrade/model.ts';
import type { Fleet, FleetQuery } from '../upgrade/ports.ts';
import type { ApiGate } from './api-gate.ts';
import type { IdSource } from './id-source.ts';
import type { SimulatedClock } from './simulated-clock.ts';
import type { GroupRole, LaunchFault, ReplacementLaunch, RepeatedTerminate, SimTimings } from './world-options.ts';

const AVAILABILITY_ZONES = ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'];

/** How the Elasticsearch node on an instance will behave: decided at launch, read by the cluster. */
export interface BootPlan {
  neverJoins: boolean;
  bootDelayMs: number;
  esVersion: string;
}

export type LifecycleState =
  | 'Pending'
  | 'Pending:Wait'
  | 'Pending:Proceed'
  | 'InService'
  | 'Standby'
  | 'Terminating'
  | 'Terminating:Wait'
  | 'Terminating:Proceed'
  | 'Terminated'
  | 'Warmed:Pending'
  | 'Warmed:Stopped';

export interface SimInstance {
  id: string;
  privateIp: string;
  availabilityZone: string;
  state: InstanceState;
  /** The Auto Scaling lifecycle state; reported only while the group lists the instance. */
  lifecycle: LifecycleState;
  groupName: string;
  role: GroupRole;
  tags: Record<string, string>;
  launchTimeMs: number;
  boot: BootPlan;
}

/** One step of an instance's life: its lifecycle and EC2 states from `atMs` on. */
export interface LifecycleStep {
  atMs: number;
  lifecycle: LifecycleState;
  state: InstanceState;
}

/** One TerminateInstanceInAutoScalingGroup call and what came of it. */
export interface TerminateCall {
  instanceId: string;
  atMs: number;
  /**
   * `terminated`: accepted, the instance began terminating; `repeated`: accepted again while it was
   * already terminating; `rejected`: refused by the service (not transient); `failed`: an injected
   * fault (transient, or injectTerminateFailure), whether or not it landed.
   */
  outcome: 'terminated' | 'repeated' | 'rejected' | 'failed';
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
  /** Warm pool size; undefined: the group has none. */
  warmPoolSize: number | undefined;
  /** Stopped instances waiting in the warm pool (not members), oldest first. */
  warmPool: SimInstance[];
}

/** The next terminate call fails; `applied`: the termination happened anyway (a lost response). */
export interface TerminateFailure {
  applied: boolean;
  message?: string;
}

export interface SimulatedFleetDeps {
  clock: SimulatedClock;
  ids: IdSource;
  gate: ApiGate;
  timings: SimTimings;
  versionTagKey: string;
  esVersionOf: (versionTag: string) => string;
  record: (kind: string, detail: string) => void;
  replacementLaunch: ReplacementLaunch;
  repeatedTerminate: RepeatedTerminate;
}

export interface GroupSpec {
  role: GroupRole;
  name: string;
  size: number;
  fromVersion: string;
  launchVersion: string;
  templateDefaultStale: boolean;
  suspendedProcesses: string[];
  /** Members put in Standby at the start (desired capacity decremented for each). */
  standby?: number;
  /** A warm pool of this many stopped instances, filled a day before the start from the template then. */
  warmPoolSize?: number;
}

const DAY_MS = 24 * 3600_000;

export class SimulatedFleet implements Fleet {
  readonly #deps: SimulatedFleetDeps;
  #listener: InstanceLifecycleListener | undefined;
  readonly #groups = new Map<string, SimGroup>();
  /** Every instance ever launched, terminated ones included, in launch order. */
  readonly #instances = new Map<string, SimInstance>();
  readonly #byIp = new Map<string, SimInstance>();
  readonly #terminated: string[] = [];
  readonly #terminateCalls: TerminateCall[] = [];
  readonly #lifecycleTrace = new Map<string, LifecycleStep[]>();
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
      warmPoolSize: spec.warmPoolSize,
      warmPool: [],
    };
    this.#groups.set(group.name, group);
    const nowMs = this.#deps.clock.nowMs();
    const tags = versions[0]?.tags ?? {};
    for (let i = 0; i < spec.size; i += 1) {
      const instance = this.#newInstance(group, tags, nowMs - 30 * DAY_MS, undefined, true);
      this.#enter(instance, 'InService', 'running');
    }
    // The pool was filled a day ago, from the template as it was then.
    for (let i = 0; i < (spec.warmPoolSize ?? 0); i += 1) {
      const pooled = this.#newInstance(group, tags, nowMs - DAY_MS, undefined, false);
      this.#enter(pooled, 'Warmed:Stopped', 'stopped');
      group.warmPool.push(pooled);
    }
    for (const id of group.instanceIds.slice(0, spec.standby ?? 0)) this.enterStandby(id);
  }

  // --- the Fleet port ---------------------------------------------------------------------------

  async observe(query: FleetQuery | Promise<FleetQuery>, signal?: AbortSignal): Promise<FleetSnapshot> {
    const known = await query;
    return this.#deps.gate.call('aws', 'fleet.observe', signal, () => this.#observe(known));
  }

  terminateInGroup(instanceId: string, signal?: AbortSignal): Promise<void> {
    return this.#deps.gate.call('aws', 'terminateInGroup', signal, () => this.#terminate(instanceId), () =>
      this.#terminateCalls.push({ instanceId, atMs: this.#deps.clock.nowMs(), outcome: 'failed' }),
    );
  }

  // As the real adapter sees it: instances matched by id (in any state) or by private IP (a
  // terminated instance has none), plus every member the groups list. Warm pool instances are not
  // members, and a terminated instance drops out of its group.
  #observe(query: FleetQuery): FleetSnapshot {
    const found = new Map<string, SimInstance>();
    for (const id of query.instanceIds) {
      const instance = this.#instances.get(id);
      if (instance) found.set(id, instance);
    }
    for (const ip of query.privateIps) {
      const instance = this.#byIp.get(ip);
      if (instance && instance.state !== 'terminated') found.set(instance.id, instance);
    }
    const groupNames = new Set(query.groupNames);
    for (const instance of found.values()) groupNames.add(instance.groupName);
    const groups = [...this.#groups.values()].filter((g) => groupNames.has(g.name));
    for (const group of groups) {
      for (const id of group.instanceIds) {
        const instance = this.#instances.get(id);
        if (instance) found.set(id, instance);
      }
    }
    const members = new Set(groups.flatMap((g) => g.instanceIds));
    return {
      instances: [...found.values()].map((i) => this.#toEc2(i, members.has(i.id))),
      groups: groups.map((g) => this.#toGroup(g)),
    };
  }

  #terminate(instanceId: string): void {
    const { clock, timings } = this.#deps;
    const instance = this.#instances.get(instanceId);
    const group = instance ? this.#groups.get(instance.groupName) : undefined;
    const atMs = clock.nowMs();
    if (!instance || !group || !group.instanceIds.includes(instanceId)) {
      this.#terminateCalls.push({ instanceId, atMs, outcome: 'rejected' });
      throw new ServiceError(
        'aws',
        `TerminateInstanceInAutoScalingGroup failed: ValidationError: Instance Id not found - No managed instance found for instance ID: ${instanceId}`,
      );
    }
    if (isTerminating(instance.lifecycle)) {
      if (this.#deps.repeatedTerminate === 'accept') {
        this.#terminateCalls.push({ instanceId, atMs, outcome: 'repeated' });
        this.#deps.record('terminate-repeated', `${instanceId} (${instance.lifecycle})`);
        return;
      }
      this.#terminateCalls.push({ instanceId, atMs, outcome: 'rejected' });
      throw new ServiceError(
        'aws',
        `TerminateInstanceInAutoScalingGroup failed: ValidationError: The instance ${instanceId} is ${instance.lifecycle} (EC2 ${instance.state}), not InService or Standby`,
      );
    }
    const failure = this.#terminateFailure;
    this.#terminateFailure = undefined;
    if (failure && !failure.applied) {
      this.#terminateCalls.push({ instanceId, atMs, outcome: 'failed' });
      throw this.#terminateError(instanceId, failure);
    }
    this.#terminateCalls.push({ instanceId, atMs, outcome: failure ? 'failed' : 'terminated' });
    this.#terminated.push(instanceId);
    this.#enter(instance, 'Terminating', instance.state);
    this.#deps.record('instance-terminating', `${instanceId} (${group.name})`);
    clock.after(timings.terminatingMs, () => this.#hookWait(instance, group), 'instance-terminating-wait');
    // Desired capacity is kept and a terminating instance no longer counts toward it: the group
    // launches a replacement as soon as it notices ("terminate and launch"), or after the old one is gone.
    if (this.#deps.replacementLaunch === 'on-terminate') {
      clock.after(timings.replacementLaunchMs, () => this.#fillCapacity(group), 'group-launch');
    }
    clock.notify('terminate-instance');
    if (failure) throw this.#terminateError(instanceId, failure);
  }

  #terminateError(instanceId: string, failure: TerminateFailure): ServiceError {
    const message = failure.message ?? 'socket hang up (no response)';
    return new ServiceError('aws', `TerminateInstanceInAutoScalingGroup ${instanceId}: ${message}`);
  }

  #hookWait(instance: SimInstance, group: SimGroup): void {
    const { clock, timings } = this.#deps;
    if (timings.terminationHookMs <= 0) {
      this.#proceed(instance, group);
      return;
    }
    this.#enter(instance, 'Terminating:Wait', instance.state);
    this.#deps.record('instance-terminating-wait', instance.id);
    clock.after(timings.terminationHookMs, () => this.#proceed(instance, group), 'instance-terminating-proceed');
  }

  // The hooks are done: the group shuts the instance down, and its node stops.
  #proceed(instance: SimInstance, group: SimGroup): void {
    const { clock, timings } = this.#deps;
    this.#enter(instance, 'Terminating:Proceed', 'shutting-down');
    this.#deps.record('instance-shutting-down', `${instance.id} (${group.name})`);
    this.#listener?.instanceShuttingDown(instance);
    clock.after(timings.shutdownMs, () => this.#terminatedNow(instance, group), 'instance-terminated');
  }

  #terminatedNow(instance: SimInstance, group: SimGroup): void {
    this.#enter(instance, 'Terminated', 'terminated');
    group.instanceIds = group.instanceIds.filter((id) => id !== instance.id);
    this.#deps.record('instance-terminated', instance.id);
    if (this.#deps.replacementLaunch === 'after-termination') {
      this.#deps.clock.after(this.#deps.timings.replacementLaunchMs, () => this.#fillCapacity(group), 'group-launch');
    }
  }

  // --- inspection and fault injection -----------------------------------------------------------

  instance(id: string): SimInstance | undefined {
    return this.#instances.get(id);
  }

  instances(): SimInstance[] {
    return [...this.#instances.values()];
  }

  /** Instances whose termination a terminateInGroup call started (each once), in order. */
  terminatedInstanceIds(): string[] {
    return [...this.#terminated];
  }

  /** Every terminateInGroup call that reached the service, in order, with its outcome. */
  terminateCalls(): TerminateCall[] {
    return this.#terminateCalls.map((c) => ({ ...c }));
  }

  /** terminateInGroup calls naming this instance, whatever came of them. */
  terminateCallCount(instanceId: string): number {
    return this.#terminateCalls.filter((c) => c.instanceId === instanceId).length;
  }

  /** The instance's lifecycle and EC2 states over time, from its launch. */
  lifecycleTrace(instanceId: string): LifecycleStep[] {
    return (this.#lifecycleTrace.get(instanceId) ?? []).map((s) => ({ ...s }));
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

  /**
   * Someone puts the instance in Standby (EnterStandby with ShouldDecrementDesiredCapacity): it keeps
   * running, its node stays, and the group neither counts nor replaces it.
   */
  enterStandby(instanceId: string): void {
    const instance = this.#instances.get(instanceId);
    const group = instance ? this.#groups.get(instance.groupName) : undefined;
    if (!instance || !group || instance.lifecycle !== 'InService') {
      throw new Error(`cannot put ${instanceId} in Standby: it is ${instance?.lifecycle ?? 'unknown'}, not InService`);
    }
    group.desired -= 1;
    group.min = Math.min(group.min, group.desired);
    this.#enter(instance, 'Standby', instance.state);
    this.#deps.record('instance-standby', instanceId);
    this.#deps.clock.notify('enter-standby');
  }

  /** ExitStandby: back in service, counted toward desired capacity again. */
  exitStandby(instanceId: string): void {
    const instance = this.#instances.get(instanceId);
    const group = instance ? this.#groups.get(instance.groupName) : undefined;
    if (!instance || !group || instance.lifecycle !== 'Standby') throw new Error(`${instanceId} is not in Standby`);
    group.desired += 1;
    this.#enter(instance, 'InService', instance.state);
    this.#deps.record('instance-in-service', instanceId);
    this.#deps.clock.notify('exit-standby');
  }

  /**
   * Scale the group out (SetDesiredCapacity): it launches the new instances at once, from its
   * `$Default` template version. Scaling in is not simulated.
   */
  setDesiredCapacity(role: GroupRole, desired: number): void {
    const group = this.#group(role);
    if (!Number.isInteger(desired) || desired < group.desired) {
      throw new Error(`desired capacity of ${group.name} can only grow here: ${desired} is below ${group.desired} or not a whole number`);
    }
    group.desired = desired;
    group.max = Math.max(group.max, desired);
    this.#deps.record('desired-capacity', `${group.name} ${desired}`);
    this.#fillCapacity(group);
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

  #enter(instance: SimInstance, lifecycle: LifecycleState, state: InstanceState): void {
    instance.lifecycle = lifecycle;
    instance.state = state;
    const trace = this.#lifecycleTrace.get(instance.id) ?? [];
    trace.push({ atMs: this.#deps.clock.nowMs(), lifecycle, state });
    this.#lifecycleTrace.set(instance.id, trace);
  }

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

  #fillCapacity(group: SimGroup): void {
    // With Launch suspended the group stays short until the process is resumed.
    if (group.suspended.includes('Launch')) return;
    let counted = 0;
    for (const id of group.instanceIds) {
      const lifecycle = this.#instances.get(id)?.lifecycle;
      if (lifecycle !== undefined && countsTowardCapacity(lifecycle)) counted += 1;
    }
    for (let n = counted; n < group.desired; n += 1) this.#launchReplacement(group);
  }

  #launchReplacement(group: SimGroup): void {
    group.replacementsLaunched += 1;
    const nth = group.replacementsLaunched;
    const fault = this.#launchFaults.find((f) => f.group === group.role && (f.nth === undefined || f.nth === nth));
    const template = this.#defaultTemplateVersion(group);
    const pooled = group.warmPool.shift();
    let instance: SimInstance;
    if (pooled) {
      // From the warm pool: launched long ago, from the template of then; it only has to start.
      instance = pooled;
      group.instanceIds.push(instance.id);
      if (fault) instance.boot = this.#bootPlan(instance.tags, fault);
      this.#deps.record('instance-pending', `${instance.id} (${group.name}, from the warm pool)`);
      this.#refillWarmPool(group);
    } else {
      const tags = fault?.tagVersion ? { ...template.tags, [this.#deps.versionTagKey]: fault.tagVersion } : template.tags;
      instance = this.#newInstance(group, tags, this.#deps.clock.nowMs(), fault, true);
      this.#deps.record('instance-pending', `${instance.id} (${group.name}, template version ${template.number})`);
    }
    this.#enter(instance, 'Pending', 'pending');
    this.#deps.clock.after(this.#deps.timings.instanceStartMs, () => this.#started(instance), 'instance-running');
  }

  #started(instance: SimInstance): void {
    if (instance.state !== 'pending') return;
    const { timings, clock } = this.#deps;
    const hook = timings.launchHookMs > 0;
    this.#enter(instance, hook ? 'Pending:Wait' : 'InService', 'running');
    this.#deps.record('instance-running', `${instance.id} ${instance.privateIp}`);
    // Elasticsearch starts with the instance, whatever the launch hook waits for.
    this.#listener?.instanceRunning(instance);
    if (!hook) return;
    clock.after(
      timings.launchHookMs,
      () => {
        if (instance.lifecycle !== 'Pending:Wait') return;
        this.#enter(instance, 'InService', instance.state);
        this.#deps.record('instance-in-service', instance.id);
      },
      'instance-in-service',
    );
  }

  #refillWarmPool(group: SimGroup): void {
    const template = this.#defaultTemplateVersion(group);
    const instance = this.#newInstance(group, template.tags, this.#deps.clock.nowMs(), undefined, false);
    this.#enter(instance, 'Warmed:Pending', 'pending');
    this.#deps.clock.after(this.#deps.timings.instanceStartMs, () => {
      this.#enter(instance, 'Warmed:Stopped', 'stopped');
      group.warmPool.push(instance);
    }, 'warm-pool-filled');
  }

  #bootPlan(tags: Record<string, string>, fault: LaunchFault | undefined): BootPlan {
    const versionTag = tags[this.#deps.versionTagKey] ?? '';
    return {
      neverJoins: fault?.neverJoins ?? false,
      bootDelayMs: fault?.bootDelayMs ?? this.#deps.timings.bootMs,
      esVersion: fault?.esVersion ?? this.#deps.esVersionOf(versionTag),
    };
  }

  #newInstance(group: SimGroup, templateTags: Record<string, string>, launchTimeMs: number, fault: LaunchFault | undefined, member: boolean): SimInstance {
    const azIndex = this.#pickAz(group);
    const host = this.#ipCounters[azIndex] ?? 0;
    this.#ipCounters[azIndex] = host + 1;
    const instance: SimInstance = {
      id: this.#deps.ids.instanceId(),
      privateIp: `10.0.${azIndex + 1 + 10 * Math.floor(host / 240)}.${(host % 240) + 10}`,
      availabilityZone: AVAILABILITY_ZONES[azIndex] ?? 'eu-west-1a',
      state: 'pending',
      lifecycle: 'Pending',
      groupName: group.name,
      role: group.role,
      tags: { ...templateTags, 'aws:autoscaling:groupName': group.name },
      launchTimeMs,
      boot: this.#bootPlan(templateTags, fault),
    };
    this.#instances.set(instance.id, instance);
    this.#byIp.set(instance.privateIp, instance);
    if (member) group.instanceIds.push(instance.id);
    return instance;
  }

  // Groups balance across zones: a new instance goes to the zone with the fewest members in service
  // or coming (a replacement therefore lands in the zone its predecessor left), ties round-robin.
  #pickAz(group: SimGroup): number {
    const counts = AVAILABILITY_ZONES.map(() => 0);
    for (const id of group.instanceIds) {
      const instance = this.#instances.get(id);
      if (!instance || !countsTowardCapacity(instance.lifecycle)) continue;
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

  #toEc2(instance: SimInstance, member: boolean): Ec2Instance {
    return {
      id: instance.id,
      // Like EC2, a terminated instance no longer reports a private IP.
      ...(instance.state === 'terminated' ? {} : { privateIp: instance.privateIp }),
      state: instance.state,
      availabilityZone: instance.availabilityZone,
      groupName: instance.groupName,
      tags: { ...instance.tags },
      launchTime: new Date(instance.launchTimeMs),
      ...(member ? { lifecycleState: instance.lifecycle } : {}),
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
      ...(group.warmPoolSize !== undefined ? { hasWarmPool: true } : {}),
    };
  }
}

function isTerminating(lifecycle: LifecycleState): boolean {
  return lifecycle.startsWith('Terminat');
}

/** Members the group counts toward its desired capacity: not leaving, not in Standby. */
function countsTowardCapacity(lifecycle: LifecycleState): boolean {
  return lifecycle === 'InService' || lifecycle.startsWith('Pending');
}
