// Data nodes ordered by how many shard copies they hold (ties: the earliest to join first), kept
// current as copies come and go, so the allocator finds the least loaded node that will take a copy
// without sorting every node for every copy, and the balancer finds the most and least loaded.

export interface LoadedNode {
  readonly id: string;
  /** Join order: ties in load go to the node that joined first. */
  readonly seq: number;
  /** Copies on the node plus relocations on their way to it. */
  load: number;
}

export class NodeLoadIndex<N extends LoadedNode> {
  /** Nodes of each load, sorted by seq. */
  readonly #buckets = new Map<number, N[]>();
  /** The loads that have nodes, ascending. */
  #loads: number[] = [];

  get size(): number {
    let n = 0;
    for (const bucket of this.#buckets.values()) n += bucket.length;
    return n;
  }

  add(node: N): void {
    let bucket = this.#buckets.get(node.load);
    if (!bucket) {
      bucket = [];
      this.#buckets.set(node.load, bucket);
      this.#loads.splice(lowerBound(this.#loads, node.load, (x) => x), 0, node.load);
    }
    bucket.splice(lowerBound(bucket, node.seq, (n) => n.seq), 0, node);
  }

  remove(node: N): void {
    const bucket = this.#buckets.get(node.load);
    if (!bucket) return;
    const at = lowerBound(bucket, node.seq, (n) => n.seq);
    if (bucket[at] !== node) return;
    bucket.splice(at, 1);
    if (bucket.length === 0) {
      this.#buckets.delete(node.load);
      this.#loads.splice(lowerBound(this.#loads, node.load, (x) => x), 1);
    }
  }

  /** Change a node's load by `delta`, keeping the order. */
  adjust(node: N, delta: number): void {
    if (delta === 0) return;
    this.remove(node);
    node.load += delta;
    this.add(node);
  }

  minLoad(): number | undefined {
    return this.#loads[0];
  }

  maxLoad(): number | undefined {
    return this.#loads.at(-1);
  }

  /** Nodes from the least loaded up (ties: earliest joined first). Do not change loads while iterating. */
  *ascending(): Generator<N> {
    for (const load of this.#loads) {
      const bucket = this.#buckets.get(load);
      if (bucket) yield* bucket;
    }
  }

  /** Nodes from the most loaded down (ties: earliest joined first). Do not change loads while iterating. */
  *descending(): Generator<N> {
    for (let i = this.#loads.length - 1; i >= 0; i -= 1) {
      const bucket = this.#buckets.get(this.#loads[i] ?? -1);
      if (bucket) yield* bucket;
    }
  }
}

function lowerBound<T>(items: T[], key: number, keyOf: (item: T) => number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const item = items[mid];
    if (item !== undefined && keyOf(item) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
