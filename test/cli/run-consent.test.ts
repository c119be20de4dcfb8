// A run that would terminate, through main(): asked at a terminal (see progress-view.tty.test.ts and
// run-consent.tty.test.ts), refused without one unless --yes, CI or Octopus says so.

import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/app/connect.ts';
import { main } from '../../src/cli/main.ts';
import { ExitCode } from '../../src/shared/errors.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { createSimulatedWorld, type SimulatedWorld } from '../../src/sim/index.ts';
import { memoryIo } from '../support/memory-io.ts';

const ARGS = ['--es-url', 'https://es.internal:9200', '--region', 'ap-southeast-2', '--target-version', '9.5.4'];

function simulated(fromVersion = '9.4.5'): { world: SimulatedWorld; connect: () => Connection } {
  const world = createSimulatedWorld({ masters: 3, data: 3, fromVersion, launchVersion: '9.5.4' });
  return { world, connect: () => ({ cluster: world.cluster, fleet: world.fleet, lock: world.lock, close: () => Promise.resolve() }) };
}

describe('a run with no terminal on stdin', () => {
  it('refuses to terminate without --yes: exit 3, the flag named, the plan shown, nothing changed', async () => {
    const { world, connect } = simulated();
    const io = memoryIo();
    const code = await main(['run', ...ARGS], io, { connect, createLogger: silentLogger });

    expect(code).toBe(ExitCode.refused);
    expect(io.err).toContain('Plan: upgrade to 9.5.4; 6 of 6 nodes to replace');
    expect(io.err).toContain('error: not confirmed: 6 node(s) would be replaced');
    expect(io.err).toContain('pass --yes');
    expect(io.out).toBe('');
    expect(world.terminatedInstanceIds()).toEqual([]);
  });

  it.each([
    ['--yes', ['--yes'], {}],
    ['ESRU_YES=true', [], { ESRU_YES: 'true' }],
    ['CI=true', [], { CI: 'true' }],
    ['under Octopus', [], { TentacleHome: '/etc/octopus' }],
  ] as const)('goes ahead with %s', async (_title, flags, env) => {
    const { world, connect } = simulated();
    const io = memoryIo({ ...env });
    const code = await main(['run', ...ARGS, ...flags, '--no-octopus'], io, { connect, createLogger: silentLogger });

    expect(code).toBe(ExitCode.ok);
    expect(world.terminatedInstanceIds()).toHaveLength(6);
  });

  it('needs no --yes when nothing would be terminated', async () => {
    const { world, connect } = simulated('9.5.4');
    const io = memoryIo();
    const code = await main(['run', ...ARGS], io, { connect, createLogger: silentLogger });

    expect(code).toBe(ExitCode.ok);
    expect(io.err).not.toContain('not confirmed');
    expect(world.terminatedInstanceIds()).toEqual([]);
  });

  it('plans (run --dry-run) without --yes', async () => {
    const { connect } = simulated();
    expect(await main(['run', ...ARGS, '--dry-run'], memoryIo(), { connect, createLogger: silentLogger })).toBe(ExitCode.ok);
  });
});
