import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/app/connect.ts';
import { main } from '../../src/cli/main.ts';
import {
  ExitCode,
  HaltedError,
  InterruptedError,
  LockHeldError,
  LockLostError,
  RefusedError,
  ServiceError,
} from '../../src/shared/errors.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { createSimulatedWorld } from '../../src/sim/index.ts';
import type { UpgradeReport } from '../../src/upgrade/plan-model.ts';
import { memoryIo } from '../support/memory-io.ts';

const ARGS = ['--es-url', 'https://es.internal:9200', '--region', 'ap-southeast-2', '--target-version', '9.5.4'];


function failingConnection(error: Error): Connection {
  const fail = (): Promise<never> => Promise.reject(error);
  return {
    cluster: { observe: fail, waitForHealth: fail, explainUnassigned: fail, putSettings: fail, allocateReplica: fail, excludeFromVoting: fail, clearVotingExclusions: fail },
    fleet: { observe: fail, terminateInGroup: fail },
    lock: { acquire: fail, update: fail, release: fail, inspect: fail, breakLease: fail },
    close: () => Promise.resolve(),
  };
}

function simulatedConnection(): Connection {
  const world = createSimulatedWorld({ masters: 3, data: 3, fromVersion: '9.4.5', launchVersion: '9.5.4' });
  return { cluster: world.cluster, fleet: world.fleet, lock: world.lock, close: () => Promise.resolve() };
}

describe('one boundary maps errors to exit codes', () => {
  it.each([
    ['a refusal', new RefusedError('unsafe'), ExitCode.refused, 'error: unsafe'],
    ['a lock held by another controller', new LockHeldError('lock held by host:1:abc'), ExitCode.refused, 'error: lock held by host:1:abc'],
    ['a halt', new HaltedError('green wait timed out'), ExitCode.halted, 'error: green wait timed out'],
    ['a lost lease', new LockLostError('lease taken over'), ExitCode.halted, 'error: lease taken over'],
    ['SIGINT', new InterruptedError('SIGINT'), ExitCode.interruptedInt, 'error: interrupted by SIGINT'],
    ['SIGTERM', new InterruptedError('SIGTERM'), ExitCode.interruptedTerm, 'error: interrupted by SIGTERM'],
    ['a service failure', new ServiceError('aws', 'AccessDenied'), ExitCode.internal, 'error: AccessDenied'],
    ['a bug', new TypeError('x is undefined'), ExitCode.internal, 'internal error: x is undefined'],
  ])('%s', async (_name, error, code, message) => {
    const io = memoryIo();
    const result = await main(['plan', ...ARGS], io, { connect: () => failingConnection(error), createLogger: silentLogger });
    expect(result).toBe(code);
    expect(io.err).toContain(message);
    expect(io.out).toBe('');
  });
});

describe('plan output against the simulated cluster', () => {
  it('prints the same JSON on stdout as it writes to the report file', async () => {
    const report = join(mkdtempSync(join(tmpdir(), 'esru-plan-')), 'plan.json');
    const io = memoryIo();
    const code = await main(['plan', ...ARGS, '--output', 'json', '--report', report], io, {
      connect: simulatedConnection,
      createLogger: silentLogger,
    });
    expect(code).toBe(ExitCode.ok);
    const printed = JSON.parse(io.out) as UpgradeReport;
    expect(printed).toEqual(JSON.parse(readFileSync(report, 'utf8')));
    expect(printed).toMatchObject({ tool: 'es-rolling-upgrade', mode: 'plan', outcome: 'planned', plan: { toReplace: 6 } });
  });

  it('plans, and changes nothing, for run --dry-run', async () => {
    const io = memoryIo();
    const connection = simulatedConnection();
    const terminate = connection.fleet.terminateInGroup.bind(connection.fleet);
    let terminated = 0;
    connection.fleet.terminateInGroup = (id) => {
      terminated++;
      return terminate(id);
    };
    const code = await main(['run', ...ARGS, '--dry-run'], io, { connect: () => connection, createLogger: silentLogger });
    expect(code).toBe(ExitCode.ok);
    expect(io.out).toContain('Plan: upgrade to 9.5.4; 6 of 6 nodes to replace');
    expect(terminated).toBe(0);
  });
});
