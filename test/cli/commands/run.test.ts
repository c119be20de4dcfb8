import { describe, expect, it } from 'vitest';
import { run } from '../../../src/cli/commands/run.ts';
import { loadConfig } from '../../../src/cli/config.ts';
import type { CommandContext } from '../../../src/cli/context.ts';
import { parseArgv } from '../../../src/cli/args.ts';
import { COMMANDS } from '../../../src/cli/main.ts';
import { ExitCode, InterruptedError } from '../../../src/shared/errors.ts';
import { silentLogger } from '../../../src/shared/log.ts';
import { createSimulatedWorld, type SimulatedWorld } from '../../../src/sim/index.ts';
import type { Plan } from '../../../src/upgrade/plan-model.ts';

const ARGS = ['--es-url', 'https://es.internal:9200', '--region', 'ap-southeast-2', '--target-version', '9.5.4'];

function contextFor(world: SimulatedWorld, confirm?: (plan: Plan) => Promise<boolean>, controller = new AbortController()) {
  const args = parseArgv(['run', ...ARGS]);
  const profile = COMMANDS.find((c) => c.name === 'run');
  if (!profile) throw new Error('no run command');
  const out = { stdout: '', stderr: '' };
  const ctx: CommandContext = {
    ...loadConfig(profile, { flags: args.flags, env: {} }),
    log: silentLogger(),
    io: {
      stdout: (t) => void (out.stdout += t),
      stderr: (t) => void (out.stderr += t),
      stdoutIsTTY: false,
      stderrIsTTY: true,
      env: {},
    },
    signal: controller.signal,
    holder: 'test:1:abcd',
    connect: () => ({ cluster: world.cluster, fleet: world.fleet, lock: world.lock, close: () => Promise.resolve() }),
    ...(confirm ? { confirm } : {}),
  };
  return { ctx, out };
}

const aWorld = (): SimulatedWorld => createSimulatedWorld({ masters: 3, data: 3, fromVersion: '9.4.5', launchVersion: '9.5.4' });

describe('run', () => {
  it('shows the plan on stderr, asks, and changes nothing when the answer is no', async () => {
    const world = aWorld();
    const asked: Plan[] = [];
    const { ctx, out } = contextFor(world, (plan) => {
      asked.push(plan);
      return Promise.resolve(false);
    });

    const code = await run(ctx);

    expect(code).toBe(ExitCode.refused);
    expect(asked[0]?.toReplace).toBe(6);
    expect(out.stderr).toContain('Plan: upgrade to 9.5.4; 6 of 6 nodes to replace');
    expect(out.stderr).toContain('Not confirmed: nothing was changed.');
    expect(out.stdout).toBe('');
    expect(world.terminatedInstanceIds()).toEqual([]);
  });

  it('treats Ctrl-C at the question as an interrupt, not a no', async () => {
    const controller = new AbortController();
    const { ctx } = contextFor(aWorld(), () => {
      controller.abort(new InterruptedError('SIGINT'));
      return Promise.resolve(false);
    }, controller);

    await expect(run(ctx)).rejects.toMatchObject({ exitCode: ExitCode.interruptedInt });
  });

  it('replaces every stale node after a yes and prints the summary', async () => {
    const world = aWorld();
    const { ctx, out } = contextFor(world, () => Promise.resolve(true));

    const code = await run(ctx);

    expect(code).toBe(ExitCode.ok);
    expect(out.stdout).toContain('Outcome: completed (exit 0)');
    expect(world.terminatedInstanceIds()).toHaveLength(6);
  });
});
