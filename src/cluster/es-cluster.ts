// The Cluster port against a real Elasticsearch cluster (7.17, 8.x, 9.x servers).

import { promisify } from 'node:util';
import { unzip } from 'node:zlib';
import { errors, type Client } from '@elastic/elasticsearch';
import type { Logger } from '../shared/log.ts';
import { withRetry, type RetryOptions } from '../shared/retry.ts';
import type { AllocationExplanation, AllocationSettings, ClusterHealth, ClusterSnapshot, ShardCopy } from '../upgrade/model.ts';
import type { Cluster, HealthWait } from '../upgrade/ports.ts';
import { CatShardsReader } from './cat-shards-reader.ts';
import { esStatusOf, toEsServiceError } from './es-error.ts';
import { ExplanationCache } from './explanation-cache.ts';
import {
  CAT_SHARDS_COLUMNS,
  toAllocationEnable,
  toAllocationExcludeNames,
  toAllocationExplanation,
  toAllocationSettings,
  toAwareness,
  toClusterHealth,
  toEsNodes,
  toMasterNodeId,
  toVotingConfigExclusions,
  toVotingConfigNodeIds,
  ExplainPool,
  type ClusterStateBody,
  type HealthBody,
  type SettingsBody,
} from './es-read-model.ts';
import { mapLimit } from './map-limit.ts';

export interface EsClusterOptions {
  retry?: RetryOptions;
  /** Explain calls in flight at once (default 8). */
  explainConcurrency?: number;
  /** Added to a long poll's server timeout for the client-side request timeout (default 15 s). */
  longPollGraceMs?: number;
}

type ShardKey = Pick<ShardCopy, 'index' | 'shard' | 'primary'>;

export class EsCluster implements Cluster {
  private readonly client: Client;
  private readonly log: Logger;
  private readonly options: EsClusterOptions;
  /** Every unassigned copy is judged, but only copies whose state changed are explained again. */
  private readonly explanations = new ExplanationCache();
  /** Every copy is read every tick, made anew only when it changed. */
  private readonly catShards = new CatShardsReader();

  constructor(client: Client, log: Logger, options: EsClusterOptions = {}) {
    this.client = client;
    this.log = log;
    this.options = options;
  }

  async observe(signal?: AbortSignal): Promise<ClusterSnapshot> {
    const req = signal ? { signal } : {};
    const [nodes, health, shards, state, settingsBody] = await Promise.all([
      this.call(
        'GET _nodes',
        () =>
          this.client.nodes.info(
            { filter_path: ['nodes.*.name', 'nodes.*.ip', 'nodes.*.version', 'nodes.*.roles', 'nodes.*.attributes'] },
            req,
          ),
        signal,
      ),
      this.call('GET _cluster/health', () => this.client.cluster.health({}, req), signal),
      this.call('GET _cat/shards', async () => this.catShards.read(await this.catShardsText(signal)), signal),
      this.call<ClusterStateBody>(
        'GET _cluster/state',
        () =>
          this.client.cluster.state(
            {
              metric: ['master_node', 'metadata'],
              filter_path: [
                'master_node',
                'metadata.cluster_coordination.last_committed_config',
                'metadata.cluster_coordination.voting_config_exclusions',
              ],
            },
            req,
          ),
        signal,
      ),
      this.readSettings(signal),
    ]);
    const settings = toAllocationSettings(settingsBody);
    const snapshot: ClusterSnapshot = {
      nodes: toEsNodes(nodes),
      masterNodeId: toMasterNodeId(state),
      health: toClusterHealth(health),
      shards,
      allocationEnable: toAllocationEnable(settings),
      allocationExcludeNames: toAllocationExcludeNames(settings),
      settings,
      votingConfigNodeIds: toVotingConfigNodeIds(state),
      votingConfigExclusions: toVotingConfigExclusions(state),
      awareness: toAwareness(settingsBody),
    };
    // Explanations are only worth their cost once recoveries have settled (version-conflict judgement).
    const h = snapshot.health;
    if (h.unassignedShards > 0 && h.initializingShards === 0 && h.relocatingShards === 0) {
      snapshot.unassignedExplanations = await this.explainAll(snapshot, signal);
    } else {
      this.explanations.clear();
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

  async explainUnassigned(shard: ShardKey, signal?: AbortSignal): Promise<AllocationExplanation> {
    return this.call('POST _cluster/allocation/explain', () => this.explainRaw(shard, signal), signal);
  }

  async putSettings(settings: Partial<AllocationSettings>, signal?: AbortSignal): Promise<void> {
    const entries = Object.entries(settings);
    if (entries.length === 0) return;
    const current = toAllocationSettings(await this.readSettings(signal));
    const persistent: Record<string, string | null> = {};
    const transient: Record<string, string | null> = {};
    for (const [key, value] of entries) {
      persistent[key] = value.persistent;
      // Only touch the transient layer when it holds or gets a value: any transient update logs a
      // deprecation warning on 8.x+.
      if (value.transient !== null || current[key as keyof AllocationSettings].transient !== null) transient[key] = value.transient;
    }
    await this.call(
      `PUT _cluster/settings ${Object.keys(settings).join(', ')}`,
      () =>
        this.client.cluster.putSettings(
          { persistent, ...(Object.keys(transient).length > 0 ? { transient } : {}) },
          signal ? { signal } : {},
        ),
      signal,
    );
    this.log.info({ persistent, transient }, 'cluster settings updated');
  }

  async allocateReplica(shard: { index: string; shard: number }, nodeName: string, signal?: AbortSignal): Promise<void> {
    await this.call(
      'POST _cluster/reroute allocate_replica',
      () =>
        this.client.cluster.reroute(
          { metric: 'none', commands: [{ allocate_replica: { index: shard.index, shard: shard.shard, node: nodeName } }] },
          signal ? { signal } : {},
        ),
      signal,
    );
  }

  async excludeFromVoting(nodeIds: string[], signal?: AbortSignal): Promise<void> {
    await this.call(
      'POST _cluster/voting_config_exclusions',
      () => this.client.cluster.postVotingConfigExclusions({ node_ids: nodeIds.join(',') }, signal ? { signal } : {}),
      signal,
    );
    this.log.info({ nodeIds }, 'excluded from the voting configuration');
  }

  async clearVotingExclusions(signal?: AbortSignal): Promise<void> {
    await this.call(
      'DELETE _cluster/voting_config_exclusions',
      () => this.client.cluster.deleteVotingConfigExclusions({ wait_for_removal: false }, signal ? { signal } : {}),
      signal,
    );
    this.log.info('voting configuration exclusions cleared');
  }

  private readSettings(signal?: AbortSignal): Promise<SettingsBody> {
    return this.call(
      'GET _cluster/settings',
      () => this.client.cluster.getSettings({ flat_settings: true, include_defaults: false }, signal ? { signal } : {}),
      signal,
    );
  }

  /**
   * `_cat/shards` as text for readCatShards: the client would first parse it into a row object per
   * copy. Taken as a stream, so the statuses the client would throw for are thrown here, as its own
   * ResponseError (retried and reported as any other call's).
   */
  private async catShardsText(signal?: AbortSignal): Promise<string> {
    const result = await this.client.cat.shards(
      { format: 'json', h: [...CAT_SHARDS_COLUMNS] },
      { asStream: true, meta: true, ...(signal ? { signal } : {}) },
    );
    const text = await responseText(result.body, result.headers?.['content-encoding']);
    if (result.statusCode === null || result.statusCode >= 400) {
      throw new errors.ResponseError({ ...result, body: jsonOrText(text) });
    }
    return text;
  }

  /** Every unassigned copy, explained anew only when it or the cluster's shape changed since the last tick. */
  private async explainAll(snapshot: ClusterSnapshot, signal?: AbortSignal): Promise<AllocationExplanation[]> {
    const { fresh, stale } = this.explanations.plan(snapshot);
    if (stale.length > 0) this.log.debug({ unassigned: fresh.length + stale.length, explaining: stale.length }, 'explaining unassigned copies');
    // This batch's answers share their equal node decisions (most nodes refuse most copies alike).
    const pool = new ExplainPool();
    const results = await mapLimit(stale, this.options.explainConcurrency ?? 8, (copy) =>
      this.call(
        'POST _cluster/allocation/explain',
        async () => {
          try {
            return await this.explainRaw(copy, signal, pool);
          } catch (error) {
            // The copy got assigned or its index was deleted since _cat/shards: nothing to explain.
            const status = esStatusOf(error);
            if (status === 400 || status === 404) return undefined;
            throw error;
          }
        },
        signal,
      ),
    );
    stale.forEach((copy, i) => this.explanations.store(copy, results[i]));
    return [...fresh, ...results.filter((r): r is AllocationExplanation => r !== undefined)];
  }

  private async explainRaw(shard: ShardKey, signal?: AbortSignal, pool?: ExplainPool): Promise<AllocationExplanation> {
    const body = await this.client.cluster.allocationExplain(
      { index: shard.index, shard: shard.shard, primary: shard.primary, include_yes_decisions: false },
      signal ? { signal } : {},
    );
    return toAllocationExplanation(body, pool);
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

const unzipped = promisify(unzip);

/** A streamed body as text: a stream (a real connection), or a string or Buffer (a mocked one). */
async function responseText(body: unknown, encoding: string | undefined): Promise<string> {
  let bytes: Buffer;
  if (typeof body === 'string') return body;
  if (Buffer.isBuffer(body)) bytes = body;
  else {
    // Decoded once whole: a character may straddle two chunks.
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<Buffer | string>) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    bytes = Buffer.concat(chunks);
  }
  if (encoding !== undefined && /gzip|deflate/i.test(encoding)) bytes = await unzipped(bytes);
  return bytes.toString('utf8');
}

function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
