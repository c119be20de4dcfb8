// Every API call of the simulated world passes here: it costs virtual time (per-call latency), is
// counted by operation, and may fail the way real services fail under load (throttling, a 503, a
// dropped connection). A failure here never reaches the world: the call did not land.

import { ServiceError } from '../shared/errors.ts';
import type { IdSource } from './id-source.ts';
import type { SimulatedClock } from './simulated-clock.ts';

export type Service = 'elasticsearch' | 'aws';

/** How a failing call fails; each is transient (later, not never) as the real one is. */
export type FaultKind =
  | 'Throttling'
  | 'RequestLimitExceeded'
  | 'ScalingActivityInProgress'
  | 'ResourceContention'
  | 'ServiceUnavailable'
  | 'TooManyRequests'
  | 'ConnectionError';

export interface ApiFault {
  /**
   * The operation that fails: `fleet.observe`, `terminateInGroup` (AWS); `observe`, `waitForHealth`,
   * `explainUnassigned`, `putSettings`, `allocateReplica`, `excludeFromVoting`,
   * `clearVotingExclusions`, `lease.read`, `lease.create`, `lease.replace`, `lease.remove`
   * (Elasticsearch); or `*` for every operation.
   */
  operation: string;
  /** Fail this many calls (default: 1 without a probability, unlimited with one). */
  count?: number;
  /** Fail each call with this probability, drawn from the world's seed (default: every call). */
  probability?: number;
  /** Let this many calls through before failing any (default 0). */
  skip?: number;
  /** Default: `Throttling` for AWS operations, `ServiceUnavailable` for Elasticsearch ones. */
  kind?: FaultKind;
}

export interface LatencySpec {
  /** Virtual milliseconds every API call takes (default 0: answered in the same instant). */
  defaultMs?: number;
  /** Per operation, overriding the default (e.g. `{ 'fleet.observe': 800 }`). */
  perOperationMs?: Record<string, number>;
}

interface ArmedFault {
  spec: ApiFault;
  seen: number;
  failed: number;
}

export class ApiGate {
  readonly #clock: SimulatedClock;
  readonly #random: IdSource;
  readonly #latency: LatencySpec;
  readonly #faults: ArmedFault[] = [];
  readonly #calls = new Map<string, number>();
  readonly #failures = new Map<string, number>();

  /** @param random draws the fault probabilities: its own seeded source, so ids do not shift with faults. */
  constructor(clock: SimulatedClock, random: IdSource, latency: LatencySpec = {}, faults: ApiFault[] = []) {
    this.#clock = clock;
    this.#random = random;
    this.#latency = latency;
    for (const fault of faults) this.injectFault(fault);
  }

  injectFault(fault: ApiFault): void {
    if (fault.probability !== undefined && !(fault.probability >= 0 && fault.probability <= 1)) {
      throw new Error(`fault probability must be within 0..1, got ${fault.probability}`);
    }
    this.#faults.push({ spec: { ...fault }, seen: 0, failed: 0 });
  }

  /** Calls made to `operation` so far, failed ones included (all operations when omitted). */
  calls(operation?: string): number {
    if (operation !== undefined) return this.#calls.get(operation) ?? 0;
    let total = 0;
    for (const n of this.#calls.values()) total += n;
    return total;
  }

  /** Calls to `operation` the injected faults failed. */
  failures(operation?: string): number {
    if (operation !== undefined) return this.#failures.get(operation) ?? 0;
    let total = 0;
    for (const n of this.#failures.values()) total += n;
    return total;
  }

  latencyMs(operation: string): number {
    return this.#latency.perOperationMs?.[operation] ?? this.#latency.defaultMs ?? 0;
  }

  /**
   * Make the call: after its latency, either fail it (an injected fault; `onFault` hears of it) or
   * run `answer` against the world as it is then.
   */
  call<T>(
    service: Service,
    operation: string,
    signal: AbortSignal | undefined,
    answer: () => T,
    onFault?: (error: ServiceError) => void,
  ): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    this.#calls.set(operation, (this.#calls.get(operation) ?? 0) + 1);
    return this.#clock.respond(
      operation,
      () => {
        const error = this.#fault(service, operation);
        if (error) {
          this.#failures.set(operation, (this.#failures.get(operation) ?? 0) + 1);
          onFault?.(error);
          throw error;
        }
        return answer();
      },
      { latencyMs: this.latencyMs(operation), signal },
    );
  }

  #fault(service: Service, operation: string): ServiceError | undefined {
    for (const armed of this.#faults) {
      const { spec } = armed;
      if (spec.operation !== operation && spec.operation !== '*') continue;
      armed.seen += 1;
      if (armed.seen <= (spec.skip ?? 0)) continue;
      const limit = spec.count ?? (spec.probability === undefined ? 1 : Infinity);
      if (armed.failed >= limit) continue;
      // Drawn only for probabilistic faults, so adding a counted fault changes no other draw.
      if (spec.probability !== undefined && this.#random.next() >= spec.probability) continue;
      armed.failed += 1;
      return faultError(service, operation, spec.kind ?? (service === 'aws' ? 'Throttling' : 'ServiceUnavailable'));
    }
    return undefined;
  }
}

const AWS_NAMES: Record<string, string> = { 'fleet.observe': 'DescribeAutoScalingGroups', terminateInGroup: 'TerminateInstanceInAutoScalingGroup' };

/** The error a real adapter would make of the service's answer (see src/cloud/aws-error.ts, src/cluster/es-error.ts). */
function faultError(service: Service, operation: string, kind: FaultKind): ServiceError {
  if (service === 'aws') {
    const what = AWS_NAMES[operation] ?? operation;
    const text: Record<FaultKind, string> = {
      Throttling: 'Throttling: Rate exceeded (HTTP 400)',
      RequestLimitExceeded: 'RequestLimitExceeded: Request limit exceeded. (HTTP 503)',
      ScalingActivityInProgress: 'ScalingActivityInProgressFault: Scaling activity is in progress and blocks this action (HTTP 400)',
      ResourceContention: 'ResourceContentionFault: You already have a pending update to an Auto Scaling resource (HTTP 500)',
      ServiceUnavailable: 'ServiceUnavailable: Service is unavailable (HTTP 503)',
      TooManyRequests: 'TooManyRequestsException: Too many requests (HTTP 429)',
      ConnectionError: 'TimeoutError: socket hang up',
    };
    return new ServiceError('aws', `${what} failed: ${text[kind]}`, { transient: true });
  }
  const text: Record<FaultKind, string> = {
    Throttling: 'HTTP 429, es_rejected_execution_exception: rejected execution',
    RequestLimitExceeded: 'HTTP 429, es_rejected_execution_exception: rejected execution',
    ScalingActivityInProgress: 'HTTP 503, master_not_discovered_exception',
    ResourceContention: 'HTTP 503, process_cluster_event_timeout_exception: failed to process cluster event within 30s',
    ServiceUnavailable: 'HTTP 503, cluster_block_exception: blocked by: [SERVICE_UNAVAILABLE/2/no master]',
    TooManyRequests: 'HTTP 429, circuit_breaking_exception: [parent] Data too large',
    ConnectionError: 'ConnectionError: connect ECONNREFUSED',
  };
  return new ServiceError('elasticsearch', `${operation} failed: ${text[kind]}`, { transient: true });
}
