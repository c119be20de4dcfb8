// The Elasticsearch side of the world: a node boots on each running instance and leaves when its
// instance shuts down; master election and the voting configuration follow the real rules closely
// enough to show a lost quorum; shards move as the master's reroute decides (routing-table.ts).

import { ServiceError } from '../shared/errors.ts';
import {
  ALLOCATION_ENABLE,
  ALLOCATION_EXCLUDE_NAME,
  effectiveSetting,
  splitNames,
  type AllocationExplanation,
  type AllocationSettings,
  type ClusterHealth,
  type ClusterSnapshot,
  type EsNode,
} from '../upgrade/model.ts';
import type { Cluster, HealthWait } from '../upgrade/ports.ts';
import { isDataNode, isMasterEligible } from '../upgrade/world.ts';
import { DecisionPool, explainCopy, lazyVerdicts, type NodeVerdicts } from './allocation-explainer.ts';
import type { ApiGate } from './api-gate.ts';
import { FrozenAllocationView, frozenCopy } from './frozen-allocation-view.ts';
import { meetsWait } from './cluster-health.ts';
import type { IdSource } from './id-source.ts';
import { RoutingTable, type AllocationRecord, type RecoverySettings, type RoutingStats } from './routing-table.ts';
import type { AllocationEnable, AllocCopy, AllocNode, AwarenessSettings } from './shard-allocator.ts';
import type { ScheduledEvent, SimulatedClock } from './simulated-clock.ts';
import type { InstanceLifecycleListener, SimInstance } from './simulated-fleet.ts';
import type { GroupRole, IndexSpec, SimTimings } from './world-options.ts';

const ENABLE_VALUES: readonly string[] = ['all', 'primaries', 'new_primaries', 'none'];

export interface SimNode extends EsNode {
  instanceId: string;
  joinedAtMs: number;
}

/** The routing table as explained at one generation: its data nodes, what the deciders saw, their verdicts per copy. */
interface Explained {
  generation: number;
  dataNodes: AllocNode[];
  view: FrozenAllocationView;
  verdicts: WeakMap<AllocCopy, NodeVerdicts>;
  pool: DecisionPool;
}

export interface SimulatedClusterDeps {
  clock: SimulatedClock;
  ids: IdSource;
  gate: ApiGate;
  timings: SimTimings;
  roles: Record<GroupRole, string[]>;
  record: (kind: string, detail: string) => void;
  recovery: RecoverySettings;
  awareness: AwarenessSettings;
  /** Nodes carry their instance's availability zone as this attribute (none when undefined). */
  zoneAttribute: string | undefined;
  /** Bytes of a shard given by its document count (IndexSpec.docsPerShard). */
  bytesPerDoc: number;
}

export class SimulatedCluster implements Cluster, InstanceLifecycleListener {
  readonly #deps: SimulatedClusterDeps;
  /** Nodes in the cluster, in join order. */
  #nodes: SimNode[] = [];
  readonly #nodeById = new Map<string, SimNode>();
  #masterId: string | null = null;
  #votingConfig: string[] = [];
  #election: ScheduledEvent | undefined;
  #explained: Explained | undefined;
  #settings: AllocationSettings = {
    [ALLOCATION_ENABLE]: { persistent: null, transient: null },
    [ALLOCATION_EXCLUDE_NAME]: { persistent: null, transient: null },
  };
  #votingExclusions: { nodeId: string; nodeName: string }[] = [];
  readonly #nameCounters: Record<GroupRole, number> = { master: 0, data: 0 };
  readonly #routing: RoutingTable;

  constructor(deps: SimulatedClusterDeps) {
    this.#deps = deps;
    this.#routing = new RoutingTable({
      clock: deps.clock,
      ids: deps.ids,
      timings: deps.timings,
      record: deps.record,
      hasMaster: () => this.#masterId !== null,
      recovery: deps.recovery,
      awareness: deps.awareness,
    });
  }

  /** Form the cluster at time zero from instances already running: nodes joined, master elected, shards started. */
  bootstrap(instances: SimInstance[], indices: IndexSpec[]): void {
    for (const instance of instances) this.#add(this.#newNode(instance));
    const eligible = this.#nodes.filter(isMasterEligible).map((n) => n.id);
    this.#votingConfig = eligible.slice(0, Math.max(1, roundDownToOdd(eligible.length)));
    this.#masterId = this.#votingConfig[0] ?? null;
    for (const spec of indices) this.#routing.addIndex(spec, { instant: true, bytesPerDoc: this.#deps.bytesPerDoc });
  }

  // --- the Cluster port -------------------------------------------------------------------------

  observe(signal?: AbortSignal): Promise<ClusterSnapshot> {
    return this.#respond('observe', signal, () => this.snapshot());
  }

  waitForHealth(wait: HealthWait, signal?: AbortSignal): Promise<ClusterHealth> {
    const { clock } = this.#deps;
    return this.#respond('waitForHealth', signal, () => {
      try {
        return { health: this.health(), met: meetsWait(this.health(), wait) };
      } catch (err) {
        throw new ServiceError('elasticsearch', `illegal_argument_exception: ${(err as Error).message}`);
      }
    }).then(({ health, met }) => {
      if (met) return health;
      return clock.waitUntil(() => meetsWait(this.health(), wait), wait.timeoutMs, signal).then((ok) => ({ ...this.health(), timedOut: !ok }));
    });
  }

  explainUnassigned(shard: { index: string; shard: number; primary: boolean }, signal?: AbortSignal): Promise<AllocationExplanation> {
    return this.#respond('explainUnassigned', signal, () => {
      const candidates = (this.#routing.group(shard.index, shard.shard)?.copies ?? []).filter((c) => c.primary === shard.primary);
      const copy = candidates.find((c) => c.state === 'UNASSIGNED') ?? candidates[0];
      if (!copy) {
        throw new ServiceError(
          'elasticsearch',
          `illegal_argument_exception: no shard [${shard.index}][${shard.shard}] (primary: ${shard.primary}) to explain`,
        );
      }
      return explainCopy(this.#routing, copy, this.#routing.dataNodes());
    });
  }

  putSettings(settings: Partial<AllocationSettings>, signal?: AbortSignal): Promise<void> {
    return this.#viaMaster('putSettings', signal, () => {
      const enable = settings[ALLOCATION_ENABLE];
      for (const value of [enable?.persistent, enable?.transient]) {
        if (value !== undefined && value !== null && !ENABLE_VALUES.includes(value)) {
          throw new ServiceError(
            'elasticsearch',
            `illegal_argument_exception: illegal value can't update [cluster.routing.allocation.enable] to [${value}]`,
          );
        }
      }
      this.#settings = { ...this.#settings, ...structuredClone(settings) };
      this.#routing.enable = (effectiveSetting(this.#settings[ALLOCATION_ENABLE]) ?? 'all') as AllocationEnable;
      this.#routing.excludeNames = new Set(splitNames(effectiveSetting(this.#settings[ALLOCATION_EXCLUDE_NAME])));
      for (const [key, value] of Object.entries(settings)) {
        this.#deps.record('setting', `${key}=${value.persistent ?? '(unset)'}${value.transient !== null ? ` (transient ${value.transient})` : ''}`);
      }
    });
  }

  /** Test convenience: a persistent `cluster.routing.allocation.enable` (null removes it). */
  setAllocationEnable(value: string | null): Promise<void> {
    return this.putSettings({ [ALLOCATION_ENABLE]: { persistent: value, transient: this.#settings[ALLOCATION_ENABLE].transient } });
  }

  /** Test convenience: a persistent `cluster.routing.allocation.exclude._name`. */
  setAllocationExcludeNames(names: string[]): Promise<void> {
    return this.putSettings({
      [ALLOCATION_EXCLUDE_NAME]: { persistent: names.join(',') || null, transient: this.#settings[ALLOCATION_EXCLUDE_NAME].transient },
    });
  }

  allocateReplica(shard: { index: string; shard: number }, nodeName: string, signal?: AbortSignal): Promise<void> {
    return this.#viaMaster('allocateReplica', signal, () => {
      this.#routing.allocateReplica(shard.index, shard.shard, nodeName);
      this.#deps.record('reroute', `allocate_replica [${shard.index}][${shard.shard}] on ${nodeName}`);
    });
  }

  excludeFromVoting(nodeIds: string[], signal?: AbortSignal): Promise<void> {
    return this.#viaMaster('excludeFromVoting', signal, () => {
      if (this.#votingExclusions.length + nodeIds.length > 10) {
        throw new ServiceError('elasticsearch', 'illegal_argument_exception: cannot add more than [10] voting configuration exclusions');
      }
      for (const nodeId of nodeIds) {
        // Like Elasticsearch, an id that matches no node present is excluded with the name "_absent_".
        const nodeName = this.#nodes.find((n) => n.id === nodeId)?.name ?? '_absent_';
        this.#votingExclusions.push({ nodeId, nodeName });
        this.#deps.record('voting-exclusion', `${nodeName} (${nodeId})`);
      }
      this.#reconfigure();
    });
  }

  clearVotingExclusions(signal?: AbortSignal): Promise<void> {
    return this.#viaMaster('clearVotingExclusions', signal, () => {
      this.#votingExclusions = [];
      this.#deps.record('voting-exclusion', '(cleared)');
      this.#reconfigure();
    });
  }

  // --- the fleet tells us about instances -------------------------------------------------------

  instanceRunning(instance: SimInstance): void {
    if (instance.boot.neverJoins) return;
    this.#deps.clock.after(instance.boot.bootDelayMs, () => this.#boot(instance), 'node-boot');
  }

  instanceShuttingDown(instance: SimInstance): void {
    const node = this.#nodes.find((n) => n.instanceId === instance.id);
    if (!node) return;
    // The node stops: it is gone from the cluster once it has (up to 30 s for a slow one).
    this.#deps.clock.after(this.#deps.timings.nodeLeaveMs, () => this.#leave(node.id), 'node-left');
  }

  // --- inspection and fault injection -----------------------------------------------------------

  snapshot(): ClusterSnapshot {
    const health = this.health();
    const snapshot: ClusterSnapshot = {
      nodes: this.nodes(),
      masterNodeId: this.#masterId,
      health,
      shards: this.#routing.shards(),
      allocationEnable: effectiveSetting(this.#settings[ALLOCATION_ENABLE]),
      allocationExcludeNames: [...this.#routing.excludeNames],
      settings: structuredClone(this.#settings),
      votingConfigNodeIds: [...this.#votingConfig],
      votingConfigExclusions: this.#votingExclusions.map((e) => ({ ...e })),
      awareness: { attributes: [...this.#deps.awareness.attributes], force: structuredClone(this.#deps.awareness.force ?? {}) },
    };
    if (health.unassignedShards > 0 && health.initializingShards === 0 && health.relocatingShards === 0) {
      snapshot.unassignedExplanations = this.#explainAllUnassigned();
    }
    return snapshot;
  }

  health(): ClusterHealth {
    return this.#routing.health(this.#nodes.length, this.#masterId !== null);
  }

  nodes(): EsNode[] {
    return this.#nodes.map((n) => ({
      id: n.id,
      name: n.name,
      ip: n.ip,
      version: n.version,
      roles: [...n.roles],
      attributes: { ...n.attributes },
    }));
  }

  node(name: string): SimNode | undefined {
    return this.#nodes.find((n) => n.name === name);
  }

  masterNodeId(): string | null {
    return this.#masterId;
  }

  /** Shard allocation awareness as set (`cluster.routing.allocation.awareness.*`), until the snapshot carries it. */
  awareness(): AwarenessSettings {
    return structuredClone(this.#deps.awareness);
  }

  /** Bytes recovered and relocated so far (see RoutingStats). */
  stats(): RoutingStats {
    return this.#routing.stats();
  }

  /** Every shard copy given a node since the world was built, in order: for invariants such as "none onto X after T". */
  allocations(): readonly AllocationRecord[] {
    return this.#routing.allocations();
  }

  /** Shard copies the named node holds (any state but unassigned). */
  copiesOn(nodeName: string): number {
    return this.#routing.copiesOn(nodeName);
  }

  /** Create an index now, e.g. the next hourly index in the middle of the upgrade. */
  createIndex(spec: IndexSpec): void {
    this.#routing.addIndex(spec, { bytesPerDoc: this.#deps.bytesPerDoc });
    this.#deps.clock.notify('index-created');
  }

  // --- internals --------------------------------------------------------------------------------

  /** Settings updates and reroute commands go through the elected master, which then reroutes. */
  #respond<T>(operation: string, signal: AbortSignal | undefined, answer: () => T): Promise<T> {
    return this.#deps.gate.call('elasticsearch', operation, signal, answer);
  }

  #viaMaster(operation: string, signal: AbortSignal | undefined, apply: () => void): Promise<void> {
    return this.#respond(operation, signal, () => {
      if (this.#masterId === null) {
        throw new ServiceError('elasticsearch', 'master_not_discovered_exception: no elected master');
      }
      apply();
      this.#routing.reroute();
      this.#deps.clock.notify(operation);
    });
  }

  #explainAllUnassigned(): AllocationExplanation[] {
    const seen = new Set<string>();
    const copies = [];
    for (const copy of this.#routing.unassignedCopies()) {
      const key = `${copy.index}\u0000${copy.shard}\u0000${copy.primary}`;
      if (seen.has(key)) continue;
      seen.add(key);
      copies.push(copy);
    }
    // By index name as _cat/shards sorts them (the table keeps that order), shard, primary first.
    const rank = new Map(this.#routing.indexNames().map((name, i) => [name, i]));
    copies.sort((a, b) => (rank.get(a.index) ?? 0) - (rank.get(b.index) ?? 0) || a.shard - b.shard || Number(b.primary) - Number(a.primary));
    const explained = this.#explainedNow();
    return copies.map((copy) => explainCopy(this.#routing, copy, explained.dataNodes, this.#verdicts(explained, copy)));
  }

  // Explaining every unassigned copy asks every decider about every data node: at 1,000 nodes, a
  // third of a second for a hundred copies, and a zone's nodes leaving leave tens of thousands. What
  // the nodes say is worked out only when read, against the table as it stood (FrozenAllocationView),
  // and holds until the table changes; the rest of an explanation (a delay's time left) is worded afresh.
  #explainedNow(): Explained {
    const generation = this.#routing.generation;
    if (this.#explained?.generation !== generation) {
      const dataNodes = this.#routing.dataNodes();
      this.#explained = { generation, dataNodes, view: new FrozenAllocationView(this.#routing, dataNodes), verdicts: new WeakMap(), pool: new DecisionPool() };
    }
    return this.#explained;
  }

  #verdicts(explained: Explained, copy: AllocCopy): NodeVerdicts {
    let verdicts = explained.verdicts.get(copy);
    if (!verdicts) {
      verdicts = lazyVerdicts(explained.view, frozenCopy(copy), explained.dataNodes, explained.pool);
      explained.verdicts.set(copy, verdicts);
    }
    return verdicts;
  }

  #add(node: SimNode): void {
    this.#nodes.push(node);
    this.#nodeById.set(node.id, node);
    if (isDataNode(node)) this.#routing.addNode({ id: node.id, name: node.name, version: node.version, attributes: node.attributes });
  }

  #newNode(instance: SimInstance): SimNode {
    this.#nameCounters[instance.role] += 1;
    return {
      id: this.#deps.ids.nodeId(),
      name: `es-${instance.role}-${this.#nameCounters[instance.role]}`,
      ip: instance.privateIp,
      version: instance.boot.esVersion,
      roles: [...this.#deps.roles[instance.role]],
      attributes: {
        instance_id: instance.id,
        ...(this.#deps.zoneAttribute !== undefined ? { [this.#deps.zoneAttribute]: instance.availabilityZone } : {}),
      },
      instanceId: instance.id,
      joinedAtMs: this.#deps.clock.nowMs(),
    };
  }

  #boot(instance: SimInstance): void {
    if (instance.state !== 'running') return;
    const node = this.#newNode(instance);
    this.#add(node);
    this.#deps.record('node-joined', `${node.name} ${node.version} (${instance.id})`);
    if (this.#masterId === null) this.#tryElect();
    else this.#membershipChanged();
  }

  #leave(nodeId: string): void {
    const node = this.#nodeById.get(nodeId);
    if (!node) return;
    this.#nodes = this.#nodes.filter((n) => n.id !== nodeId);
    this.#nodeById.delete(nodeId);
    this.#routing.removeNode(nodeId);
    this.#deps.record('node-left', node.name);
    if (nodeId !== this.#masterId) {
      this.#membershipChanged();
      return;
    }
    // The others notice the master is gone, then elect one of themselves if they still have a quorum.
    this.#masterId = null;
    this.#deps.record('master-lost', node.name);
    this.#election?.cancel();
    this.#election = this.#deps.clock.after(this.#deps.timings.electionMs, () => this.#tryElect(), 'master-election');
  }

  #tryElect(): void {
    if (this.#masterId !== null) return;
    const presentIds = new Set(this.#nodes.filter(isMasterEligible).map((n) => n.id));
    const presentVoters = this.#votingConfig.filter((id) => presentIds.has(id));
    if (presentVoters.length * 2 <= this.#votingConfig.length) {
      this.#deps.record('no-quorum', `${presentVoters.length} of ${this.#votingConfig.length} voting nodes present`);
      return;
    }
    this.#masterId = presentVoters[0] ?? null;
    this.#deps.record('master-elected', this.#nodeById.get(this.#masterId ?? '')?.name ?? '?');
    this.#membershipChanged();
  }

  #membershipChanged(): void {
    this.#reconfigure();
    this.#routing.reroute();
  }

  // Elasticsearch's Reconfigurator with auto-shrink: as many live master-eligible nodes as keeps the
  // size odd, never fewer than three once there were three, so a departed master stays in the
  // configuration until a new master-eligible node takes its place. Excluded nodes never count, and a
  // configuration the live nodes could not reach a quorum of is not adopted.
  #reconfigure(): void {
    if (this.#masterId === null) return;
    const excluded = new Set(this.#votingExclusions.map((e) => e.nodeId));
    const liveAll = new Set(this.#nodes.filter(isMasterEligible).map((n) => n.id));
    const live = [...liveAll].filter((id) => !excluded.has(id));
    const current = this.#votingConfig;
    const config = current.filter((id) => !excluded.has(id));
    const liveInConfig = config.filter((id) => live.includes(id));
    const liveNotInConfig = live.filter((id) => !config.includes(id));
    const departed = config.filter((id) => !live.includes(id));
    const target = Math.max(roundDownToOdd(live.length), current.length >= 3 ? 3 : 1);
    const next = [...liveInConfig, ...liveNotInConfig, ...departed].slice(0, target);
    if (next.filter((id) => liveAll.has(id)).length * 2 <= next.length) return;
    if (next.length !== current.length || next.some((id) => !current.includes(id))) {
      this.#votingConfig = next;
      this.#deps.record('voting-config', next.map((id) => this.#nodeById.get(id)?.name ?? id).join(','));
    }
    // A master no longer in the configuration it committed stands down; the others elect one of themselves.
    if (!next.includes(this.#masterId)) {
      this.#deps.record('master-abdicated', this.#nodeById.get(this.#masterId ?? '')?.name ?? '?');
      this.#masterId = null;
      this.#election?.cancel();
      this.#election = this.#deps.clock.after(this.#deps.timings.electionMs, () => this.#tryElect(), 'master-election');
    }
  }

  /** Node ids of the voting configuration. */
  votingConfiguration(): string[] {
    return [...this.#votingConfig];
  }

  /** Whether the master-eligible nodes present hold a quorum of the voting configuration. */
  quorumPresent(): boolean {
    const present = new Set(this.#nodes.filter(isMasterEligible).map((n) => n.id));
    return this.#votingConfig.filter((id) => present.has(id)).length * 2 > this.#votingConfig.length;
  }
}

function roundDownToOdd(n: number): number {
  return n % 2 === 0 ? n - 1 : n;
}
