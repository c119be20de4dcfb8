// The report's shape as a zod schema, from which schema/report.schema.json (the published JSON Schema)
// is generated. UpgradeReport stays the type the code writes to; the compiler holds the two together.

import { z } from 'zod';
import { REPORT_SCHEMA_VERSION, type UpgradeReport } from './plan-model.ts';

const timestamp = z.iso.datetime().meta({ id: 'Timestamp', description: 'ISO 8601, UTC' });
const count = z.number().int().min(0);
/** Milliseconds between two wall-clock readings: whole, but not promised to be positive. */
const millis = z.number().int();

const phase = z.enum(['master', 'data']);
const order = z.enum(['masters-first', 'data-first']);
const strategy = z.enum(['replace', 'drain']);
const waitKind = z.enum(['node-leave', 'node-join', 'yellow', 'green', 'drain', 'safe-to-proceed']);

const planRow = z.object({
  step: count.describe('1-based position in the order of replacement; 0 for kept nodes'),
  phase,
  nodeName: z.string(),
  nodeId: z.string(),
  roles: z.array(z.string()),
  esVersion: z.string(),
  isElectedMaster: z.boolean(),
  instanceId: z.string().optional(),
  groupName: z.string().optional(),
  availabilityZone: z.string().optional(),
  versionTag: z.string().optional().describe("the instance's version tag value"),
  action: z.enum(['keep', 'replace']),
  batch: z.number().int().min(1).optional().describe('with zone batches: the batch of data nodes this one goes in'),
  reason: z.string(),
}).meta({ id: 'PlanRow' });

const plan = z.object({
  targetVersion: z.string(),
  order,
  orderReason: z.string().describe('why this order'),
  strategy,
  rows: z.array(planRow),
  orphans: z.object({
    nodesWithoutInstance: z.array(z.object({ nodeName: z.string(), nodeId: z.string(), ip: z.string() })),
    instancesWithoutNode: z.array(
      z.object({ instanceId: z.string(), groupName: z.string().optional(), privateIp: z.string().optional(), state: z.string() }),
    ),
  }),
  groups: z.array(
    z.object({
      groupName: z.string(),
      launchVersion: z.string().optional(),
      source: z.string().optional(),
      atTarget: z.boolean(),
    }),
  ),
  toReplace: count.describe('number of nodes to replace'),
  batches: z
    .array(z.object({ number: z.number().int().min(1), zone: z.string(), nodeNames: z.array(z.string()) }))
    .optional()
    .describe('with --batch zone: the data nodes in batches, in order'),
  batchRefusal: z.string().optional().describe('why zone batches cannot be used here, when asked for'),
}).meta({ id: 'Plan' });

const nodeTimeline = z.object({
  nodeName: z.string(),
  instanceId: z.string().optional(),
  phase,
  replacementNodeName: z.string().optional(),
  replacementInstanceId: z.string().optional(),
  startedAt: timestamp,
  finishedAt: timestamp.optional(),
  durationMs: millis.optional(),
  waits: z.array(
    z.object({
      kind: waitKind,
      startedAt: timestamp,
      durationMs: millis.optional(),
      outcome: z.enum(['met', 'timed-out', 'interrupted']),
    }),
  ),
  outcome: z.enum(['replaced', 'halted', 'interrupted', 'in-progress']),
  batch: z.number().int().min(1).optional().describe('with zone batches: the batch this node went in'),
}).meta({ id: 'NodeTimeline' });

export const upgradeReportSchema = z
  .object({
    tool: z.literal('es-rolling-upgrade'),
    toolVersion: z.string().describe('the es-rolling-upgrade release that wrote the report'),
    schemaVersion: z
      .literal(REPORT_SCHEMA_VERSION)
      .describe('version of this schema: raised when a field is removed or changes meaning, not when one is added'),
    mode: z.enum(['plan', 'run']),
    outcome: z.enum(['nothing-to-do', 'completed', 'planned', 'refused', 'halted', 'interrupted', 'failed']),
    message: z.string().describe('one line saying what happened'),
    targetVersion: z.string(),
    order,
    strategy,
    startedAt: timestamp,
    finishedAt: timestamp,
    durationMs: millis,
    plan,
    nodes: z.array(nodeTimeline).describe('timeline per node touched'),
    refusals: z.array(z.object({ rule: z.string(), node: z.string().optional(), reason: z.string() })).describe('what a safety rule said no to'),
    versionConflictsAccepted: z.array(z.object({ index: z.string(), shard: count, explanation: z.string(), at: timestamp })),
    replicasPlaced: z
      .array(z.object({ index: z.string(), shard: count, node: z.string(), at: timestamp }))
      .describe('replicas the balancer held back that the run placed itself'),
    finalHealth: z.object({ status: z.string(), numberOfNodes: count, unassignedShards: count }).optional(),
    healthSamples: z
      .array(
        z.object({
          at: timestamp,
          status: z.string(),
          nodes: count,
          dataNodes: count,
          unassigned: count,
          initializing: count,
          relocating: count,
        }).meta({ id: 'HealthSample' }),
      )
      .optional()
      .describe('the cluster over the run: one sample per change, merged past 500 keeping the worst of each value'),
    terminatedInstanceIds: z.array(z.string()).describe('instances this run terminated, in order'),
    terminatedInstances: z
      .array(
        z.object({
          instanceId: z.string(),
          name: z.string().optional().describe("the instance's Name tag"),
          groupName: z.string().optional(),
        }).meta({ id: 'TerminatedInstance' }),
      )
      .optional()
      .describe('the instances of terminatedInstanceIds with their Name tag and group, to find their deployment targets'),
    previouslyTerminatedInstanceIds: z.array(z.string()).describe('instances terminated for the same target by earlier, interrupted runs'),
    exitCode: z.number().int().describe('the process exit code for this outcome'),
  })
  .meta({
    title: 'es-rolling-upgrade report',
    description: 'What `es-rolling-upgrade plan|run --report FILE` writes (and `--output json` prints).',
  });

// The compiler keeps the schema and the type in step: a field added to, removed from or retyped in
// only one of them fails `tsc`. Mutual assignability alone would let an optional field go missing.
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
export const reportSchemaMatchesType: Same<z.infer<typeof upgradeReportSchema>, UpgradeReport> = true;

/**
 * The published JSON Schema (draft-07, which most validators read). Objects stay open to fields they
 * do not name, so a report that gained a field in a later release still validates; the tests hold
 * real reports to the zod schema, which names every field.
 */
export function reportJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(upgradeReportSchema, { target: 'draft-7', io: 'input', unrepresentable: 'throw' });
}
