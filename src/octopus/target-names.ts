// Which deployment targets (Tentacles) to have Octopus delete after a run: one per terminated
// instance, named by a template of its Name tag and id. A name is sent only when it can be the
// target of that instance alone: a name that several terminated instances share (a Name tag the
// group gives every member) is skipped, since deleting it could remove the wrong Tentacle. Pure.

import type { UpgradeReport } from '../upgrade/plan-model.ts';

/** The fields a template may use: `{name}` (the instance's Name tag) and `{instanceId}`. */
const TARGET_NAME_FIELDS = ['name', 'instanceId'] as const;
type Field = (typeof TARGET_NAME_FIELDS)[number];

/** Why a template is not valid, or undefined when it is. */
export function targetNameTemplateProblem(template: string): string | undefined {
  const fields = [...template.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1] ?? '');
  const unknown = fields.filter((f) => !(TARGET_NAME_FIELDS as readonly string[]).includes(f));
  const valid = TARGET_NAME_FIELDS.map((f) => `{${f}}`).join(' and ');
  if (unknown.length > 0) return `uses ${unknown.map((f) => `{${f}}`).join(', ')}; a template may use ${valid}, e.g. es-{instanceId}`;
  if (fields.length === 0) return `names no instance: use ${valid}, e.g. {name} or es-{instanceId}`;
  if (/[{}]/.test(template.replace(/\{(name|instanceId)\}/g, ''))) return 'has an unmatched { or }';
  return undefined;
}

export interface TargetToDelete {
  /** The target's name, as `delete-target machine=` takes it. */
  machine: string;
  instanceId: string;
}

export interface SkippedTarget {
  instanceId: string;
  why: string;
}

export interface TargetDeletions {
  targets: TargetToDelete[];
  skipped: SkippedTarget[];
}

interface Candidate {
  instanceId: string;
  name?: string | undefined;
  earlier: boolean;
}

/** The targets of the instances `report` says were terminated: this run's, then earlier runs'. */
export function targetsToDelete(report: UpgradeReport, template: string): TargetDeletions {
  const named = new Map((report.terminatedInstances ?? []).map((t) => [t.instanceId, t.name]));
  const candidates: Candidate[] = [];
  const seen = new Set<string>();
  for (const id of report.terminatedInstanceIds) {
    if (seen.has(id)) continue;
    seen.add(id);
    candidates.push({ instanceId: id, name: named.get(id), earlier: false });
  }
  for (const id of report.previouslyTerminatedInstanceIds) {
    if (seen.has(id)) continue;
    seen.add(id);
    candidates.push({ instanceId: id, earlier: true });
  }

  const skipped: SkippedTarget[] = [];
  const resolved: TargetToDelete[] = [];
  for (const c of candidates) {
    const machine = fill(template, c);
    if (machine === undefined) {
      skipped.push({
        instanceId: c.instanceId,
        why: c.earlier ? "terminated by an earlier, interrupted run: its Name tag is in that run's report" : 'it had no Name tag',
      });
    } else {
      resolved.push({ machine, instanceId: c.instanceId });
    }
  }

  const byMachine = new Map<string, TargetToDelete[]>();
  for (const t of resolved) byMachine.set(t.machine, [...(byMachine.get(t.machine) ?? []), t]);
  const targets: TargetToDelete[] = [];
  for (const t of resolved) {
    const sharing = byMachine.get(t.machine) ?? [];
    if (sharing.length === 1) targets.push(t);
    else skipped.push({ instanceId: t.instanceId, why: `${sharing.length.toString()} terminated instances would name the same target ${t.machine}` });
  }
  return { targets, skipped };
}

function fill(template: string, c: Candidate): string | undefined {
  const values: Record<Field, string | undefined> = { name: c.name, instanceId: c.instanceId };
  let missing = false;
  const machine = template.replace(/\{(name|instanceId)\}/g, (_all, field: Field) => {
    const value = values[field];
    if (value === undefined || value === '') missing = true;
    return value ?? '';
  });
  return missing ? undefined : machine;
}
