// A cluster of Elasticsearch processes started directly (no AWS), for fixture captures and probes.

import { join } from 'node:path';
import { EsHttp } from './es-http.ts';
import { startNode, stopNode, writeNodeConfig, type EsNodeSpec } from './es-node.ts';
import { findFreePorts } from './free-port.ts';
import { waitFor } from './wait-for.ts';

export interface LocalNodeRequest {
  name: string;
  version: string;
  roles: string[];
  attributes?: Record<string, string>;
}

export interface LocalNode {
  spec: EsNodeSpec;
  url: string;
}

export interface LocalCluster {
  name: string;
  nodes: LocalNode[];
  /** Talks to the first node still listed (stopping a node removes it). */
  http: EsHttp;
  /** Starts more nodes into the running cluster (no bootstrap settings). */
  add(requests: LocalNodeRequest[]): Promise<LocalNode[]>;
  stop(nodeName: string): Promise<void>;
  stopAll(): Promise<void>;
}

export async function startLocalCluster(baseDir: string, clusterName: string, requests: LocalNodeRequest[]): Promise<LocalCluster> {
  const nodes: LocalNode[] = [];
  const seeds: string[] = [];
  const http = new EsHttp(() => nodes.map((n) => n.url));

  const create = async (batch: LocalNodeRequest[], bootstrap: boolean): Promise<LocalNode[]> => {
    const ports = await findFreePorts(batch.length * 2);
    const created = batch.map((request, i): LocalNode => {
      const transportPort = ports[2 * i + 1] ?? 0;
      if (request.roles.includes('master')) seeds.push(`127.0.0.1:${transportPort}`);
      return {
        url: `http://127.0.0.1:${ports[2 * i] ?? 0}`,
        spec: {
          dir: join(baseDir, request.name),
          clusterName,
          nodeName: request.name,
          version: request.version,
          roles: request.roles,
          httpPort: ports[2 * i] ?? 0,
          transportPort,
          seedHosts: [],
          attributes: request.attributes,
          initialMasterNodes: bootstrap ? batch.filter((r) => r.roles.includes('master')).map((r) => r.name) : undefined,
        },
      };
    });
    for (const node of created) {
      writeNodeConfig({ ...node.spec, seedHosts: seeds });
      startNode(node.spec);
    }
    nodes.push(...created);
    const expected = nodes.length;
    await waitFor(
      async () => {
        const health = await http.json<{ number_of_nodes: number }>('GET', `/_cluster/health?wait_for_nodes=${expected}&timeout=5s`);
        return health.number_of_nodes === expected ? true : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 1000, what: `${expected} nodes in ${clusterName}` },
    );
    return created;
  };

  const cluster: LocalCluster = {
    name: clusterName,
    nodes,
    http,
    add: (batch) => create(batch, false),
    async stop(nodeName) {
      const index = nodes.findIndex((n) => n.spec.nodeName === nodeName);
      const node = nodes[index];
      if (!node) throw new Error(`no node ${nodeName}`);
      nodes.splice(index, 1);
      await stopNode(node.spec.dir);
    },
    async stopAll() {
      await Promise.all(nodes.splice(0).map((n) => stopNode(n.spec.dir)));
    },
  };
  try {
    await create(requests, true);
  } catch (error) {
    await cluster.stopAll();
    throw error;
  }
  return cluster;
}
