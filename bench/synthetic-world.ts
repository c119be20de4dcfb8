// Large worlds for the benchmarks, built directly (the simulator takes minutes to create thousands of
// indices at 1,000 nodes). What Elasticsearch answers is built as its REST bodies and read through
// the adapter's own mappings, so the objects a tick judges are shaped and sized as in production;
// the fleet is built as the read model (and served as AWS answers by bench/fake-services.ts).
//
// N nodes: 3 masters and N-3 data nodes, about 100 shard copies per data node (100,000 at 1,000).
// `replaced` data nodes were replaced by this upgrade already: their old instances terminated and in
// the lease, their replacements in the cluster at the target. `conflicts` replicas of indices created
// on the first replacement are unassigned: every older data node refuses them for its version, the
// replacement for holding the primary. Real explain answers list every data node, and so do these.

import {
  toAllocationExplanation,
  toAllocationSettings,
  toAwareness,
  toClusterHealth,
  toEsNodes,
  toMasterNodeId,
  toVotingConfigExclusions,
  toVotingConfigNodeIds,
  toAllocationEnable,
  toAllocationExcludeNames,
  ExplainPool,
  type CatShardRow,
  type ClusterStateBody,
  type ExplainBody,
  type HealthBody,
  type NodesInfoBody,
  type SettingsBody,
} from '../src/cluster/es-read-model.ts';
import { readCatShards } from '../src/cluster/cat-shards-reader.ts';
import type { AutoScalingGroup, ClusterSnapshot, Ec2Instance, FleetSnapshot } from '../src/upgrade/model.ts';
import type { LeaseRecord } from '../src/upgrade/ports.ts';

const FROM = '9.4.5';
export const TARGET = '9.5.4';
export const VERSION_TAG = 'Version';
const GROUP_TAG = 'aws:autoscaling:groupName';
const MASTERS = 3;
const COPIES_PER_DATA_NODE = 100;
const ZONES = ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'];
const RUN_STARTED = new Date('2026-11-28T04:30:00Z');
const DAY_MS = 86_400_000;

export interface WorldSpec {
  /** Every node, masters included. */
  nodes: number;
  /** Data nodes this upgrade has replaced already. */
  replaced?: number;
  /** Unassigned replicas that are version conflicts (needs `replaced` >= 1). */
  conflicts?: number;
}

/** What Elasticsearch answers, as REST bodies. */
export interface EsBodies {
  nodes: NodesInfoBody;
  health: HealthBody;
  /** `_cat/shards` as the adapter asks for it (`format=json&h=i,s,p,st,n,ua`). */
  shards: CatShardRow[];
  state: ClusterStateBody;
  settings: SettingsBody;
  /** Unassigned copies explain knows, as "index/shard/primary". */
  unassigned: string[];
  /** The explain answer for one of them (built when asked: two million node decisions at 1,000 nodes). */
  explain: (key: string) => ExplainBody | undefined;
  /** The same as sent on the wire, built without serializing every node decision again. */
  explainJson: (key: string) => string | undefined;
}

export interface BenchWorld {
  es: EsBodies;
  fleet: FleetSnapshot;
  /** The launch template every group launches from (its $Default version tags the target). */
  launchTemplateId: string;
  lease: LeaseRecord;
}

interface Host {
  nodeId: string;
  name: string;
  ip: string;
  roles: string[];
  version: string;
  instance: Ec2Instance;
}

const nodeId = (n: number): string => `n${n.toString(36).padStart(21, '0')}`;
const instanceId = (n: number): string => `i-${(0x100000 + n).toString(16).padStart(17, '0')}`;
const ipOf = (n: number): string => `10.${1 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;

function host(n: number, name: string, roles: string[], group: string, version: string, launchTime: Date): Host {
  const ip = ipOf(n);
  return {
    nodeId: nodeId(n),
    name,
    ip,
    roles,
    version,
    instance: {
      id: instanceId(n),
      privateIp: ip,
      state: 'running',
      availabilityZone: ZONES[n % ZONES.length] ?? 'eu-west-1a',
      groupName: group,
      tags: { [VERSION_TAG]: version, [GROUP_TAG]: group, Name: name },
      launchTime,
      lifecycleState: 'InService',
    },
  };
}

export function buildWorld(spec: WorldSpec): BenchWorld {
  const replaced = spec.replaced ?? 0;
  const conflicts = spec.conflicts ?? 0;
  // With a second node at the target the replicas would go there: no conflict.
  if (conflicts > 0 && replaced !== 1) throw new Error('version conflicts need exactly one replaced data node');
  const longAgo = new Date(RUN_STARTED.getTime() - 30 * DAY_MS);
  let seq = 0;
  const masters = Array.from({ length: MASTERS }, (_, i) => host(++seq, `es-master-${i + 1}`, ['master'], 'es-masters', FROM, longAgo));
  const dataCount = spec.nodes - MASTERS;
  const data: Host[] = [];
  const terminated: Ec2Instance[] = [];
  const terminatedNodeIds: string[] = [];
  for (let i = 0; i < dataCount; i++) {
    const old = host(++seq, `es-data-${i + 1}`, ['data', 'ingest'], 'es-data', FROM, longAgo);
    if (i >= replaced) {
      data.push(old);
      continue;
    }
    // Replaced: the old instance is terminated (EC2 lists it for an hour, without its private IP).
    const { privateIp: _gone, lifecycleState: _left, ...rest } = old.instance;
    terminated.push({ ...rest, state: 'terminated' });
    terminatedNodeIds.push(old.nodeId);
    data.push(host(++seq, `es-data-${i + 1}-r`, ['data', 'ingest'], 'es-data', TARGET, new Date(RUN_STARTED.getTime() + (i + 1) * 600_000)));
  }
  const hosts = [...masters, ...data];

  const nodes: NodesInfoBody = {
    nodes: Object.fromEntries(
      hosts.map((h) => [h.nodeId, { name: h.name, ip: h.ip, version: h.version, roles: h.roles, attributes: { instance_id: h.instance.id, 'xpack.installed': 'true' } }]),
    ),
  };

  // Every shard with its replica on the next data node.
  const shards: CatShardRow[] = [];
  const indices = Math.ceil((dataCount * COPIES_PER_DATA_NODE) / 10);
  let k = 0;
  for (let i = 0; i < indices; i++) {
    for (let s = 0; s < 5; s++, k++) {
      const primary = data[k % dataCount];
      const replica = data[(k + 1) % dataCount];
      shards.push({ i: `logs-${i}`, s: String(s), p: 'p', st: 'STARTED', n: primary?.name ?? null, ua: null });
      shards.push({ i: `logs-${i}`, s: String(s), p: 'r', st: 'STARTED', n: replica?.name ?? null, ua: null });
    }
  }
  const unassignedKeys: string[] = [];
  const newest = data[0];
  for (let c = 0; c < conflicts && newest; c++) {
    const index = `hourly-${Math.floor(c / 2)}`;
    const shard = c % 2;
    shards.push({ i: index, s: String(shard), p: 'p', st: 'STARTED', n: newest.name, ua: null });
    shards.push({ i: index, s: String(shard), p: 'r', st: 'UNASSIGNED', n: null, ua: '2026-11-28T05:00:00.000Z' });
    unassignedKeys.push(`${index}/${shard}/false`);
  }
  const known = new Set(unassignedKeys);
  const explain = (key: string): ExplainBody | undefined => {
    const [index = '', shard = '0'] = key.split('/');
    return known.has(key) && newest ? conflictExplanation(index, Number(shard), newest, data) : undefined;
  };
  // Every conflict's node decisions are alike: serialized once.
  let decisionsJson: string | undefined;
  const explainJson = (key: string): string | undefined => {
    const body = explain(key);
    if (!body) return undefined;
    decisionsJson ??= JSON.stringify(body.node_allocation_decisions);
    const { node_allocation_decisions: _decisions, ...head } = body;
    return `${JSON.stringify(head).slice(0, -1)},"node_allocation_decisions":${decisionsJson}}`;
  };

  const unassigned = conflicts;
  const health: HealthBody = {
    status: unassigned > 0 ? 'yellow' : 'green',
    number_of_nodes: hosts.length,
    number_of_data_nodes: data.length,
    active_shards: shards.length - unassigned,
    relocating_shards: 0,
    initializing_shards: 0,
    unassigned_shards: unassigned,
    delayed_unassigned_shards: 0,
    timed_out: false,
  };
  const state: ClusterStateBody = {
    master_node: masters[0]?.nodeId ?? null,
    metadata: { cluster_coordination: { last_committed_config: masters.map((m) => m.nodeId), voting_config_exclusions: [] } },
  };

  const members = (group: string): Ec2Instance[] => hosts.map((h) => h.instance).filter((i) => i.groupName === group);
  const launchTemplateId = 'lt-0bench';
  const groups: AutoScalingGroup[] = ['es-masters', 'es-data'].map((name) => ({
    name,
    desiredCapacity: members(name).length,
    minSize: 0,
    maxSize: members(name).length + 1,
    instanceIds: members(name).map((i) => i.id),
    suspendedProcesses: [],
    launchVersion: TARGET,
    launchVersionSource: `launch template ${launchTemplateId} version 2 ($Default)`,
  }));

  const lease: LeaseRecord = {
    holder: 'bench:1:run',
    targetVersion: TARGET,
    acquiredAt: RUN_STARTED.toISOString(),
    renewedAt: RUN_STARTED.toISOString(),
    ttlMs: 300_000,
    runStartedAt: RUN_STARTED.toISOString(),
    terminatedInstanceIds: terminated.map((i) => i.id),
    terminatedNodeIds,
  };
  return {
    es: { nodes, health, shards, state, settings: { persistent: {}, transient: {} }, unassigned: unassignedKeys, explain, explainJson },
    fleet: { instances: [...hosts.map((h) => h.instance), ...terminated], groups },
    launchTemplateId,
    lease,
  };
}

const INDEX_VERSION_NO = `cannot allocate replica shard to a node with index version [9.4.0-${FROM}] since this is older than the primary index version [9.5.0-[9111000]]`;
const NODE_VERSION_NO = `cannot allocate replica shard to a node with version [${FROM}] since this is older than the primary version [${TARGET}]`;
const SAME_SHARD_NO = 'a copy of this shard is already allocated to this node [[hourly][0], node[x], [P], s[STARTED], a[id=x]]';

function conflictExplanation(index: string, shard: number, holder: Host, data: Host[]): ExplainBody {
  return {
    index,
    shard,
    primary: false,
    current_state: 'unassigned',
    unassigned_info: { reason: 'INDEX_CREATED', last_allocation_status: 'no_attempt' },
    can_allocate: 'no',
    allocate_explanation: "Elasticsearch isn't allowed to allocate this shard to any of the nodes in the cluster.",
    node_allocation_decisions: data.map((h) => ({
      node_id: h.nodeId,
      node_name: h.name,
      node_decision: 'no',
      deciders:
        h === holder
          ? [{ decider: 'same_shard', decision: 'NO', explanation: SAME_SHARD_NO }]
          : [
              { decider: 'index_version', decision: 'NO', explanation: INDEX_VERSION_NO },
              { decider: 'node_version', decision: 'NO', explanation: NODE_VERSION_NO },
            ],
    })),
  };
}

/** A body as the client hands it over: parsed from the wire, so no string or object is shared. */
function fromWire<T>(body: T): T {
  return JSON.parse(JSON.stringify(body)) as T;
}

/**
 * The cluster as EsCluster.observe reads it, every object new (as parsed each tick); explanations
 * are passed in, since the adapter keeps them between ticks.
 */
export function clusterSnapshot(es: EsBodies, explanations?: ReturnType<typeof toAllocationExplanation>[]): ClusterSnapshot {
  const settings = toAllocationSettings(es.settings);
  const state = fromWire(es.state);
  const snapshot: ClusterSnapshot = {
    nodes: toEsNodes(fromWire(es.nodes)),
    masterNodeId: toMasterNodeId(state),
    health: toClusterHealth(es.health),
    shards: readCatShards(JSON.stringify(es.shards)),
    allocationEnable: toAllocationEnable(settings),
    allocationExcludeNames: toAllocationExcludeNames(settings),
    settings,
    votingConfigNodeIds: toVotingConfigNodeIds(state),
    votingConfigExclusions: toVotingConfigExclusions(state),
    awareness: toAwareness(es.settings),
  };
  if (explanations) snapshot.unassignedExplanations = explanations;
  return snapshot;
}

/** Every explanation, each read from its own wire body, in one batch as EsCluster reads them. */
export function explanationsOf(es: EsBodies): ReturnType<typeof toAllocationExplanation>[] {
  const pool = new ExplainPool();
  return es.unassigned.flatMap((key) => {
    const body = es.explain(key);
    return body ? [toAllocationExplanation(fromWire(body), pool)] : [];
  });
}
