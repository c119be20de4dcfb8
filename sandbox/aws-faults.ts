// What the AWS fault layer (aws-fault-proxy.ts) does to the calls it passes to moto, kept in
// .sandbox/aws/faults.json: lifecycle lags that make the fleet as slow as real Auto Scaling, what a
// repeated terminate gets, and errors injected into named operations. The proxy re-reads the file
// when it changes, so a test or `npm run sandbox -- fault add ...` takes effect on the next call.

import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonFile, writeJsonFile } from './sandbox-state.ts';
import type { AwsService } from './aws-wire.ts';

export interface TerminateLag {
  /** Lifecycle `Terminating` after the call (the group deregisters, runs hooks). */
  terminatingMs: number;
  /** Then `Terminating:Wait` (a termination lifecycle hook) before the instance is shut down. */
  waitMs: number;
  /** Once shut down, EC2 reports `shutting-down` this long before `terminated`. */
  shuttingDownMs?: number;
  /** Only instances of this group; all when absent. */
  group?: string;
}

export interface LaunchLag {
  /** Lifecycle `Pending` (EC2 `pending`) after the group launched the instance. */
  pendingMs: number;
  /** Then `Pending:Wait` (EC2 `running`; a launch lifecycle hook) before `InService`. */
  waitMs: number;
  group?: string;
}

/**
 * When the group launches the replacement: `at-terminate` with the terminate call, while the old
 * instance is still terminating (Auto Scaling's default without an instance maintenance policy:
 * it does not wait for the termination to finish); `after-terminate` once the old one is shut down.
 */
export type ReplacementTiming = 'at-terminate' | 'after-terminate';

/** A terminate of an instance that is already terminating: an error (`reject`) or success again (`accept`). */
export type RepeatTerminate = 'reject' | 'accept';

export const AWS_ERROR_KINDS = [
  'throttling',
  'scaling-activity-in-progress',
  'resource-contention',
  'internal-error',
  'unavailable',
  'connection-reset',
] as const;
export type AwsErrorKind = (typeof AWS_ERROR_KINDS)[number];

export interface AwsErrorRule {
  /** Given by writeAwsFaults when absent; the proxy keeps what is left of a rule's count by id. */
  id?: string;
  /** The Query Action, e.g. `TerminateInstanceInAutoScalingGroup`, or `*` for every operation. */
  operation: string;
  error: AwsErrorKind;
  /** The next `count` matching calls (with `probability`: at most `count` hits). Unlimited when absent. */
  count?: number;
  /** Each matching call is hit with this probability, drawn from a generator seeded with `seed`. */
  probability?: number;
  seed?: number;
  /**
   * The call is carried out and only its answer is lost (the error or reset replaces it): the
   * ambiguous failure after which a client must look before it sends again.
   */
  landed?: boolean;
  /** Only calls naming this instance. */
  instanceId?: string;
}

export interface AwsFaultConfig {
  terminateLag?: TerminateLag;
  launchLag?: LaunchLag;
  /** Default `at-terminate`. */
  replacement?: ReplacementTiming;
  /** Default `reject`. */
  repeatTerminate?: RepeatTerminate;
  errors?: AwsErrorRule[];
}

export interface WireError {
  code: string;
  message: string;
  status: number;
  type: 'Sender' | 'Receiver';
}

/**
 * The wire error of each kind per service, as the services document them. The SDK names an error
 * by its modelled shape when there is one (`ScalingActivityInProgress` -> ScalingActivityInProgressFault,
 * `ResourceContention` -> ResourceContentionFault), else by the code itself.
 */
export const WIRE_ERRORS: Record<Exclude<AwsErrorKind, 'connection-reset'>, Partial<Record<AwsService, WireError>>> = {
  throttling: {
    autoscaling: { code: 'Throttling', message: 'Rate exceeded', status: 400, type: 'Sender' },
    ec2: { code: 'RequestLimitExceeded', message: 'Request limit exceeded.', status: 503, type: 'Receiver' },
  },
  'scaling-activity-in-progress': {
    autoscaling: { code: 'ScalingActivityInProgress', message: 'The operation can\'t be performed because there are scaling activities in progress.', status: 400, type: 'Sender' },
  },
  'resource-contention': {
    autoscaling: {
      code: 'ResourceContention',
      message: 'You already have a pending update to an Auto Scaling resource (for example, a group, instance, or load balancer).',
      status: 500,
      type: 'Receiver',
    },
  },
  'internal-error': {
    autoscaling: { code: 'InternalFailure', message: 'An internal error occurred.', status: 500, type: 'Receiver' },
    ec2: { code: 'InternalError', message: 'An internal error has occurred.', status: 500, type: 'Receiver' },
  },
  unavailable: {
    autoscaling: { code: 'ServiceUnavailable', message: 'The service is unavailable. Try again later.', status: 503, type: 'Receiver' },
    ec2: { code: 'Unavailable', message: 'The server is overloaded and can\'t handle the request.', status: 503, type: 'Receiver' },
  },
};

/** Operations that belong to one service only, to refuse an error that service cannot send. */
const EC2_PREFIXES = ['DescribeInstances', 'DescribeLaunchTemplate', 'TerminateInstances', 'CreateTags', 'RunInstances', 'DescribeImages'];

export function serviceOfOperation(operation: string): AwsService | undefined {
  if (operation === '*') return undefined;
  if (EC2_PREFIXES.some((p) => operation.startsWith(p))) return 'ec2';
  if (/AutoScaling|LifecycleAction|ScalingActivities|Standby|DetachInstances|AttachInstances|SetDesiredCapacity/.test(operation)) return 'autoscaling';
  return undefined;
}

export function awsFaultsFile(dir: string): string {
  return join(dir, 'faults.json');
}

export function readAwsFaults(dir: string): AwsFaultConfig {
  const file = awsFaultsFile(dir);
  return existsSync(file) ? readJsonFile<AwsFaultConfig>(file, {}) : {};
}

/**
 * Validates and writes the whole configuration (throws BadAwsFault naming the bad value). Error
 * rules without an id get a new one: the proxy keeps a rule's count by id, so a rule written again
 * after a clear starts afresh.
 */
export function writeAwsFaults(dir: string, config: AwsFaultConfig): AwsFaultConfig {
  validateAwsFaults(config);
  const written: AwsFaultConfig = { ...config, ...(config.errors ? { errors: config.errors.map((r) => ({ ...r, id: r.id ?? newRuleId() })) } : {}) };
  mkdirSync(dir, { recursive: true });
  writeJsonFile(awsFaultsFile(dir), written);
  return written;
}

/** Merges `change` into the configuration; `errors` are appended, not replaced. Returns what was written. */
export function updateAwsFaults(dir: string, change: AwsFaultConfig): AwsFaultConfig {
  const current = readAwsFaults(dir);
  return writeAwsFaults(dir, { ...current, ...change, errors: [...(current.errors ?? []), ...(change.errors ?? [])] });
}

function newRuleId(): string {
  return `e-${randomUUID().slice(0, 8)}`;
}

export function clearAwsFaults(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeJsonFile(awsFaultsFile(dir), {});
}

/** Bad fault configuration: the CLI answers it with exit code 2. */
export class BadAwsFault extends Error {
  override readonly name = 'BadAwsFault';
}

function nonNegative(value: unknown, what: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new BadAwsFault(`${what} must be a number of milliseconds >= 0, got ${JSON.stringify(value)}`);
  }
}

export function validateAwsFaults(config: AwsFaultConfig): void {
  if (config.terminateLag) {
    nonNegative(config.terminateLag.terminatingMs, 'terminateLag.terminatingMs');
    nonNegative(config.terminateLag.waitMs, 'terminateLag.waitMs');
    if (config.terminateLag.shuttingDownMs !== undefined) nonNegative(config.terminateLag.shuttingDownMs, 'terminateLag.shuttingDownMs');
  }
  if (config.launchLag) {
    nonNegative(config.launchLag.pendingMs, 'launchLag.pendingMs');
    nonNegative(config.launchLag.waitMs, 'launchLag.waitMs');
  }
  if (config.replacement !== undefined && !['at-terminate', 'after-terminate'].includes(config.replacement)) {
    throw new BadAwsFault(`replacement must be at-terminate or after-terminate, got ${JSON.stringify(config.replacement)}`);
  }
  if (config.repeatTerminate !== undefined && !['reject', 'accept'].includes(config.repeatTerminate)) {
    throw new BadAwsFault(`repeatTerminate must be reject or accept, got ${JSON.stringify(config.repeatTerminate)}`);
  }
  for (const rule of config.errors ?? []) validateErrorRule(rule);
}

function validateErrorRule(rule: AwsErrorRule): void {
  if (typeof rule.operation !== 'string' || !/^(\*|[A-Z][A-Za-z0-9]+)$/.test(rule.operation)) {
    throw new BadAwsFault(`operation must be an AWS Action name such as TerminateInstanceInAutoScalingGroup, or *; got ${JSON.stringify(rule.operation)}`);
  }
  if (!AWS_ERROR_KINDS.includes(rule.error)) {
    throw new BadAwsFault(`error must be one of ${AWS_ERROR_KINDS.join(', ')}; got ${JSON.stringify(rule.error)}`);
  }
  const service = serviceOfOperation(rule.operation);
  if (rule.error !== 'connection-reset' && service && !WIRE_ERRORS[rule.error][service]) {
    throw new BadAwsFault(`${rule.operation} is an ${service === 'ec2' ? 'EC2' : 'Auto Scaling'} operation, which never answers ${rule.error}; `
      + `use one of ${AWS_ERROR_KINDS.filter((k) => k === 'connection-reset' || WIRE_ERRORS[k][service]).join(', ')}`);
  }
  if (rule.count !== undefined && (!Number.isInteger(rule.count) || rule.count < 1)) {
    throw new BadAwsFault(`count must be a whole number >= 1, got ${JSON.stringify(rule.count)}`);
  }
  if (rule.probability !== undefined && (typeof rule.probability !== 'number' || !(rule.probability > 0 && rule.probability <= 1))) {
    throw new BadAwsFault(`probability must be a number in (0, 1], got ${JSON.stringify(rule.probability)}`);
  }
  if (rule.seed !== undefined && !Number.isInteger(rule.seed)) {
    throw new BadAwsFault(`seed must be an integer, got ${JSON.stringify(rule.seed)}`);
  }
  if (rule.count === undefined && rule.probability === undefined) {
    throw new BadAwsFault(`an error rule needs a count, a probability or both (${rule.operation} ${rule.error})`);
  }
}
