// A live read model of one run, folded from its progress events: what the progress view draws and
// what the service answers for GET /v1/runs/:id while the run goes. Pure; `applyEvent` mutates the
// model it is given (one per run) and returns it.

import type { Phase } from '../upgrade/model.ts';
import type { Refusal, RunOutcome, UpgradeEvent, UpgradeReport, WaitKind } from '../upgrade/plan-model.ts';

export interface LiveWait {
  kind: WaitKind;
  node?: string;
  detail: string;
  /** When the wait began (the first event for it minus its sinceMs). */
  startedAt: string;
  timeoutMs: number;
  durationMs?: number;
  state: 'waiting' | 'met';
}

export interface LiveNode {
  nodeName: string;
  instanceId?: string;
  index: number;
  total: number;
  phase?: Phase;
  startedAt: string;
  finishedAt?: string;
  durationMs?: number;
  replacementNodeName?: string;
  waits: LiveWait[];
  state: 'in-progress' | 'replaced';
}

export interface RunProgress {
  targetVersion?: string;
  toReplace?: number;
  phase?: Phase;
  phaseNodes?: number;
  current?: LiveNode;
  /** The wait under way, if any. */
  wait?: LiveWait;
  recovery?: { status: string; initializing: number; relocating: number; unassigned: number; at: string };
  lastAction?: { action: string; node?: string; instanceId?: string; detail: string; at: string };
  refusals: Refusal[];
  nodes: LiveNode[];
  replaced: number;
  calls: { elasticsearch: number; aws: number; errors: number };
  outcome?: RunOutcome;
  report?: UpgradeReport;
  lastEventAt?: string;
}

export function newRunProgress(): RunProgress {
  return { refusals: [], nodes: [], replaced: 0, calls: { elasticsearch: 0, aws: 0, errors: 0 } };
}

export function applyEvent(p: RunProgress, event: UpgradeEvent): RunProgress {
  p.lastEventAt = event.at;
  switch (event.type) {
    case 'plan':
      p.targetVersion = event.plan.targetVersion;
      p.toReplace = event.plan.toReplace;
      break;
    case 'phase':
      p.phase = event.phase;
      p.phaseNodes = event.nodes;
      break;
    case 'node-start': {
      const node: LiveNode = {
        nodeName: event.node,
        index: event.index,
        total: event.total,
        startedAt: event.at,
        waits: [],
        state: 'in-progress',
        ...(event.instanceId === undefined ? {} : { instanceId: event.instanceId }),
        ...(p.phase === undefined ? {} : { phase: p.phase }),
      };
      p.nodes.push(node);
      p.current = node;
      delete p.wait;
      break;
    }
    case 'refused':
      p.refusals = event.refusals;
      break;
    case 'action':
      p.lastAction = {
        action: event.action,
        detail: event.detail,
        at: event.at,
        ...(event.node === undefined ? {} : { node: event.node }),
        ...(event.instanceId === undefined ? {} : { instanceId: event.instanceId }),
      };
      break;
    case 'wait': {
      if (p.wait && p.wait.state === 'waiting' && p.wait.kind === event.kind && p.wait.node === event.node) {
        p.wait.detail = event.detail;
        p.wait.timeoutMs = event.timeoutMs;
        break;
      }
      const wait: LiveWait = {
        kind: event.kind,
        detail: event.detail,
        startedAt: new Date(Date.parse(event.at) - event.sinceMs).toISOString(),
        timeoutMs: event.timeoutMs,
        state: 'waiting',
        ...(event.node === undefined ? {} : { node: event.node }),
      };
      p.wait = wait;
      if (p.current && (event.node === undefined || event.node === p.current.nodeName)) p.current.waits.push(wait);
      break;
    }
    case 'wait-done':
      if (p.wait && p.wait.kind === event.kind) {
        p.wait.state = 'met';
        p.wait.durationMs = event.durationMs;
        delete p.wait;
      }
      break;
    case 'recovery':
      p.recovery = {
        status: event.status,
        initializing: event.initializing,
        relocating: event.relocating,
        unassigned: event.unassigned,
        at: event.at,
      };
      break;
    case 'version-conflicts':
      break;
    case 'node-done': {
      const node = [...p.nodes].reverse().find((n) => n.nodeName === event.node);
      if (node) {
        node.state = 'replaced';
        node.finishedAt = event.at;
        node.durationMs = event.durationMs;
        if (event.replacement !== undefined) node.replacementNodeName = event.replacement;
      }
      p.replaced += 1;
      if (p.current?.nodeName === event.node) delete p.current;
      delete p.wait;
      break;
    }
    case 'call':
      p.calls[event.service] += 1;
      if (!event.ok) p.calls.errors += 1;
      break;
    case 'finished':
      p.outcome = event.report.outcome;
      p.report = event.report;
      p.refusals = event.report.refusals;
      delete p.current;
      delete p.wait;
      break;
  }
  return p;
}
