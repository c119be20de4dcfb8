// Fluent builders for the read model: aNode('es-data-1').data().withTag('9.4.5')...

import {
  ALLOCATION_ENABLE,
  ALLOCATION_EXCLUDE_NAME,
  effectiveSetting,
  NO_AWARENESS,
  type AllocationSettings,
  type Awareness,
} from '../../src/upgrade/model.ts';
import type {
  AllocationExplanation,
  AutoScalingGroup,
  ClusterHealth,
  ClusterSnapshot,
  DeciderResult,
  Ec2Instance,
  EsNode,
  FleetSnapshot,
  ShardCopy,
} from '../../src/upgrade/model.ts';
import type { UpgradeOptions } from '../../src/upgrade/plan-model.ts';
import type { LeaseRecord } from '../../src/upgrade/ports.ts';
import { joinWorld, type World } from '../../src/upgrade/world.ts';

export const TARGET = '9.5.4';
export const OLD = '9.4.5';
export const T0 = new Date('2026-11-28T00:00:00Z');

export function defaultOptions(overrides: Partial<UpgradeOptions> = {}): UpgradeOptions {
  return {
    targetVersion: TARGET,
    versionTagKey: 'Version',
    order: 'masters-first',
    strategy: 'replace',
    batch: 'none',
    versionConflicts: 'accept',
    match: { kind: 'private-ip' },
    groupNames: [],
    orphans: 'refuse',
    disabledRules: [],
    timeouts: { nodeLeaveMs: 600_000, nodeJoinMs: 900_000, yellowMs: 600_000, greenMs: 3_600_000, drainMs: 3_600_000, safeToProceedMs: 600_000 },
    pollIntervalMs: 5_000,
    lockTtlMs: 300_000,
    ...overrides,
  };
}

let seq = 0;

export class NodeBuilder {
  node: EsNode;
  instance: Ec2Instance | undefined;
  constructor(name: string) {
    seq += 1;
    const ip = `10.0.0.${seq}`;
    this.node = { id: `id-${name}`, name, ip, version: OLD, roles: ['data', 'ingest'], attributes: {} };
    this.instance = {
      id: `i-${name}`,
      privateIp: ip,
      state: 'running',
      availabilityZone: 'ap-southeast-2a',
      groupName: 'es-data',
      tags: { Version: OLD, 'aws:autoscaling:groupName': 'es-data' },
      launchTime: new Date(T0.getTime() - 86_400_000),
    };
  }
  master(): this {
    this.node.roles = ['master'];
    return this.inGroup('es-masters');
  }
  masterData(): this {
    this.node.roles = ['master', 'data'];
    return this.inGroup('es-masters');
  }
  data(): this {
    this.node.roles = ['data', 'ingest'];
    return this.inGroup('es-data');
  }
  inGroup(name: string): this {
    if (this.instance) {
      this.instance.groupName = name;
      this.instance.tags['aws:autoscaling:groupName'] = name;
    }
    return this;
  }
  withTag(version: string | undefined): this {
    if (this.instance) {
      if (version === undefined) delete this.instance.tags.Version;
      else this.instance.tags.Version = version;
    }
    return this;
  }
  atTarget(): this {
    this.node.version = TARGET;
    return this.withTag(TARGET);
  }
  withEsVersion(version: string): this {
    this.node.version = version;
    return this;
  }
  launchedAt(date: Date): this {
    if (this.instance) this.instance.launchTime = date;
    return this;
  }
  instanceState(state: Ec2Instance['state']): this {
    if (this.instance) this.instance.state = state;
    return this;
  }
  /** The group's lifecycle state for the instance, e.g. "Terminating:Wait", "Standby". */
  lifecycle(state: string): this {
    if (this.instance) this.instance.lifecycleState = state;
    return this;
  }
  withoutInstance(): this {
    this.instance = undefined;
    return this;
  }
}

export const aNode = (name: string): NodeBuilder => new NodeBuilder(name);

export function health(overrides: Partial<ClusterHealth> = {}): ClusterHealth {
  return {
    status: 'green',
    numberOfNodes: 0,
    numberOfDataNodes: 0,
    activeShards: 0,
    relocatingShards: 0,
    initializingShards: 0,
    unassignedShards: 0,
    delayedUnassignedShards: 0,
    timedOut: false,
    ...overrides,
  };
}

export function shard(index: string, n: number, primary: boolean, state: ShardCopy['state'], node?: string): ShardCopy {
  return { index, shard: n, primary, state, node };
}

export function decider(decider: string, decision: DeciderResult['decision'], explanation = `${decider} says ${decision}`): DeciderResult {
  return { decider, decision, explanation };
}

export function explanation(
  index: string,
  n: number,
  perNode: Record<string, DeciderResult[]>,
  overrides: Partial<AllocationExplanation> = {},
): AllocationExplanation {
  return {
    index,
    shard: n,
    primary: false,
    currentState: 'unassigned',
    unassignedReason: 'NODE_LEFT',
    canAllocate: 'no',
    nodeDecisions: Object.entries(perNode).map(([nodeName, deciders]) => ({
      nodeId: `id-${nodeName}`,
      nodeName,
      nodeDecision: deciders.some((d) => d.decision === 'NO') ? 'no' : 'yes',
      deciders,
    })),
    ...overrides,
  };
}

export const versionNo = (older = OLD, newer = TARGET): DeciderResult =>
  decider('node_version', 'NO', `cannot allocate replica shard to a node with version [${older}] since this is older than the primary version [${newer}]`);

export interface WorldSpec {
  nodes: NodeBuilder[];
  masterName?: string;
  health?: Partial<ClusterHealth>;
  shards?: ShardCopy[];
  explanations?: AllocationExplanation[];
  allocationEnable?: string | null;
  /** The enable setting's transient layer (wins over allocationEnable, the persistent one). */
  allocationEnableTransient?: string | null;
  excludeNames?: string[];
  votingConfig?: string[];
  votingExclusions?: string[];
  awareness?: Awareness;
  groups?: Partial<AutoScalingGroup>[];
  extraInstances?: Ec2Instance[];
}

/** Build a consistent world: groups sized to their instances, launching the target unless told. */
export function aWorld(spec: WorldSpec, options: UpgradeOptions = defaultOptions()): World {
  const nodes = spec.nodes.map((b) => b.node);
  const instances = [...spec.nodes.flatMap((b) => (b.instance ? [b.instance] : [])), ...(spec.extraInstances ?? [])];
  const groupNames = [...new Set(instances.map((i) => i.groupName).filter((g): g is string => !!g))];
  const groups: AutoScalingGroup[] = groupNames.map((name) => {
    const members = instances.filter((i) => i.groupName === name);
    const override = spec.groups?.find((g) => g.name === name) ?? {};
    return {
      name,
      desiredCapacity: members.filter((i) => (i.state === 'running' || i.state === 'pending') && !/^Terminat/.test(i.lifecycleState ?? '')).length,
      minSize: 0,
      maxSize: 10,
      instanceIds: members.map((i) => i.id),
      suspendedProcesses: [],
      launchVersion: TARGET,
      launchVersionSource: 'launch template lt-1 version 2 ($Default)',
      ...override,
    };
  });
  const master = spec.masterName ?? nodes.find((n) => n.roles.includes('master'))?.name;
  const masterNode = nodes.find((n) => n.name === master);
  const settings: AllocationSettings = {
    [ALLOCATION_ENABLE]: { persistent: spec.allocationEnable ?? null, transient: spec.allocationEnableTransient ?? null },
    [ALLOCATION_EXCLUDE_NAME]: { persistent: spec.excludeNames?.join(',') || null, transient: null },
  };
  const cluster: ClusterSnapshot = {
    nodes,
    masterNodeId: masterNode?.id ?? null,
    health: health({ numberOfNodes: nodes.length, numberOfDataNodes: nodes.filter((n) => n.roles.includes('data')).length, ...spec.health }),
    shards: spec.shards ?? [],
    allocationEnable: effectiveSetting(settings[ALLOCATION_ENABLE]),
    allocationExcludeNames: spec.excludeNames ?? [],
    settings,
    votingConfigNodeIds: spec.votingConfig ?? nodes.filter((n) => n.roles.includes('master')).map((n) => n.id),
    votingConfigExclusions: (spec.votingExclusions ?? []).map((name) => ({ nodeId: nodes.find((n) => n.name === name)?.id ?? '_absent_', nodeName: name })),
    awareness: spec.awareness ?? NO_AWARENESS,
    unassignedExplanations: spec.explanations,
  };
  const fleet: FleetSnapshot = { instances, groups };
  return joinWorld(cluster, fleet, options);
}

export function aLease(overrides: Partial<LeaseRecord> = {}): LeaseRecord {
  return {
    holder: 'test',
    targetVersion: TARGET,
    acquiredAt: T0.toISOString(),
    renewedAt: T0.toISOString(),
    ttlMs: 300_000,
    runStartedAt: T0.toISOString(),
    terminatedInstanceIds: [],
    ...overrides,
  };
}
