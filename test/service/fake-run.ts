// A scripted stand-in for planUpgrade/runUpgrade behind the service: emits the events a real run
// would, then waits for the test to let it finish, or for a cancel.

import { InterruptedError } from '../../src/shared/errors.ts';
import type { EventSink, UpgradeReport } from '../../src/upgrade/plan-model.ts';
import type { ServiceRunSpec } from '../../src/service/run-request.ts';
import { aReport } from '../support/report-builder.ts';

const at = (s: number): string => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

export interface FakeRuns {
  startRun: (spec: ServiceRunSpec, onEvent: EventSink, signal: AbortSignal) => Promise<UpgradeReport>;
  /** Let the oldest waiting run complete. */
  finish(): void;
  started: ServiceRunSpec[];
  signals: AbortSignal[];
}

export function fakeRuns(): FakeRuns {
  const gates: (() => void)[] = [];
  const fake: FakeRuns = {
    started: [],
    signals: [],
    finish: () => gates.shift()?.(),
    startRun: async (spec, onEvent, signal) => {
      fake.started.push(spec);
      fake.signals.push(signal);
      onEvent({ type: 'phase', at: at(1), phase: 'data', nodes: 2 });
      onEvent({ type: 'node-start', at: at(2), node: 'es-data-1', instanceId: 'i-0aaa', index: 1, total: 2 });
      onEvent({ type: 'call', at: at(2), service: 'aws', operation: 'TerminateInstanceInAutoScalingGroup', ok: true });
      onEvent({ type: 'call', at: at(3), service: 'elasticsearch', operation: 'cluster.health', ok: false });
      onEvent({ type: 'call', at: at(3), service: 'elasticsearch', operation: 'cluster.health', ok: true });
      onEvent({ type: 'wait', at: at(10), kind: 'node-join', node: 'es-data-1', detail: 'replacement of es-data-1', sinceMs: 5000, timeoutMs: 1_200_000 });
      await new Promise<void>((resolve) => {
        gates.push(resolve);
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
      if (signal.aborted) {
        const reason = signal.reason as InterruptedError;
        onEvent({ type: 'wait-done', at: at(20), kind: 'node-join', node: 'es-data-1', durationMs: 15_000 });
        return { ...aReport('interrupted').withHaltedNode('es-data-1', 'i-0aaa').withMessage(reason.message).build(), exitCode: reason.exitCode };
      }
      onEvent({ type: 'wait-done', at: at(70), kind: 'node-join', node: 'es-data-1', durationMs: 65_000 });
      onEvent({ type: 'recovery', at: at(71), status: 'yellow', initializing: 2, relocating: 0, unassigned: 1 });
      onEvent({ type: 'wait-done', at: at(80), kind: 'green', durationMs: 9_000 });
      onEvent({ type: 'node-done', at: at(80), node: 'es-data-1', replacement: 'es-data-1b', durationMs: 78_000 });
      const report = aReport(spec.mode === 'plan' ? 'planned' : 'completed').withReplacedNode('es-data-1', 'i-0aaa', 'es-data-1b').build();
      onEvent({ type: 'finished', at: at(81), report });
      return report;
    },
  };
  return fake;
}
