// The fault layer's record of every call it answered (the sandbox's own clients excepted), one JSON
// object a line in .sandbox/aws/calls.jsonl, for tests to assert what a client sent and was told.

import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AwsErrorKind } from './aws-faults.ts';
import type { AwsService } from './aws-wire.ts';

export interface AwsCall {
  /** Order of arrival, from 1. */
  seq: number;
  at: string;
  service: AwsService | 'unknown';
  operation: string;
  instanceIds: string[];
  /** From the SDK's `amz-sdk-request` header: the attempt of this call, and how many it may make. */
  attempt?: number;
  maxAttempts?: number;
  /** Same for every attempt of one SDK call (`amz-sdk-invocation-id`). */
  invocationId?: string;
  /** HTTP status answered; 0 for a reset connection. */
  status: number;
  /** Error code answered, injected or moto's. */
  errorCode?: string;
  injected?: { kind: AwsErrorKind; rule: string; landed: boolean };
  /** A terminate of an instance already terminating (repeatTerminate). */
  repeat?: boolean;
  /** What the answer reported: lifecycle states (Auto Scaling) or EC2 states, by instance. */
  lifecycleStates?: Record<string, string>;
  ec2States?: Record<string, string>;
  /** A terminate's activity status (InProgress). */
  activityStatus?: string;
  durationMs: number;
}

export function awsCallsFile(dir: string): string {
  return join(dir, 'calls.jsonl');
}

export function appendAwsCall(dir: string, call: AwsCall): void {
  appendFileSync(awsCallsFile(dir), `${JSON.stringify(call)}\n`);
}

/** Every recorded call, oldest first; optionally of one operation and/or naming one instance. */
export function readAwsCalls(dir: string, filter: { operation?: string; instanceId?: string } = {}): AwsCall[] {
  const file = awsCallsFile(dir);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as AwsCall)
    .filter((c) => (filter.operation === undefined || c.operation === filter.operation)
      && (filter.instanceId === undefined || c.instanceIds.includes(filter.instanceId)));
}
