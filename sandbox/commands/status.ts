// `status`: the cluster as Elasticsearch sees it, the fleet as AWS (moto) sees it, and the agent's
// processes, side by side.

import { join } from 'node:path';
import { createAwsClients } from '../aws-clients.ts';
import { launchPhase, terminationPhase, type LayerState } from '../aws-lifecycle.ts';
import { EsHttp } from '../es-http.ts';
import type { AgentNodeRecord } from '../fleet-agent.ts';
import { observeFleet } from '../fleet-observer.ts';
import { paths, readJsonFile, readState } from '../sandbox-state.ts';

interface NodesInfo {
  nodes: Record<string, { name: string; version: string; roles: string[]; attributes: Record<string, string> }>;
}

export async function status(): Promise<string> {
  const state = readState();
  const http = new EsHttp([state.esUrl]);
  const out: string[] = [];
  try {
    const health = await http.json<Record<string, unknown>>('GET', '/_cluster/health');
    const master = await http.json<{ master_node?: string }>('GET', '/_cluster/state/master_node');
    const info = await http.json<NodesInfo>('GET', '/_nodes/_all/settings?filter_path=nodes.*.name,nodes.*.version,nodes.*.roles,nodes.*.attributes');
    out.push(`cluster ${state.clusterName} at ${state.esUrl}: ${String(health.status)}, ${String(health.number_of_nodes)} nodes, `
      + `unassigned ${String(health.unassigned_shards)}, initializing ${String(health.initializing_shards)}, relocating ${String(health.relocating_shards)}`);
    for (const [id, node] of Object.entries(info.nodes).sort((a, b) => a[1].name.localeCompare(b[1].name))) {
      out.push(`  node ${node.name} ${node.version} [${node.roles.join(',')}] instance=${node.attributes.instance_id ?? '-'} zone=${node.attributes.zone ?? '-'}${id === master.master_node ? ' (elected master)' : ''}`);
    }
  } catch (error) {
    out.push(`cluster ${state.clusterName} at ${state.esUrl}: unreachable (${error instanceof Error ? error.message : String(error)})`);
  }
  const view = await observeFleet(createAwsClients(state.awsEndpoint, state.region), state.fleets.map((f) => f.groupName));
  for (const group of view.groups) {
    out.push(`group ${group.name}: desired ${group.desired}, members ${group.members.map((m) => `${m.id}(${m.lifecycleState ?? '?'}, lt v${m.launchTemplateVersion ?? '?'})`).join(' ')}`);
  }
  const layer = readJsonFile<LayerState>(join(paths.aws, 'state.json'), { terminations: [], launches: [] });
  const now = Date.now();
  for (const t of layer.terminations) {
    out.push(`  fault layer: ${t.instanceId} ${terminationPhase(t, now)} since the terminate ${((now - t.requestedAt) / 1000).toFixed(1)} s ago`
      + ` (lag ${t.terminatingMs} + ${t.waitMs} ms, replacement ${t.replacement}, ${t.requests} terminate call(s))`);
  }
  for (const l of layer.launches) out.push(`  fault layer: ${l.instanceId} ${launchPhase(l, now)} (launched ${((now - l.launchedAt) / 1000).toFixed(1)} s ago)`);
  const records = new Map(readJsonFile<AgentNodeRecord[]>(paths.agentNodes, []).map((r) => [r.instanceId, r]));
  for (const instance of view.instances.sort((a, b) => (a.launchTime?.getTime() ?? 0) - (b.launchTime?.getTime() ?? 0))) {
    const record = records.get(instance.id);
    const process = record ? `es ${record.version} ${record.status}${record.faults.length ? ` faults=${record.faults.join(',')}` : ''} http=${record.httpPort}` : 'no process';
    out.push(`  instance ${instance.id} ${instance.state} ${instance.groupName ?? '-'} Version=${instance.tags.Version ?? '-'} ${instance.availabilityZone ?? ''} | ${process}`);
  }
  return out.join('\n');
}
