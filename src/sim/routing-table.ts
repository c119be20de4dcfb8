// The routing table and the master's reroute: what happens to shard copies when data nodes leave or
// join, settings change, recoveries end or a delay expires. Decisions come from shard-allocator.ts;
// bytes move as recovery-transfers.ts lets them.
//
// Everything a reroute, a health check or a snapshot asks is indexed and kept current by the few
// functions that change a copy (#assign, #start, #relocate, #landRelocation, #cancelRelocation,
// #unassign): copies per node, unassigned copies, counts per state, health per shard, nodes by load.
// Nothing scans every copy per event, so a thousand nodes and a hundred thousand copies stay cheap.

import type { ClusterHealth, HealthStatus, ShardCopy } from '../upgrade/model.ts';
import { ServiceError } from '../shared/errors.ts';
import { compareVersions } from '../shared/versions.ts';
import type { IdSource } from './id-source.ts';
import { NodeLoadIndex, type LoadedNode } from './node-load-index.ts';
import { RecoveryTransfers, type Transfer, type TransferEndpoint } from './recovery-transfers.ts';
import {
  copyRefusals,
  filterRefusal,
  isActive,
  isDelayed,
  nodeAccepts,
  nodeAllows,
  primaryOf,
  recoverySourceOf,
  refusals,
  type AllocationEnable,
  type AllocationView,
  type AllocCopy,
  type AllocIndex,
  type AllocNode,
  type AwarenessSettings,
  type RecoveryLimits,
  type ShardGroup,
} from './shard-allocator.ts';
import type { SimulatedClock } from './simulated-clock.ts';
import type { IndexSpec, SimTimings } from './world-options.ts';

export interface RecoverySettings {
  /** `indices.recovery.max_bytes_per_sec` of every node. */
  maxBytesPerSec: number;
  limits: RecoveryLimits;
  /** `cluster.routing.allocation.cluster_concurrent_rebalance`. */
  clusterConcurrentRebalance: number;
  /** Move copies to even out the number per node once every shard is active (`allow_rebalance: indices_all_active`). */
  rebalance: boolean;
}

export interface RoutingTableDeps {
  clock: SimulatedClock;
  ids: IdSource;
  timings: SimTimings;
  record: (kind: string, detail: string) => void;
  /** Only an elected master changes the routing table. */
  hasMaster: () => boolean;
  recovery: RecoverySettings;
  awareness: AwarenessSettings;
}

/** Bytes and copies moved so far (copies started at time zero do not count). */
export interface RoutingStats {
  /** Peer recoveries finished: replicas (re)built from their primary, new primaries started. */
  recoveries: number;
  bytesRecovered: number;
  /** Relocations finished, for any reason (filters, rebalancing). */
  relocations: number;
  bytesRelocated: number;
  /** Of those, the ones the balancer started. */
  rebalanceRelocations: number;
  bytesRebalanced: number;
}

/** A copy given a node: started recovering onto it, or on its way there. */
export interface AllocationRecord {
  atMs: number;
  index: string;
  shard: number;
  primary: boolean;
  nodeId: string;
  nodeName: string;
  kind: 'recovery' | 'relocation' | 'rebalance' | 'allocate_replica';
}

interface RoutingNode extends LoadedNode, TransferEndpoint {
  readonly node: AllocNode;
  /** Copies whose node this is, in any state but unassigned. */
  readonly copies: Set<AllocCopy>;
  /** Copies relocating to this node. */
  readonly arriving: Set<AllocCopy>;
  /** Peer recoveries onto the node (replicas, relocations). */
  incoming: number;
  /** New primaries starting on the node (initial recoveries). */
  initialPrimaries: number;
  outgoing: number;
}

export class RoutingTable implements AllocationView {
  readonly #deps: RoutingTableDeps;
  readonly #transfers: RecoveryTransfers;
  readonly indices = new Map<string, AllocIndex>();
  /** Index names, sorted as `_cat/shards` lists them. */
  #indexOrder: string[] = [];
  #enable: AllocationEnable = 'all';
  #excludeNames: ReadonlySet<string> = new Set();
  readonly awareness: AwarenessSettings;
  readonly limits: RecoveryLimits;

  /** Data nodes present, in join order. */
  readonly #nodes = new Map<string, RoutingNode>();
  readonly #byName = new Map<string, RoutingNode>();
  /** Departed nodes whose copies the master has not failed yet (it had none elected). */
  readonly #departed = new Map<string, RoutingNode>();
  readonly #load = new NodeLoadIndex<RoutingNode>();
  #joinSeq = 0;
  readonly #versions = new Map<string, number>();
  readonly #attributeValues = new Map<string, ReadonlySet<string>>();

  readonly #unassigned = new Set<AllocCopy>();
  /** `_cat/shards` rows in order; each shard's rows sit at its group's slot. */
  #rows: ShardCopy[] = [];
  readonly #slots = new Map<ShardGroup, number>();
  #layoutStale = true;
  readonly #staleGroups = new Set<ShardGroup>();
  readonly #count: Record<'STARTED' | 'RELOCATING' | 'INITIALIZING' | 'UNASSIGNED', number> = {
    STARTED: 0,
    RELOCATING: 0,
    INITIALIZING: 0,
    UNASSIGNED: 0,
  };
  /**
   * Bumped by every change a decider or an explanation could read (a copy, a node, a recovery slot,
   * a setting): what was derived from the table at one generation holds while it stays the same.
   */
  #generation = 0;
  #redShards = 0;
  #yellowShards = 0;
  #copies = 0;
  readonly #preferredNode = new Map<string, string>();
  readonly #delayExpiries = new Set<number>();
  readonly #stats: RoutingStats = { recoveries: 0, bytesRecovered: 0, relocations: 0, bytesRelocated: 0, rebalanceRelocations: 0, bytesRebalanced: 0 };
  readonly #allocations: AllocationRecord[] = [];

  constructor(deps: RoutingTableDeps) {
    this.#deps = deps;
    this.awareness = deps.awareness;
    this.limits = deps.recovery.limits;
    this.#transfers = new RecoveryTransfers(deps.clock, deps.recovery.maxBytesPerSec, deps.timings.recoveryBaseMs);
  }

  // --- AllocationView ---------------------------------------------------------------------------

  get nowMs(): number {
    return this.#deps.clock.nowMs();
  }

  get enable(): AllocationEnable {
    return this.#enable;
  }

  /** `cluster.routing.allocation.enable`, as the master applies it (the caller reroutes). */
  set enable(value: AllocationEnable) {
    this.#enable = value;
    this.#generation += 1;
  }

  get excludeNames(): ReadonlySet<string> {
    return this.#excludeNames;
  }

  /** `cluster.routing.allocation.exclude._name`, as the master applies it (the caller reroutes). */
  set excludeNames(value: ReadonlySet<string>) {
    this.#excludeNames = value;
    this.#generation += 1;
  }

  /** See #generation. */
  get generation(): number {
    return this.#generation;
  }

  dataNode(id: string | undefined): AllocNode | undefined {
    return id === undefined ? undefined : this.#nodes.get(id)?.node;
  }

  incoming(nodeId: string): number {
    return this.#nodes.get(nodeId)?.incoming ?? 0;
  }

  initialPrimaries(nodeId: string): number {
    return this.#nodes.get(nodeId)?.initialPrimaries ?? 0;
  }

  outgoing(nodeId: string): number {
    return this.#nodes.get(nodeId)?.outgoing ?? 0;
  }

  attributeValues(attribute: string): ReadonlySet<string> {
    let values = this.#attributeValues.get(attribute);
    if (!values) {
      const found = new Set<string>();
      for (const rn of this.#nodes.values()) {
        const value = rn.node.attributes[attribute];
        if (value !== undefined) found.add(value);
      }
      values = found;
      this.#attributeValues.set(attribute, values);
    }
    return values;
  }

  // --- nodes ------------------------------------------------------------------------------------

  /** A data node joined (the master reroutes separately). */
  addNode(node: AllocNode): void {
    const rn: RoutingNode = {
      id: node.id,
      seq: this.#joinSeq++,
      load: 0,
      node,
      copies: new Set(),
      arriving: new Set(),
      incoming: 0,
      initialPrimaries: 0,
      outgoing: 0,
      transfers: new Set(),
    };
    this.#nodes.set(node.id, rn);
    this.#byName.set(node.name, rn);
    this.#load.add(rn);
    this.#versions.set(node.version, (this.#versions.get(node.version) ?? 0) + 1);
    this.#attributeValues.clear();
    this.#generation += 1;
  }

  /** A data node left; its copies are failed by the next reroute of an elected master. */
  removeNode(nodeId: string): void {
    const rn = this.#nodes.get(nodeId);
    if (!rn) return;
    this.#nodes.delete(nodeId);
    if (this.#byName.get(rn.node.name) === rn) this.#byName.delete(rn.node.name);
    this.#load.remove(rn);
    const left = (this.#versions.get(rn.node.version) ?? 1) - 1;
    if (left > 0) this.#versions.set(rn.node.version, left);
    else this.#versions.delete(rn.node.version);
    this.#attributeValues.clear();
    this.#departed.set(nodeId, rn);
    this.#generation += 1;
  }

  /** Index names, sorted as `_cat/shards` lists them. */
  indexNames(): readonly string[] {
    return this.#indexOrder;
  }

  /** Data nodes present, in join order. */
  dataNodes(): AllocNode[] {
    return [...this.#nodes.values()].map((rn) => rn.node);
  }

  dataNodeCount(): number {
    return this.#nodes.size;
  }

  /** Name of a node holding copies, present or departed but not yet failed. */
  nodeName(id: string | undefined): string | undefined {
    if (id === undefined) return undefined;
    return (this.#nodes.get(id) ?? this.#departed.get(id))?.node.name;
  }

  // --- indices ----------------------------------------------------------------------------------

  /** Create an index: every copy starts unassigned (INDEX_CREATED) and the master allocates them. */
  addIndex(spec: IndexSpec, options: { instant?: boolean; bytesPerDoc: number }): void {
    if (this.indices.has(spec.name)) throw new Error(`index [${spec.name}] already exists`);
    const index: AllocIndex = {
      name: spec.name,
      primaries: spec.primaries,
      replicas: spec.replicas,
      shardBytes: spec.shardSizeBytes ?? Math.round((spec.docsPerShard ?? 10_000) * options.bytesPerDoc),
      delayedTimeoutMs: spec.delayedTimeoutMs ?? 60_000,
      ...(spec.requireName !== undefined ? { requireName: spec.requireName } : {}),
      // A copy: the filter's wording is cached per list (see filterRefusal).
      excludeNames: [...(spec.excludeNames ?? [])],
      heldBackWhileMixed: spec.heldBackWhileMixed ?? false,
      groups: [],
    };
    this.indices.set(spec.name, index);
    const at = lowerBound(this.#indexOrder, (name) => name.localeCompare(spec.name) < 0);
    this.#indexOrder.splice(at, 0, spec.name);
    this.#layoutStale = true;
    this.#generation += 1;
    const preferred = spec.primaryOn ? this.#resolveNode(spec.primaryOn) : undefined;
    if (preferred) this.#preferredNode.set(spec.name, preferred);
    const atMs = this.#deps.clock.nowMs();
    for (let shard = 0; shard < spec.primaries; shard += 1) {
      const group: ShardGroup = { index, shard, copies: [], health: 'green' };
      index.groups.push(group);
      for (let n = 0; n <= spec.replicas; n += 1) {
        const copy: AllocCopy = {
          allocationId: this.#deps.ids.allocationId(),
          index: spec.name,
          shard,
          group,
          primary: n === 0,
          state: 'UNASSIGNED',
          unassigned: { reason: 'INDEX_CREATED', atMs },
          existingStore: false,
          epoch: 0,
        };
        group.copies.push(copy);
        this.#unassigned.add(copy);
        this.#count.UNASSIGNED += 1;
        this.#copies += 1;
      }
      group.health = groupHealth(group);
      this.#countHealth(group.health, 1);
    }
    this.#deps.record('index-created', `${spec.name} (${spec.primaries}p/${spec.replicas}r)`);
    this.reroute(options.instant === true ? { instant: true } : {});
  }

  group(index: string, shard: number): ShardGroup | undefined {
    return this.indices.get(index)?.groups[shard];
  }

  // --- the master's reroute ---------------------------------------------------------------------

  /** The master's reroute; `instant` starts copies at once (building the world at time zero). */
  reroute(options: { instant?: boolean } = {}): void {
    if (!this.#deps.hasMaster()) return;
    this.#failCopiesOfDepartedNodes();
    this.#allocateUnassigned(options.instant === true);
    if (options.instant) return;
    this.#moveExcluded();
    this.#rebalance();
  }

  /** `allocate_replica`, as the master checks it: refused unless every decider says yes on that node. */
  allocateReplica(index: string, shard: number, nodeName: string): void {
    const copy = this.group(index, shard)?.copies.find((c) => !c.primary && c.state === 'UNASSIGNED');
    const rn = this.#byName.get(nodeName);
    if (!copy || !rn) {
      throw new ServiceError('elasticsearch', `illegal_argument_exception: [allocate_replica] no unassigned replica of [${index}][${shard}] or no data node [${nodeName}]`);
    }
    const refused = refusals(this, copy, rn.node);
    if (refused.length > 0) {
      throw new ServiceError('elasticsearch', `illegal_argument_exception: [allocate_replica] allocation of [${index}][${shard}] on node ${nodeName} is not allowed: ${refused.map((r) => r.explanation).join('; ')}`);
    }
    copy.heldBack = false;
    this.#generation += 1;
    this.#assign(copy, rn, false, 'allocate_replica');
  }

  // --- reading ----------------------------------------------------------------------------------

  /** `_cat/shards`: by index name, shard, primary first. Only rows of shards that changed are rebuilt. */
  shards(): ShardCopy[] {
    if (this.#layoutStale) {
      this.#rows = [];
      this.#slots.clear();
      for (const name of this.#indexOrder) {
        for (const group of this.indices.get(name)?.groups ?? []) {
          this.#slots.set(group, this.#rows.length);
          for (const copy of group.copies) this.#rows.push(this.#row(copy));
          this.#writeRows(group);
        }
      }
      this.#layoutStale = false;
      this.#staleGroups.clear();
    }
    for (const group of this.#staleGroups) this.#writeRows(group);
    this.#staleGroups.clear();
    return this.#rows.slice();
  }

  /** Unassigned copies, in the order they became unassigned. */
  unassignedCopies(): AllocCopy[] {
    return [...this.#unassigned];
  }

  health(numberOfNodes: number, hasMaster: boolean): ClusterHealth {
    const nowMs = this.#deps.clock.nowMs();
    let delayed = 0;
    for (const copy of this.#unassigned) if (isDelayed(copy, nowMs)) delayed += 1;
    // Without an elected master the cluster answers nothing useful: treat it as red.
    const status: HealthStatus = !hasMaster || this.#redShards > 0 ? 'red' : this.#yellowShards > 0 ? 'yellow' : 'green';
    return {
      status,
      numberOfNodes,
      numberOfDataNodes: this.#nodes.size,
      activeShards: this.#count.STARTED + this.#count.RELOCATING,
      relocatingShards: this.#count.RELOCATING,
      initializingShards: this.#count.INITIALIZING,
      unassignedShards: this.#count.UNASSIGNED,
      delayedUnassignedShards: delayed,
      timedOut: false,
    };
  }

  /** Copies held by the named node (any state but unassigned). */
  copiesOn(nodeName: string): number {
    return this.#byName.get(nodeName)?.copies.size ?? 0;
  }

  copyCount(): number {
    return this.#copies;
  }

  stats(): RoutingStats {
    return { ...this.#stats };
  }

  /** Every copy given a node since the world was built, in order. */
  allocations(): readonly AllocationRecord[] {
    return this.#allocations;
  }

  // --- internals: what a reroute does -----------------------------------------------------------

  #resolveNode(nameOrNewest: string): string | undefined {
    if (nameOrNewest !== 'newest') return this.#byName.get(nameOrNewest)?.id;
    let newest: AllocNode | undefined;
    for (const { node } of this.#nodes.values()) if (!newest || compareVersions(node.version, newest.version) >= 0) newest = node;
    return newest?.id;
  }

  #failCopiesOfDepartedNodes(): void {
    for (const rn of this.#departed.values()) {
      // Relocations to it end where they started; copies on it are lost.
      for (const copy of [...rn.arriving]) this.#cancelRelocation(copy);
      for (const copy of [...rn.copies]) if (copy.nodeId === rn.id) this.#lose(copy);
    }
    this.#departed.clear();
  }

  // A copy on a departed node. A lost primary is replaced by promoting a started replica; without
  // one the primary stays unassigned (red). A lost replica waits `delayed_timeout` for its node.
  #lose(copy: AllocCopy): void {
    if (!copy.primary) {
      this.#unassign(copy, 'NODE_LEFT', true);
      return;
    }
    const siblings = copy.group.copies.filter((c) => c !== copy);
    const promoted = siblings.find((c) => isActive(c) && c.nodeId !== undefined && this.#nodes.has(c.nodeId));
    if (promoted) {
      promoted.primary = true;
      promoted.existingStore = true;
      promoted.epoch += 1;
      this.#changed(promoted);
      copy.primary = false;
      this.#unassign(copy, 'NODE_LEFT', true);
      this.#deps.record('primary-promoted', `[${copy.index}][${copy.shard}] on ${promoted.nodeId ?? '?'}`);
      // Replicas recovering from the lost primary start over from the new one.
      for (const sibling of siblings) {
        if (sibling.state !== 'INITIALIZING' || !sibling.nodeId) continue;
        const rn = this.#nodes.get(sibling.nodeId);
        if (rn) this.#restartRecovery(sibling, rn);
      }
    } else {
      this.#unassign(copy, 'NODE_LEFT', false);
      for (const sibling of siblings) if (sibling.state === 'INITIALIZING') this.#unassign(sibling, 'PRIMARY_FAILED', false);
      this.#deps.record('primary-lost', `[${copy.index}][${copy.shard}]`);
    }
  }

  #allocateUnassigned(instant: boolean): void {
    if (this.#unassigned.size === 0 || this.#nodes.size === 0) return;
    const nowMs = this.#deps.clock.nowMs();
    const mixed = this.#versions.size > 1;
    // Primaries first, as the master allocates them.
    const pending = [...this.#unassigned];
    for (const primaries of [true, false]) {
      for (const copy of pending) {
        if (copy.primary !== primaries || copy.state !== 'UNASSIGNED') continue;
        if (copy.primary && copy.existingStore) continue; // no valid shard copy anywhere
        if (isDelayed(copy, nowMs)) continue;
        const heldBack = !copy.primary && mixed && copy.group.index.heldBackWhileMixed;
        if (heldBack !== (copy.heldBack ?? false)) this.#generation += 1;
        copy.heldBack = heldBack;
        if (heldBack) continue;
        if (copyRefusals(this, copy).length > 0) continue;
        const rn = this.#chooseNode(copy, { preferNodeId: copy.primary ? this.#preferredNode.get(copy.index) : undefined, waitForThrottled: true });
        this.#setThrottled(copy, rn === 'throttled');
        if (rn === 'throttled' || rn === undefined) continue;
        this.#assign(copy, rn, instant, 'recovery');
      }
    }
  }

  // Copies on nodes the filters now exclude move to a node that accepts them (RELOCATING meanwhile).
  #moveExcluded(): void {
    // Only nodes a filter names, and nodes holding copies of an index that requires another node.
    const suspects = new Set<RoutingNode>();
    const add = (name: string): void => {
      const rn = this.#byName.get(name);
      if (rn) suspects.add(rn);
    };
    for (const name of this.excludeNames) add(name);
    for (const index of this.indices.values()) {
      for (const name of index.excludeNames) add(name);
      if (index.requireName === undefined) continue;
      for (const group of index.groups) {
        for (const copy of group.copies) {
          const rn = copy.nodeId !== undefined ? this.#nodes.get(copy.nodeId) : undefined;
          if (rn) suspects.add(rn);
        }
      }
    }
    for (const rn of suspects) {
      for (const copy of [...rn.copies]) {
        if (copy.state !== 'STARTED' || !filterRefusal(this, copy.group.index, rn.node)) continue;
        if (copyRefusals(this, copy).length > 0) continue;
        const target = this.#chooseNode(copy);
        if (target && target !== 'throttled') this.#relocate(copy, target, false);
      }
    }
  }

  // Once every shard is active, move copies from the fullest nodes to the emptiest, a few at a time
  // (`cluster_concurrent_rebalance`), while that makes the spread narrower and the deciders agree.
  #rebalance(): void {
    const { recovery } = this.#deps;
    if (!recovery.rebalance || this.#count.UNASSIGNED > 0 || this.#count.INITIALIZING > 0) return;
    while (this.#count.RELOCATING < recovery.clusterConcurrentRebalance) {
      const move = this.#findRebalanceMove();
      if (!move) return;
      this.#relocate(move.copy, move.target, true);
    }
  }

  #findRebalanceMove(): { copy: AllocCopy; target: RoutingNode } | undefined {
    const min = this.#load.minLoad();
    if (min === undefined) return undefined;
    const SOURCES = 8;
    const TARGETS = 8;
    let sources = 0;
    for (const source of this.#load.descending()) {
      if (source.load - min <= 1 || (sources += 1) > SOURCES) return undefined;
      if (source.outgoing >= this.limits.outgoing) continue;
      for (const copy of source.copies) {
        if (copy.state !== 'STARTED' || copyRefusals(this, copy).length > 0) continue;
        let targets = 0;
        for (const target of this.#load.ascending()) {
          if (target.load >= source.load - 1 || (targets += 1) > TARGETS) break;
          if (nodeAccepts(this, copy, target.node)) return { copy, target };
        }
      }
    }
    return undefined;
  }

  /**
   * The node `copy` should go to: the preferred one, else the least loaded that every decider
   * accepts (ties: the earliest joined). An unassigned copy goes where Elasticsearch's balancer puts
   * it (waitForThrottled): the least loaded node that accepts it or throttles it, a yes winning a
   * tie. When that node is throttled the copy waits for it rather than go to a fuller node, so an
   * empty replacement node fills at its own recovery limits ('throttled': the copy waits).
   */
  #chooseNode(copy: AllocCopy, how: { preferNodeId?: string | undefined; waitForThrottled?: boolean } = {}): RoutingNode | 'throttled' | undefined {
    if (how.preferNodeId !== undefined) {
      const preferred = this.#nodes.get(how.preferNodeId);
      if (preferred && nodeAccepts(this, copy, preferred.node)) return preferred;
    }
    const initialPrimary = copy.primary && copy.state === 'UNASSIGNED';
    // A source at its outgoing limit throttles every target: no need to ask each.
    const source = initialPrimary ? undefined : recoverySourceOf(copy);
    if (source !== undefined && this.outgoing(source) >= this.limits.outgoing) return undefined;
    const limit = initialPrimary ? this.limits.initialPrimaries : this.limits.incoming;
    let throttledAt: number | undefined;
    for (const rn of this.#load.ascending()) {
      if (throttledAt !== undefined && rn.load > throttledAt) return 'throttled';
      if ((initialPrimary ? rn.initialPrimaries : rn.incoming) >= limit) {
        // Throttled: skipped, or where the copy waits if nothing lighter or as light takes it.
        if (how.waitForThrottled === true && throttledAt === undefined && nodeAllows(this, copy, rn.node)) throttledAt = rn.load;
        continue;
      }
      if (nodeAllows(this, copy, rn.node)) return rn;
    }
    return throttledAt === undefined ? undefined : 'throttled';
  }

  #setThrottled(copy: AllocCopy, throttled: boolean): void {
    if ((copy.throttled === true) === throttled) return;
    copy.throttled = throttled;
    this.#changed(copy);
  }

  // --- internals: the only functions that change a copy -----------------------------------------

  #assign(copy: AllocCopy, rn: RoutingNode, instant: boolean, kind: AllocationRecord['kind']): void {
    this.#unassigned.delete(copy);
    this.#move(copy, 'INITIALIZING');
    copy.nodeId = rn.id;
    copy.unassigned = undefined;
    copy.allocationId = this.#deps.ids.allocationId();
    rn.copies.add(copy);
    this.#load.adjust(rn, 1);
    this.#changed(copy);
    if (instant) {
      this.#start(copy);
      return;
    }
    this.#log(copy, rn, kind);
    this.#startRecovery(copy, rn);
  }

  #startRecovery(copy: AllocCopy, rn: RoutingNode): void {
    copy.epoch += 1;
    const epoch = copy.epoch;
    // A new primary starts empty; a replica copies its primary's bytes from the primary's node.
    const source = copy.primary ? undefined : this.#nodes.get(primaryOf(copy)?.nodeId ?? '');
    const bytes = copy.primary ? 0 : copy.group.index.shardBytes;
    const transfer = this.#transfers.start(source, rn, bytes, () => {
      if (copy.epoch !== epoch || copy.state !== 'INITIALIZING') return;
      this.#endRecovery(copy);
      this.#stats.recoveries += 1;
      this.#stats.bytesRecovered += bytes;
      this.#start(copy);
      this.#deps.record('shard-started', `[${copy.index}][${copy.shard}]${copy.primary ? ' primary' : ''}`);
      this.reroute();
    });
    this.#holdSlots(copy, transfer, rn, source);
  }

  #restartRecovery(copy: AllocCopy, rn: RoutingNode): void {
    this.#endRecovery(copy);
    this.#startRecovery(copy, rn);
  }

  #start(copy: AllocCopy): void {
    this.#move(copy, 'STARTED');
    copy.epoch += 1;
    if (copy.primary) copy.existingStore = true;
    this.#changed(copy);
  }

  #relocate(copy: AllocCopy, target: RoutingNode, rebalance: boolean): void {
    const source = copy.nodeId ? this.#nodes.get(copy.nodeId) : undefined;
    if (!source) return;
    this.#move(copy, 'RELOCATING');
    copy.relocatingNodeId = target.id;
    copy.epoch += 1;
    target.arriving.add(copy);
    this.#load.adjust(target, 1);
    this.#changed(copy);
    this.#log(copy, target, rebalance ? 'rebalance' : 'relocation');
    const epoch = copy.epoch;
    const bytes = copy.group.index.shardBytes;
    const transfer = this.#transfers.start(source, target, bytes, () => {
      if (copy.epoch !== epoch || copy.state !== 'RELOCATING') return;
      this.#stats.relocations += 1;
      this.#stats.bytesRelocated += bytes;
      if (rebalance) {
        this.#stats.rebalanceRelocations += 1;
        this.#stats.bytesRebalanced += bytes;
      }
      this.#landRelocation(copy);
      this.#deps.record('shard-relocated', `[${copy.index}][${copy.shard}] to ${target.node.name}`);
      this.reroute();
    });
    this.#holdSlots(copy, transfer, target, source);
  }

  #landRelocation(copy: AllocCopy): void {
    const source = copy.nodeId ? this.#nodes.get(copy.nodeId) : undefined;
    const target = copy.relocatingNodeId ? this.#nodes.get(copy.relocatingNodeId) : undefined;
    if (!source || !target) return;
    this.#endRecovery(copy);
    target.arriving.delete(copy);
    source.copies.delete(copy);
    this.#load.adjust(source, -1);
    target.copies.add(copy);
    copy.nodeId = target.id;
    copy.relocatingNodeId = undefined;
    this.#move(copy, 'STARTED');
    copy.epoch += 1;
    this.#changed(copy);
  }

  /** The relocation stops; the copy stays where it was (its target went away). */
  #cancelRelocation(copy: AllocCopy): void {
    const targetId = copy.relocatingNodeId;
    if (copy.state !== 'RELOCATING' || targetId === undefined) return;
    const target = this.#nodes.get(targetId) ?? this.#departed.get(targetId);
    this.#endRecovery(copy);
    if (target) {
      target.arriving.delete(copy);
      if (this.#nodes.has(targetId)) this.#load.adjust(target, -1);
      else target.load -= 1;
    }
    copy.relocatingNodeId = undefined;
    this.#move(copy, 'STARTED');
    copy.epoch += 1;
    this.#changed(copy);
  }

  #unassign(copy: AllocCopy, reason: string, delayed: boolean): void {
    if (copy.state === 'RELOCATING') this.#cancelRelocation(copy);
    const nowMs = this.#deps.clock.nowMs();
    const timeout = copy.group.index.delayedTimeoutMs;
    const delayedUntilMs = delayed && !copy.primary && timeout > 0 ? nowMs + timeout : undefined;
    this.#endRecovery(copy);
    if (copy.nodeId !== undefined) {
      const rn = this.#nodes.get(copy.nodeId) ?? this.#departed.get(copy.nodeId);
      if (rn) {
        rn.copies.delete(copy);
        if (this.#nodes.has(rn.id)) this.#load.adjust(rn, -1);
        else rn.load -= 1;
      }
    }
    this.#move(copy, 'UNASSIGNED');
    this.#unassigned.add(copy);
    copy.nodeId = undefined;
    copy.relocatingNodeId = undefined;
    copy.unassigned = { reason, atMs: nowMs, ...(delayedUntilMs ? { delayedUntilMs } : {}) };
    copy.throttled = undefined;
    copy.epoch += 1;
    this.#changed(copy);
    if (delayedUntilMs && !this.#delayExpiries.has(delayedUntilMs)) {
      this.#delayExpiries.add(delayedUntilMs);
      this.#deps.clock.schedule(
        delayedUntilMs,
        () => {
          this.#delayExpiries.delete(delayedUntilMs);
          this.reroute();
        },
        'delayed-allocation-expired',
      );
    }
  }

  /** The recovery slots a transfer holds: one incoming at its target, one outgoing at its source (a new primary has none: an initial slot). */
  #holdSlots(copy: AllocCopy, transfer: Transfer, target: RoutingNode, source: RoutingNode | undefined): void {
    if (source) {
      target.incoming += 1;
      source.outgoing += 1;
    } else target.initialPrimaries += 1;
    this.#generation += 1;
    copy.recovery = { stop: () => this.#transfers.cancel(transfer), targetId: target.id, sourceId: source?.id };
  }

  /** The copy's recovery or relocation ends (done, or stopped): its transfer stops and its slots are given back. */
  #endRecovery(copy: AllocCopy): void {
    const recovery = copy.recovery;
    if (!recovery) return;
    copy.recovery = undefined;
    this.#generation += 1;
    recovery.stop();
    const target = this.#nodes.get(recovery.targetId) ?? this.#departed.get(recovery.targetId);
    if (recovery.sourceId === undefined) {
      if (target) target.initialPrimaries -= 1;
      return;
    }
    if (target) target.incoming -= 1;
    const source = this.#nodes.get(recovery.sourceId) ?? this.#departed.get(recovery.sourceId);
    if (source) source.outgoing -= 1;
  }

  #move(copy: AllocCopy, state: AllocCopy['state']): void {
    this.#count[copy.state] -= 1;
    this.#count[state] += 1;
    copy.state = state;
  }

  #changed(copy: AllocCopy): void {
    copy.row = undefined;
    this.#generation += 1;
    this.#staleGroups.add(copy.group);
    this.#setHealth(copy.group);
  }

  #setHealth(group: ShardGroup): void {
    const health = groupHealth(group);
    if (health === group.health) return;
    this.#countHealth(group.health, -1);
    this.#countHealth(health, 1);
    group.health = health;
  }

  #countHealth(status: HealthStatus, by: number): void {
    if (status === 'red') this.#redShards += by;
    else if (status === 'yellow') this.#yellowShards += by;
  }

  #row(copy: AllocCopy): ShardCopy {
    if (copy.row) return copy.row;
    const node = copy.state !== 'UNASSIGNED' ? this.nodeName(copy.nodeId) : undefined;
    copy.row = Object.freeze({
      index: copy.index,
      shard: copy.shard,
      primary: copy.primary,
      state: copy.state,
      ...(node !== undefined ? { node } : {}),
      ...(copy.unassigned ? { unassignedAt: new Date(copy.unassigned.atMs).toISOString() } : {}),
    });
    return copy.row;
  }

  /** The shard's rows at its slot: primary first, then its replicas. */
  #writeRows(group: ShardGroup): void {
    let slot = this.#slots.get(group);
    if (slot === undefined) return;
    for (const copy of group.copies) if (copy.primary) this.#rows[slot++] = this.#row(copy);
    for (const copy of group.copies) if (!copy.primary) this.#rows[slot++] = this.#row(copy);
  }

  #log(copy: AllocCopy, rn: RoutingNode, kind: AllocationRecord['kind']): void {
    this.#allocations.push({
      atMs: this.#deps.clock.nowMs(),
      index: copy.index,
      shard: copy.shard,
      primary: copy.primary,
      nodeId: rn.id,
      nodeName: rn.node.name,
      kind,
    });
  }
}

// As Elasticsearch's ClusterShardHealth: an inactive primary is red, except a brand-new one still
// initializing or waiting for a recovery slot (yellow); with an active primary, any inactive
// replica (unassigned or still recovering) is yellow.
function groupHealth(group: ShardGroup): HealthStatus {
  const primary = group.copies.find((c) => c.primary);
  if (!primary || !isActive(primary)) {
    const starting = primary?.state === 'INITIALIZING' || primary?.throttled === true;
    return starting && !primary.existingStore ? 'yellow' : 'red';
  }
  return group.copies.every(isActive) ? 'green' : 'yellow';
}

function lowerBound<T>(items: T[], less: (item: T) => boolean): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const item = items[mid];
    if (item !== undefined && less(item)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
