// The routing table as the deciders saw it at one moment. A snapshot's explanations work out their
// node decisions only when read (a thousand nodes for each of thousands of unassigned copies is
// more than most ticks look at), and must then answer as of the snapshot, not as of the reading.

import type { AllocationEnable, AllocationView, AllocCopy, AllocNode, AwarenessSettings, RecoveryLimits, ShardGroup } from './shard-allocator.ts';

export class FrozenAllocationView implements AllocationView {
  /** The time it was taken (no decider reads it; explain's delay is worded from the live table). */
  readonly nowMs: number;
  readonly enable: AllocationEnable;
  readonly excludeNames: ReadonlySet<string>;
  readonly awareness: AwarenessSettings;
  readonly limits: RecoveryLimits;
  readonly #nodes = new Map<string, AllocNode>();
  readonly #incoming = new Map<string, number>();
  readonly #initialPrimaries = new Map<string, number>();
  readonly #outgoing = new Map<string, number>();
  readonly #attributeValues = new Map<string, ReadonlySet<string>>();

  /** @param dataNodes the data nodes present (their objects do not change while they are). */
  constructor(live: AllocationView, dataNodes: readonly AllocNode[]) {
    this.nowMs = live.nowMs;
    this.enable = live.enable;
    // A new setting is a new set, and awareness and limits are fixed for the world's life.
    this.excludeNames = live.excludeNames;
    this.awareness = live.awareness;
    this.limits = live.limits;
    for (const node of dataNodes) {
      this.#nodes.set(node.id, node);
      this.#incoming.set(node.id, live.incoming(node.id));
      this.#initialPrimaries.set(node.id, live.initialPrimaries(node.id));
      this.#outgoing.set(node.id, live.outgoing(node.id));
    }
  }

  dataNode(id: string | undefined): AllocNode | undefined {
    return id === undefined ? undefined : this.#nodes.get(id);
  }

  incoming(nodeId: string): number {
    return this.#incoming.get(nodeId) ?? 0;
  }

  initialPrimaries(nodeId: string): number {
    return this.#initialPrimaries.get(nodeId) ?? 0;
  }

  outgoing(nodeId: string): number {
    return this.#outgoing.get(nodeId) ?? 0;
  }

  attributeValues(attribute: string): ReadonlySet<string> {
    let values = this.#attributeValues.get(attribute);
    if (!values) {
      const found = new Set<string>();
      for (const node of this.#nodes.values()) {
        const value = node.attributes[attribute];
        if (value !== undefined) found.add(value);
      }
      values = found;
      this.#attributeValues.set(attribute, values);
    }
    return values;
  }
}

/** The copy and its shard's other copies as they are now (the index itself never changes). */
export function frozenCopy(copy: AllocCopy): AllocCopy {
  const group: ShardGroup = { ...copy.group, copies: [] };
  let frozen: AllocCopy | undefined;
  for (const c of copy.group.copies) {
    const f = { ...c, group };
    group.copies.push(f);
    if (c === copy) frozen = f;
  }
  if (!frozen) throw new Error(`copy [${copy.index}][${copy.shard}] is not in its own shard`);
  return frozen;
}
