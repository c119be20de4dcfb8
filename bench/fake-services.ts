// Elasticsearch and AWS as HTTP services answering from a bench world, so the benchmarks run the real
// adapters and the real clients (their serialization, parsing and signing) against a cluster of any
// size: Elasticsearch's REST API as JSON, EC2 and Auto Scaling's Query API as XML. Answers are built
// once per world where they can be (every tick reads the same world), so that the process measured,
// not this one, does the parsing.
//
// EC2 answers carry the fields a real DescribeInstances item has (block devices, network interface,
// security groups...), about 3 KB an instance as AWS sends them: the parsing cost is the real one.

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CAT_SHARDS_COLUMNS } from '../src/cluster/es-read-model.ts';
import type { AutoScalingGroup, Ec2Instance } from '../src/upgrade/model.ts';
import { VERSION_TAG, type BenchWorld } from './synthetic-world.ts';

export interface FakeServices {
  esUrl: string;
  awsUrl: string;
  /** Calls so far, by "METHOD path" (Elasticsearch) or Action (AWS). */
  calls(): Record<string, number>;
  close(): Promise<void>;
}

const INSTANCE_STATE_CODE: Record<string, number> = { pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80 };

export async function startFakeServices(world: BenchWorld): Promise<FakeServices> {
  const counts: Record<string, number> = {};
  const count = (key: string): void => {
    counts[key] = (counts[key] ?? 0) + 1;
  };
  const es = jsonBodies(world);
  const itemXml = new Map(world.fleet.instances.map((i) => [i.id, instanceXml(i)]));

  const esServer = createServer((req, res) => {
    void readBody(req).then((body) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      count(`${req.method ?? 'GET'} ${url.pathname}`);
      const answer = answerEs(req.method ?? 'GET', url, body, es, world);
      res.writeHead(answer.status, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
      res.end(answer.body);
    });
  });
  const awsServer = createServer((req, res) => {
    void readBody(req).then((body) => {
      const params = new URLSearchParams(body);
      const action = params.get('Action') ?? '?';
      count(action);
      const answer = answerAws(action, params, world, itemXml);
      res.writeHead(answer.status, { 'content-type': 'text/xml' });
      res.end(answer.body);
    });
  });
  const [esPort, awsPort] = await Promise.all([listen(esServer), listen(awsServer)]);
  return {
    esUrl: `http://127.0.0.1:${esPort}`,
    awsUrl: `http://127.0.0.1:${awsPort}`,
    calls: () => ({ ...counts }),
    close: async () => {
      esServer.closeAllConnections();
      awsServer.closeAllConnections();
      await Promise.all([new Promise((r) => esServer.close(r)), new Promise((r) => awsServer.close(r))]);
    },
  };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

// --- Elasticsearch ---------------------------------------------------------------------------------

interface JsonBodies {
  nodes: string;
  health: string;
  shards: string;
  state: string;
  settings: string;
}

function jsonBodies(world: BenchWorld): JsonBodies {
  return {
    nodes: JSON.stringify(world.es.nodes),
    health: JSON.stringify(world.es.health),
    shards: JSON.stringify(world.es.shards),
    state: JSON.stringify(world.es.state),
    settings: JSON.stringify(world.es.settings),
  };
}

function answerEs(method: string, url: URL, body: string, es: JsonBodies, world: BenchWorld): { status: number; body: string } {
  const path = url.pathname;
  if (path === '/_nodes') return ok(es.nodes);
  if (path === '/_cluster/health') return ok(es.health);
  // Elasticsearch names each column as asked: the rows are built in the one shape the adapter asks for.
  if (path === '/_cat/shards' && url.searchParams.get('format') === 'json' && url.searchParams.get('h') === CAT_SHARDS_COLUMNS.join(',')) {
    return ok(es.shards);
  }
  if (path.startsWith('/_cluster/state')) return ok(es.state);
  if (path === '/_cluster/settings' && method === 'GET') return ok(es.settings);
  if (path === '/_cluster/allocation/explain') {
    const q = JSON.parse(body || '{}') as { index?: string; shard?: number; primary?: boolean };
    const answer = world.es.explainJson(`${q.index ?? ''}/${q.shard ?? 0}/${String(q.primary ?? false)}`);
    return answer ? ok(answer) : { status: 400, body: JSON.stringify({ error: { type: 'illegal_argument_exception' }, status: 400 }) };
  }
  return { status: 404, body: JSON.stringify({ error: `the bench does not serve ${method} ${path}${url.search}`, status: 404 }) };
}

const ok = (body: string): { status: number; body: string } => ({ status: 200, body });

// --- AWS (Query API) -------------------------------------------------------------------------------

const EC2_NS = 'http://ec2.amazonaws.com/doc/2016-11-15/';
const ASG_NS = 'http://autoscaling.amazonaws.com/doc/2011-01-01/';

function answerAws(action: string, params: URLSearchParams, world: BenchWorld, itemXml: Map<string, string>): { status: number; body: string } {
  if (action === 'DescribeInstances') return describeInstances(params, world.fleet.instances, itemXml);
  if (action === 'DescribeAutoScalingGroups') return describeGroups(params, world);
  if (action === 'DescribeLaunchTemplateVersions') return describeTemplateVersions(world);
  return {
    status: 400,
    body: `<Response><Errors><Error><Code>InvalidAction</Code><Message>the bench does not serve ${esc(action)}</Message></Error></Errors><RequestID>bench</RequestID></Response>`,
  };
}

/** Filter.N.Name / Filter.N.Value.M as name -> values. */
function filtersOf(params: URLSearchParams): Map<string, string[]> {
  const filters = new Map<string, string[]>();
  for (const [key, value] of params) {
    const name = /^Filter\.(\d+)\.Name$/.exec(key);
    if (name) filters.set(value, [...params].filter(([k]) => k.startsWith(`Filter.${name[1] ?? ''}.Value.`)).map(([, v]) => v));
  }
  return filters;
}

function describeInstances(params: URLSearchParams, instances: Ec2Instance[], itemXml: Map<string, string>): { status: number; body: string } {
  const filters = filtersOf(params);
  const matching = instances.filter((i) =>
    [...filters].every(([name, values]) => {
      if (name === 'private-ip-address') return i.privateIp !== undefined && values.includes(i.privateIp);
      if (name === 'instance-id') return values.includes(i.id);
      if (name.startsWith('tag:')) {
        const value = i.tags[name.slice('tag:'.length)];
        return value !== undefined && values.includes(value);
      }
      throw new Error(`the bench does not know filter ${name}`);
    }),
  );
  const pageSize = Number(params.get('MaxResults') ?? 1000);
  const start = Number(params.get('NextToken') ?? 0);
  const page = matching.slice(start, start + pageSize);
  const next = start + pageSize < matching.length ? `<nextToken>${start + pageSize}</nextToken>` : '';
  const reservations = page
    .map((i) => `<item><reservationId>r-${i.id.slice(2)}</reservationId><ownerId>123456789012</ownerId><groupSet/><instancesSet>${itemXml.get(i.id) ?? ''}</instancesSet></item>`)
    .join('');
  return ok(`<?xml version="1.0" encoding="UTF-8"?>\n<DescribeInstancesResponse xmlns="${EC2_NS}"><requestId>bench</requestId><reservationSet>${reservations}</reservationSet>${next}</DescribeInstancesResponse>`);
}

/** One instance as a DescribeInstances item, with the fields AWS sends besides those read. */
function instanceXml(i: Ec2Instance): string {
  const tags = Object.entries(i.tags).map(([k, v]) => `<item><key>${esc(k)}</key><value>${esc(v)}</value></item>`).join('');
  const ip = i.privateIp ?? '';
  const dns = ip ? `ip-${ip.replaceAll('.', '-')}.eu-west-1.compute.internal` : '';
  const running = i.state !== 'terminated';
  const eni = running
    ? `<networkInterfaceSet><item><networkInterfaceId>eni-${i.id.slice(2)}</networkInterfaceId><subnetId>subnet-0bench</subnetId><vpcId>vpc-0bench</vpcId><description/><ownerId>123456789012</ownerId><status>in-use</status><macAddress>02:00:00:00:00:01</macAddress><privateIpAddress>${ip}</privateIpAddress><privateDnsName>${dns}</privateDnsName><sourceDestCheck>true</sourceDestCheck><groupSet><item><groupId>sg-0bench</groupId><groupName>elasticsearch</groupName></item></groupSet><attachment><attachmentId>eni-attach-${i.id.slice(2)}</attachmentId><deviceIndex>0</deviceIndex><status>attached</status><attachTime>2026-10-29T04:30:00.000Z</attachTime><deleteOnTermination>true</deleteOnTermination><networkCardIndex>0</networkCardIndex></attachment><privateIpAddressesSet><item><privateIpAddress>${ip}</privateIpAddress><privateDnsName>${dns}</privateDnsName><primary>true</primary></item></privateIpAddressesSet><ipv6AddressesSet/><interfaceType>interface</interfaceType></item></networkInterfaceSet>`
    : '<networkInterfaceSet/>';
  return (
    `<item><instanceId>${i.id}</instanceId><imageId>ami-0123456789abcdef0</imageId>` +
    `<instanceState><code>${INSTANCE_STATE_CODE[i.state] ?? 16}</code><name>${i.state}</name></instanceState>` +
    `<privateDnsName>${dns}</privateDnsName><dnsName/><reason/><keyName>elasticsearch</keyName><amiLaunchIndex>0</amiLaunchIndex><productCodes/>` +
    `<instanceType>r6g.2xlarge</instanceType><launchTime>${i.launchTime?.toISOString() ?? ''}</launchTime>` +
    `<placement><availabilityZone>${i.availabilityZone ?? ''}</availabilityZone><groupName/><tenancy>default</tenancy></placement>` +
    `<monitoring><state>disabled</state></monitoring>` +
    (running ? `<subnetId>subnet-0bench</subnetId><vpcId>vpc-0bench</vpcId>${ip ? `<privateIpAddress>${ip}</privateIpAddress>` : ''}` : '') +
    `<sourceDestCheck>true</sourceDestCheck><groupSet><item><groupId>sg-0bench</groupId><groupName>elasticsearch</groupName></item></groupSet>` +
    `<architecture>arm64</architecture><rootDeviceType>ebs</rootDeviceType><rootDeviceName>/dev/xvda</rootDeviceName>` +
    `<blockDeviceMapping><item><deviceName>/dev/xvda</deviceName><ebs><volumeId>vol-${i.id.slice(2)}</volumeId><status>attached</status><attachTime>2026-10-29T04:30:00.000Z</attachTime><deleteOnTermination>true</deleteOnTermination></ebs></item>` +
    `<item><deviceName>/dev/xvdb</deviceName><ebs><volumeId>vol-${i.id.slice(2)}b</volumeId><status>attached</status><attachTime>2026-10-29T04:30:00.000Z</attachTime><deleteOnTermination>true</deleteOnTermination></ebs></item></blockDeviceMapping>` +
    `<virtualizationType>hvm</virtualizationType><clientToken>bench-${i.id}</clientToken><tagSet>${tags}</tagSet><hypervisor>xen</hypervisor>` +
    eni +
    `<iamInstanceProfile><arn>arn:aws:iam::123456789012:instance-profile/elasticsearch</arn><id>AIPAEXAMPLE</id></iamInstanceProfile>` +
    `<ebsOptimized>true</ebsOptimized><enaSupport>true</enaSupport><cpuOptions><coreCount>8</coreCount><threadsPerCore>1</threadsPerCore></cpuOptions>` +
    `<capacityReservationSpecification><capacityReservationPreference>open</capacityReservationPreference></capacityReservationSpecification>` +
    `<hibernationOptions><configured>false</configured></hibernationOptions>` +
    `<metadataOptions><state>applied</state><httpTokens>required</httpTokens><httpPutResponseHopLimit>2</httpPutResponseHopLimit><httpEndpoint>enabled</httpEndpoint><httpProtocolIpv6>disabled</httpProtocolIpv6><instanceMetadataTags>disabled</instanceMetadataTags></metadataOptions>` +
    `<enclaveOptions><enabled>false</enabled></enclaveOptions><bootMode>uefi</bootMode><platformDetails>Linux/UNIX</platformDetails><usageOperation>RunInstances</usageOperation>` +
    `<usageOperationUpdateTime>2026-10-29T04:30:00.000Z</usageOperationUpdateTime>` +
    `<privateDnsNameOptions><hostnameType>ip-name</hostnameType><enableResourceNameDnsARecord>false</enableResourceNameDnsARecord><enableResourceNameDnsAAAARecord>false</enableResourceNameDnsAAAARecord></privateDnsNameOptions>` +
    `<maintenanceOptions><autoRecovery>default</autoRecovery></maintenanceOptions><currentInstanceBootMode>uefi</currentInstanceBootMode></item>`
  );
}

function describeGroups(params: URLSearchParams, world: BenchWorld): { status: number; body: string } {
  const asked = [...params].filter(([k]) => k.startsWith('AutoScalingGroupNames.member.')).map(([, v]) => v);
  const byId = new Map(world.fleet.instances.map((i) => [i.id, i]));
  const members = world.fleet.groups
    .filter((g) => asked.length === 0 || asked.includes(g.name))
    .map((g) => groupXml(g, byId, world.launchTemplateId))
    .join('');
  return ok(
    `<DescribeAutoScalingGroupsResponse xmlns="${ASG_NS}"><DescribeAutoScalingGroupsResult><AutoScalingGroups>${members}</AutoScalingGroups></DescribeAutoScalingGroupsResult>` +
      `<ResponseMetadata><RequestId>bench</RequestId></ResponseMetadata></DescribeAutoScalingGroupsResponse>`,
  );
}

function groupXml(g: AutoScalingGroup, byId: Map<string, Ec2Instance>, templateId: string): string {
  const template = `<LaunchTemplate><LaunchTemplateId>${templateId}</LaunchTemplateId><LaunchTemplateName>elasticsearch</LaunchTemplateName><Version>$Default</Version></LaunchTemplate>`;
  const instances = g.instanceIds
    .map((id) => {
      const i = byId.get(id);
      return (
        `<member><InstanceId>${id}</InstanceId><InstanceType>r6g.2xlarge</InstanceType><AvailabilityZone>${i?.availabilityZone ?? ''}</AvailabilityZone>` +
        `<LifecycleState>${i?.lifecycleState ?? 'InService'}</LifecycleState><HealthStatus>Healthy</HealthStatus>${template}<ProtectedFromScaleIn>false</ProtectedFromScaleIn></member>`
      );
    })
    .join('');
  return (
    `<member><AutoScalingGroupName>${esc(g.name)}</AutoScalingGroupName><AutoScalingGroupARN>arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:bench:autoScalingGroupName/${esc(g.name)}</AutoScalingGroupARN>` +
    `${template}<MinSize>${g.minSize}</MinSize><MaxSize>${g.maxSize}</MaxSize><DesiredCapacity>${g.desiredCapacity}</DesiredCapacity><DefaultCooldown>300</DefaultCooldown>` +
    `<AvailabilityZones><member>eu-west-1a</member><member>eu-west-1b</member><member>eu-west-1c</member></AvailabilityZones><HealthCheckType>EC2</HealthCheckType><HealthCheckGracePeriod>300</HealthCheckGracePeriod>` +
    `<CreatedTime>2026-01-01T00:00:00.000Z</CreatedTime><Instances>${instances}</Instances><SuspendedProcesses/><Tags/><TerminationPolicies><member>Default</member></TerminationPolicies>` +
    `<NewInstancesProtectedFromScaleIn>false</NewInstancesProtectedFromScaleIn></member>`
  );
}

function describeTemplateVersions(world: BenchWorld): { status: number; body: string } {
  const target = world.fleet.groups[0]?.launchVersion ?? '';
  return ok(
    `<DescribeLaunchTemplateVersionsResponse xmlns="${EC2_NS}"><requestId>bench</requestId><launchTemplateVersionSet><item>` +
      `<launchTemplateId>${world.launchTemplateId}</launchTemplateId><launchTemplateName>elasticsearch</launchTemplateName><versionNumber>2</versionNumber><defaultVersion>true</defaultVersion>` +
      `<launchTemplateData><imageId>ami-0123456789abcdef0</imageId><instanceType>r6g.2xlarge</instanceType><tagSpecificationSet><item><resourceType>instance</resourceType>` +
      `<tagSet><item><key>${VERSION_TAG}</key><value>${esc(target)}</value></item></tagSet></item></tagSpecificationSet></launchTemplateData>` +
      `</item></launchTemplateVersionSet></DescribeLaunchTemplateVersionsResponse>`,
  );
}

function esc(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

