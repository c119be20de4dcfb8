// The Cluster port against a real Elasticsearch cluster (7.17, 8.x, 9.x servers).

import type { Client } from '@elastic/elasticsearch';
import type { Logger } from '../shared/log.ts';
import { withRetry, type RetryOptions } from '../shared/retry.ts';
import type { AllocationExplanation, ClusterHealth, ClusterSnapshot, ShardCopy } from '../upgrade/model.ts';
import type { Cluster, HealthWait } from '../upgrade/ports.ts';
import { esStatusOf, toEsServiceError } from './es-error.ts';
import {
  ALLOCATION_ENABLE,
  ALLOCATION_EXCLUDE_NAME,
  toAllocationEnable,
  toAllocationExcludeNames,
  toAllocationExplanation,
  toClusterHealth,
  toEsNodes,
  toMasterNodeId,
  toShardCopies,
  toVotingConfigNodeIds,
  type ClusterStateBody,
  type HealthBody,
  type SettingsBody,
} from './es-read-model.ts';
import { mapLimit } from './map-limit.ts';

export interface EsClusterOptions {
  retry?: RetryOptions;
  /** Most unassigned shard copies explained per observe (default 500: mid-upgrade, every index created since the first data node was replaced holds a version conflict). */
  maxExplanations?: number;
  /** Explain calls in flight at once (default 4). */
  explainConcurrency?: number;
  /** Added to a long poll's server timeout for the client-side request timeout (default 15 s). */
  longPollGraceMs?: number;
}

type ShardKey = Pick<ShardCopy, 'index' | 'shard' | 'primary'>;

export class EsCluster implements Cluster {
  private readonly client: Client;
  private readonly log: Logger;
  private readonly options: EsClusterOptions;

  constructor(client: Client, log: Logger, options: EsClusterOptions = {}) {
    this.client = client;
    this.log = log;
    this.options = options;
  }

  async observe(): Promise<ClusterSnapshot> {
    const [nodes, health, shards, state, settings] = await Promise.all([
      this.call('GET _nodes', () =>
        this.client.nodes.info({
          filter_path: ['nodes.*.name', 'nodes.*.ip', 'nodes.*.version', 'nodes.*.roles', 'nodes.*.attributes'],
        }),
      ),
      this.call('GET _cluster/health', () => this.client.cluster.health()),
      this.call('GET _cat/shards', () =>
        this.client.cat.shards({ format: 'json', h: ['index', 'shard', 'prirep', 'state', 'node'] }),
      ),
      this.call<ClusterStateBody>('GET _cluster/state', () =>
        this.client.cluster.state({
          metric: ['master_node', 'metadata'],
          filter_path: ['master_node', 'metadata.cluster_coordination.last_committed_config'],
        }),
      ),
      this.readSettings(),
    ]);
    const snapshot: ClusterSnapshot = {
      nodes: toEsNodes(nodes),
      masterNodeId: toMasterNodeId(state),
      health: toClusterHealth(health),
      shards: toShardCopies(shards),
      allocationEnable: toAllocationEnable(settings),
      allocationExcludeNames: toAllocationExcludeNames(settings),
      votingConfigNodeIds: toVotingConfigNodeIds(state),
    };
    // Explanations are only worth their cost once recoveries have settled (version-conflict judgement).
    const h = snapshot.health;
    if (h.unassignedShards > 0 && h.initializingShards === 0 && h.relocatingShards === 0) {
      snapshot.unassignedExplanations = await this.explainAll(snapshot.shards);
    }
    return snapshot;
  }

  async waitForHealth(wait: HealthWait, signal?: AbortSignal): Promise<ClusterHealth> {
    const grace = this.options.longPollGraceMs ?? 15_000;
    return this.call(
      'GET _cluster/health (wait)',
      async () => {
        try {
          const body = await this.client.cluster.health(
            {
              ...(wait.status ? { wait_for_status: wait.status } : {}),
              ...(wait.nodes ? { wait_for_nodes: wait.nodes } : {}),
              ...(wait.noRelocatingShards ? { wait_for_no_relocating_shards: true } : {}),
              ...(wait.noInitializingShards ? { wait_for_no_initializing_shards: true } : {}),
              timeout: `${Math.max(0, Math.round(wait.timeoutMs))}ms`,
            },
            { requestTimeout: wait.timeoutMs + grace, ...(signal ? { signal } : {}) },
          );
          return toClusterHealth(body);
        } catch (error) {
          // The long poll gave up: Elasticsearch answers 408 with the health body and timed_out.
          const body = (error as { body?: HealthBody }).body;
          if (esStatusOf(error) === 408 && body?.timed_out === true) return toClusterHealth(body);
          throw error;
        }
      },
      signal,
    );
  }

  async explainUnassigned(shard: ShardKey): Promise<AllocationExplanation> {
    return this.call('POST _cluster/allocation/explain', () => this.explainRaw(shard));
  }

  async setAllocationEnable(value: string | null): Promise<void> {
    await this.putPersistent(ALLOCATION_ENABLE, value);
  }

  async setAllocationExcludeNames(names: string[]): Promise<void> {
    await this.putPersistent(ALLOCATION_EXCLUDE_NAME, names.length > 0 ? names.join(',') : null);
  }

  async allocateReplica(shard: { index: string; shard: number }, nodeName: string): Promise<void> {
    await this.call('POST _cluster/reroute allocate_replica', () =>
      this.client.cluster.reroute({
        metric: 'none',
        commands: [{ allocate_replica: { index: shard.index, shard: shard.shard, node: nodeName } }],
      }),
    );
  }

  /** Persistent value (null removes it); a transient value would shadow it, so that one is removed. */
  private async putPersistent(key: string, value: string | null): Promise<void> {
    const settings = await this.readSettings();
    const shadowed = settings.transient?.[key] !== undefined;
    await this.call(`PUT _cluster/settings ${key}`, () =>
      this.client.cluster.putSettings({
        persistent: { [key]: value },
        // Only send `transient` when needed: any transient update logs a deprecation warning on 8.x+.
        ...(shadowed ? { transient: { [key]: null } } : {}),
      }),
    );
    this.log.info({ setting: key, value, clearedTransient: shadowed }, 'cluster setting updated');
  }

  private readSettings(): Promise<SettingsBody> {
    return this.call('GET _cluster/settings', () =>
      this.client.cluster.getSettings({ flat_settings: true, include_defaults: false }),
    );
  }

  private async explainAll(shards: ShardCopy[]): Promise<AllocationExplanation[]> {
    const keys = new Map<string, ShardKey>();
    for (const s of shards) {
      if (s.state !== 'UNASSIGNED') continue;
      keys.set(`${s.index}/${s.shard}/${s.primary}`, { index: s.index, shard: s.shard, primary: s.primary });
    }
    const max = this.options.maxExplanations ?? 500;
    if (keys.size > max) this.log.debug({ unassigned: keys.size, explained: max }, 'explaining only the first unassigned copies');
    const wanted = [...keys.values()].slice(0, max);
    const results = await mapLimit(wanted, this.options.explainConcurrency ?? 4, (key) =>
      this.call('POST _cluster/allocation/explain', async () => {
        try {
          return await this.explainRaw(key);
        } catch (error) {
          // The copy got assigned or its index was deleted since _cat/shards: nothing to explain.
          const status = esStatusOf(error);
          if (status === 400 || status === 404) return undefined;
          throw error;
        }
      }),
    );
    return results.filter((r): r is AllocationExplanation => r !== undefined);
  }

  private async explainRaw(shard: ShardKey): Promise<AllocationExplanation> {
    const body = await this.client.cluster.allocationExplain({
      index: shard.index,
      shard: shard.shard,
      primary: shard.primary,
      include_yes_decisions: false,
    });
    return toAllocationExplanation(body);
  }

  /** Retries transient failures, then translates what is left into a ServiceError. */
  private async call<T>(what: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    try {
      return await withRetry(fn, { log: this.log, what, options: this.options.retry, signal });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw toEsServiceError(error, what);
    }
  }
}
