// A fluent builder of UpgradeReport values for tests of the surfaces that consume reports.

import type { GroupLaunchCheck, NodeTimeline, PlanRow, RunOutcome, UpgradeReport } from '../../src/upgrade/plan-model.ts';

const exitCodes: Record<RunOutcome, number> = {
  'nothing-to-do': 0,
  completed: 0,
  planned: 0,
  refused: 3,
  halted: 4,
  interrupted: 143,
  failed: 1,
};

export class ReportBuilder {
  private report: UpgradeReport;

  constructor(outcome: RunOutcome) {
    this.report = {
      tool: 'es-rolling-upgrade',
      toolVersion: '0.1.0',
      schemaVersion: 1,
      mode: outcome === 'planned' ? 'plan' : 'run',
      outcome,
      message: `upgrade ${outcome}`,
      targetVersion: '9.5.4',
      order: 'data-first',
      strategy: 'replace',
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:10:00.000Z',
      durationMs: 600_000,
      plan: {
        targetVersion: '9.5.4',
        order: 'data-first',
        orderReason: 'data nodes first',
        strategy: 'replace',
        rows: [],
        orphans: { nodesWithoutInstance: [], instancesWithoutNode: [] },
        groups: [],
        toReplace: 0,
      },
      nodes: [],
      refusals: [],
      versionConflictsAccepted: [],
      replicasPlaced: [],
      terminatedInstanceIds: [],
      previouslyTerminatedInstanceIds: [],
      exitCode: exitCodes[outcome],
    };
  }

  withMessage(message: string): this {
    this.report.message = message;
    return this;
  }

  /**
   * A node replaced by this run: its instance counts as terminated. With `nameTag`, the report names
   * its terminated instances (terminatedInstances), this one with that Name tag.
   */
  withReplacedNode(nodeName: string, instanceId: string, replacement = `${nodeName}-new`, nameTag?: string): this {
    this.report.nodes.push(timeline(nodeName, instanceId, 'replaced', replacement));
    this.terminated(instanceId, nameTag);
    this.report.plan.toReplace += 1;
    return this;
  }

  /** A node whose instance was terminated but whose replacement never settled. */
  withHaltedNode(nodeName: string, instanceId: string, nameTag?: string): this {
    this.report.nodes.push(timeline(nodeName, instanceId, 'halted'));
    this.terminated(instanceId, nameTag);
    this.report.plan.toReplace += 1;
    return this;
  }

  /** A row of the plan (a data node to replace unless told otherwise). */
  withPlanRow(row: Partial<PlanRow> & { nodeName: string }): this {
    const full: PlanRow = { step: 1, phase: 'data', nodeId: `${row.nodeName}-id`, roles: ['data'], esVersion: '9.4.5', isElectedMaster: false, action: 'replace', reason: 'Version=9.4.5, target 9.5.4', ...row };
    this.report.plan.rows.push(full);
    if (full.action === 'replace') this.report.plan.toReplace += 1;
    return this;
  }

  withGroup(group: GroupLaunchCheck): this {
    this.report.plan.groups.push(group);
    return this;
  }

  /** A node of the cluster for which no instance was found. */
  withOrphanNode(nodeName: string): this {
    this.report.plan.orphans.nodesWithoutInstance.push({ nodeName, nodeId: `${nodeName}-id`, ip: '10.0.0.99' });
    return this;
  }

  private terminated(instanceId: string, nameTag: string | undefined): void {
    this.report.terminatedInstanceIds.push(instanceId);
    if (nameTag !== undefined && this.report.terminatedInstances === undefined) {
      this.report.terminatedInstances = this.report.terminatedInstanceIds.slice(0, -1).map((id) => ({ instanceId: id, groupName: 'es-data' }));
    }
    this.report.terminatedInstances?.push({ instanceId, ...(nameTag !== undefined ? { name: nameTag } : {}), groupName: 'es-data' });
  }

  withPreviouslyTerminated(...instanceIds: string[]): this {
    this.report.previouslyTerminatedInstanceIds.push(...instanceIds);
    return this;
  }

  withRefusal(rule: string, reason: string, node?: string): this {
    this.report.refusals.push(node === undefined ? { rule, reason } : { rule, reason, node });
    return this;
  }

  build(): UpgradeReport {
    return structuredClone(this.report);
  }
}

export function aReport(outcome: RunOutcome = 'completed'): ReportBuilder {
  return new ReportBuilder(outcome);
}

function timeline(
  nodeName: string,
  instanceId: string,
  outcome: NodeTimeline['outcome'],
  replacement?: string,
): NodeTimeline {
  return {
    nodeName,
    instanceId,
    phase: 'data',
    ...(replacement === undefined ? {} : { replacementNodeName: replacement }),
    startedAt: '2026-01-01T00:01:00.000Z',
    finishedAt: '2026-01-01T00:04:00.000Z',
    durationMs: 180_000,
    waits: [{ kind: 'node-join', startedAt: '2026-01-01T00:01:30.000Z', durationMs: 60_000, outcome: 'met' }],
    outcome,
  };
}
