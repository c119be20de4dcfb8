// The routing table and the master's reroute: what happens to shard copies when data nodes leave or
// join, settings change, recoveries end or a delay expires. Decisions come from shard-allocator.ts.

import type { ShardCopy } from '../upgrade/model.ts';
import type { IdSource } from './id-source.ts';
import { ServiceError } from '../shared/errors.ts';
import {
  chooseNode,
  copiesOf,
  decide as decideAllocation,
  filterRefusal,
  isActive,
  isDelayed,
  recoveryMs,
  type AllocationEnable,
  type AllocationState,
  type AllocCopy,
  type AllocIndex,
  type AllocNode,
} from './shard-allocator.ts';
import type { SimulatedClock } from './simulated-clock.ts';
import { compareVersions } from '../shared/versions.ts';
import type { IndexSpec, SimTimings } from './world-options.ts';

export interface RoutingTableDeps {
  clock: SimulatedClock;
  ids: IdSource;
  timings: SimTimings;
  record: (kind: string, detail: string) => void;
  /** Data nodes present, in join order. */
  dataNodes: () => AllocNode[];
  /** Only an elected master changes the routing table. */
  hasMaster: () => boolean;
}

export class RoutingTable {
  readonly #deps: RoutingTableDeps;
  readonly indices = new Map<string, AllocIndex>();
  copies: AllocCopy[] = [];
  /** Effective `cluster.routing.allocation.enable` ("all" when unset). */
  enable: AllocationEnable = 'all';
  excludeNames: string[] = [];
  readonly #preferredNode = new Map<string, string>();
  readonly #delayExpiries = new Set<number>();

  constructor(deps: RoutingTableDeps) {
    this.#deps = deps;
  }

  state(): AllocationState {
    return {
      dataNodes: this.#deps.dataNodes(),
      indices: this.indices,
      copies: this.copies,
      enable: this.enable,
      excludeNames: this.excludeNames,
      nowMs: this.#deps.clock.nowMs(),
    };
  }

  /** Create an index: every copy starts unassigned (INDEX_CREATED) and the master allocates them. */
  addIndex(spec: IndexSpec, options: { instant?: boolean } = {}): void {
    if (this.indices.has(spec.name)) throw new Error(`index [${spec.name}] already exists`);
    this.indices.set(spec.name, {
      name: spec.name,
      primaries: spec.primaries,
      replicas: spec.replicas,
      docsPerShard: spec.docsPerShard ?? 10_000,
      delayedTimeoutMs: spec.delayedTimeoutMs ?? 60_000,
      requireName: spec.requireName,
      excludeNames: spec.excludeNames ?? [],
      heldBackWhileMixed: spec.heldBackWhileMixed ?? false,
    });
    const preferred = spec.primaryOn ? this.#resolveNode(spec.primaryOn) : undefined;
    if (preferred) this.#preferredNode.set(spec.name, preferred);
    const atMs = this.#deps.clock.nowMs();
    for (let shard = 0; shard < spec.primaries; shard += 1) {
      for (let copy = 0; copy <= spec.replicas; copy += 1) {
        this.copies.push({
          allocationId: this.#deps.ids.allocationId(),
          index: spec.name,
          shard,
          primary: copy === 0,
          state: 'UNASSIGNED',
          unassigned: { reason: 'INDEX_CREATED', atMs },
          existingStore: false,
          epoch: 0,
        });
      }
    }
    this.#deps.record('index-created', `${spec.name} (${spec.primaries}p/${spec.replicas}r)`);
    this.reroute(options);
  }

  /** The master's reroute; `instant` starts copies at once (building the world at time zero). */
  reroute(options: { instant?: boolean } = {}): void {
    if (!this.#deps.hasMaster()) return;
    this.#failCopiesOfDepartedNodes();
    for (let pass = 0; pass < 10; pass += 1) {
      const changed = this.#allocateUnassigned(options.instant ?? false) + this.#moveExcluded();
      // Instant mode loops so replicas follow their freshly started primaries.
      if (!options.instant || changed === 0) break;
    }
  }

  /** `allocate_replica`, as the master checks it: refused unless every decider says yes on that node. */
  allocateReplica(index: string, shard: number, nodeName: string): void {
    const state = this.state();
    const copy = this.copies.find((c) => c.index === index && c.shard === shard && !c.primary && c.state === 'UNASSIGNED');
    const node = state.dataNodes.find((n) => n.name === nodeName);
    if (!copy || !node) {
      throw new ServiceError('elasticsearch', `illegal_argument_exception: [allocate_replica] no unassigned replica of [${index}][${shard}] or no data node [${nodeName}]`);
    }
    const refusals = decideAllocation(state, copy, node).filter((r) => r.decision !== 'YES');
    if (refusals.length > 0) {
      throw new ServiceError('elasticsearch', `illegal_argument_exception: [allocate_replica] allocation of [${index}][${shard}] on node ${nodeName} is not allowed: ${refusals.map((r) => r.explanation).join('; ')}`);
    }
    copy.state = 'INITIALIZING';
    copy.nodeId = node.id;
    copy.unassigned = undefined;
    copy.heldBack = false;
    copy.allocationId = this.#deps.ids.allocationId();
    this.#startRecovery(copy);
  }

  shards(nodeName: (id: string | undefined) => string | undefined): ShardCopy[] {
    return this.copies
      .map((c) => ({
        index: c.index,
        shard: c.shard,
        primary: c.primary,
        state: c.state,
        ...(c.nodeId && c.state !== 'UNASSIGNED' ? { node: nodeName(c.nodeId) } : {}),
      }))
      .sort((a, b) => a.index.localeCompare(b.index) || a.shard - b.shard || Number(b.primary) - Number(a.primary));
  }

  #resolveNode(nameOrNewest: string): string | undefined {
    const nodes = this.#deps.dataNodes();
    if (nameOrNewest !== 'newest') return nodes.find((n) => n.name === nameOrNewest)?.id;
    let newest: AllocNode | undefined;
    for (const node of nodes) if (!newest || compareVersions(node.version, newest.version) >= 0) newest = node;
    return newest?.id;
  }

  #failCopiesOfDepartedNodes(): void {
    const present = new Set(this.#deps.dataNodes().map((n) => n.id));
    for (const copy of this.copies) {
      if (copy.relocatingNodeId && !present.has(copy.relocatingNodeId)) {
        // The relocation target went away: the source simply keeps the copy.
        copy.state = 'STARTED';
        copy.relocatingNodeId = undefined;
        copy.epoch += 1;
      }
    }
    for (const copy of this.copies) {
      if (copy.state !== 'UNASSIGNED' && copy.nodeId && !present.has(copy.nodeId)) this.#lose(copy, present);
    }
  }

  // A copy on a departed node. A lost primary is replaced by promoting a started replica; without
  // one the primary stays unassigned (red). A lost replica waits `delayed_timeout` for its node.
  #lose(copy: AllocCopy, present: Set<string>): void {
    const siblings = copiesOf(this.state(), copy.index, copy.shard).filter((c) => c !== copy);
    if (copy.primary) {
      const promoted = siblings.find((c) => isActive(c) && c.nodeId !== undefined && present.has(c.nodeId));
      if (promoted) {
        promoted.primary = true;
        promoted.existingStore = true;
        promoted.epoch += 1;
        copy.primary = false;
        this.#unassign(copy, 'NODE_LEFT', true);
        this.#deps.record('primary-promoted', `[${copy.index}][${copy.shard}] on ${promoted.nodeId ?? '?'}`);
        for (const sibling of siblings) if (sibling.state === 'INITIALIZING') this.#startRecovery(sibling);
      } else {
        this.#unassign(copy, 'NODE_LEFT', false);
        for (const sibling of siblings) if (sibling.state === 'INITIALIZING') this.#unassign(sibling, 'PRIMARY_FAILED', false);
        this.#deps.record('primary-lost', `[${copy.index}][${copy.shard}]`);
      }
      return;
    }
    this.#unassign(copy, 'NODE_LEFT', true);
  }

  #unassign(copy: AllocCopy, reason: string, delayed: boolean): void {
    const nowMs = this.#deps.clock.nowMs();
    const timeout = this.indices.get(copy.index)?.delayedTimeoutMs ?? 0;
    const delayedUntilMs = delayed && !copy.primary && timeout > 0 ? nowMs + timeout : undefined;
    copy.state = 'UNASSIGNED';
    copy.nodeId = undefined;
    copy.relocatingNodeId = undefined;
    copy.unassigned = { reason, atMs: nowMs, ...(delayedUntilMs ? { delayedUntilMs } : {}) };
    copy.epoch += 1;
    if (delayedUntilMs && !this.#delayExpiries.has(delayedUntilMs)) {
      this.#delayExpiries.add(delayedUntilMs);
      this.#deps.clock.schedule(delayedUntilMs, () => this.reroute(), 'delayed-allocation-expired');
    }
  }

  #allocateUnassigned(instant: boolean): number {
    const state = this.state();
    let changed = 0;
    // Primaries first, as the master allocates them.
    const unassigned = this.copies
      .filter((c) => c.state === 'UNASSIGNED')
      .sort((a, b) => Number(b.primary) - Number(a.primary));
    const mixed = new Set(state.dataNodes.map((n) => n.version)).size > 1;
    for (const copy of unassigned) {
      if (copy.primary && copy.existingStore) continue; // no valid shard copy anywhere
      if (isDelayed(copy, state.nowMs)) continue;
      copy.heldBack = !copy.primary && mixed && this.indices.get(copy.index)?.heldBackWhileMixed === true;
      if (copy.heldBack) continue;
      const node = chooseNode(state, copy, copy.primary ? this.#preferredNode.get(copy.index) : undefined);
      if (!node) continue;
      copy.state = 'INITIALIZING';
      copy.nodeId = node.id;
      copy.unassigned = undefined;
      copy.allocationId = this.#deps.ids.allocationId();
      changed += 1;
      if (instant) this.#started(copy);
      else this.#startRecovery(copy);
    }
    return changed;
  }

  // Copies on nodes the filters now exclude move to a node that accepts them (RELOCATING meanwhile).
  #moveExcluded(): number {
    const state = this.state();
    let changed = 0;
    for (const copy of this.copies) {
      if (copy.state !== 'STARTED') continue;
      const node = state.dataNodes.find((n) => n.id === copy.nodeId);
      if (!node || !filterRefusal(state, this.indices.get(copy.index), node)) continue;
      const target = chooseNode(state, copy);
      if (!target) continue;
      copy.state = 'RELOCATING';
      copy.relocatingNodeId = target.id;
      copy.epoch += 1;
      changed += 1;
      const epoch = copy.epoch;
      this.#deps.clock.after(
        this.#recoveryMs(copy),
        () => {
          if (copy.epoch !== epoch) return;
          copy.nodeId = target.id;
          copy.relocatingNodeId = undefined;
          copy.state = 'STARTED';
          copy.epoch += 1;
          this.#deps.record('shard-relocated', `[${copy.index}][${copy.shard}] to ${target.name}`);
          this.reroute();
        },
        'shard-relocated',
      );
    }
    return changed;
  }

  #startRecovery(copy: AllocCopy): void {
    copy.epoch += 1;
    const epoch = copy.epoch;
    this.#deps.clock.after(
      this.#recoveryMs(copy),
      () => {
        if (copy.epoch !== epoch || copy.state !== 'INITIALIZING') return;
        this.#started(copy);
        this.#deps.record('shard-started', `[${copy.index}][${copy.shard}]${copy.primary ? ' primary' : ''}`);
        this.reroute();
      },
      'shard-started',
    );
  }

  #started(copy: AllocCopy): void {
    copy.state = 'STARTED';
    copy.epoch += 1;
    if (copy.primary) copy.existingStore = true;
  }

  #recoveryMs(copy: AllocCopy): number {
    const { recoveryBaseMs, recoveryMsPerDoc } = this.#deps.timings;
    return recoveryMs(this.indices.get(copy.index), recoveryBaseMs, recoveryMsPerDoc);
  }
}
