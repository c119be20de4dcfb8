import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConfirmationRequiredError, confirmReplacement, consentFor } from '../../src/cli/confirm.ts';
import { ExitCode } from '../../src/shared/errors.ts';
import type { Plan } from '../../src/upgrade/plan-model.ts';
import { aReport } from '../support/report-builder.ts';

const plan: Plan = { ...aReport('planned').build().plan, toReplace: 2 };

function terminal(inputTty: boolean, outputTty = inputTty) {
  const input = Object.assign(new PassThrough(), { isTTY: inputTty });
  const output = Object.assign(new PassThrough(), { isTTY: outputTty });
  let written = '';
  output.on('data', (c: Buffer) => (written += c.toString()));
  return { input, output, written: () => written };
}

describe('consentFor', () => {
  it.each([
    ['--yes, no terminal', { yes: true, stdinIsTTY: false, env: {} }, 'given'],
    ['--yes at a terminal', { yes: true, stdinIsTTY: true, env: {} }, 'given'],
    ['CI=true, no terminal', { yes: false, stdinIsTTY: false, env: { CI: 'true' } }, 'given'],
    ['CI=1 at a terminal', { yes: false, stdinIsTTY: true, env: { CI: '1' } }, 'given'],
    ['Jenkins (BUILD_NUMBER)', { yes: false, stdinIsTTY: false, env: { BUILD_NUMBER: '17' } }, 'given'],
    ['Octopus (TentacleHome)', { yes: false, stdinIsTTY: false, env: { TentacleHome: '/etc/octopus' } }, 'given'],
    ['Octopus (Calamari)', { yes: false, stdinIsTTY: false, env: { OctopusCalamariWorkingDirectory: '/work' } }, 'given'],
    ['a terminal on stdin', { yes: false, stdinIsTTY: true, env: {} }, 'ask'],
    ['a terminal with CI=false', { yes: false, stdinIsTTY: true, env: { CI: 'false' } }, 'ask'],
    ['no terminal: a pipe, cron, a container without -t', { yes: false, stdinIsTTY: false, env: {} }, 'needs-yes'],
    ['stdin unknown', { yes: false, stdinIsTTY: undefined, env: {} }, 'needs-yes'],
    ['no terminal with CI=0', { yes: false, stdinIsTTY: false, env: { CI: '0' } }, 'needs-yes'],
  ] as const)('%s: %s', (_title, c, expected) => {
    expect(consentFor(c)).toBe(expected);
  });
});

describe('confirmReplacement', () => {
  it.each([
    ['--yes on a terminal', { yes: true, tty: true, env: {} }],
    ['--yes with no terminal', { yes: true, tty: false, env: {} }],
    ['CI set, even on a terminal', { yes: false, tty: true, env: { CI: 'true' } }],
    ['CI set, no terminal', { yes: false, tty: false, env: { CI: 'true' } }],
    ['under Octopus, even on a terminal', { yes: false, tty: true, env: { TentacleHome: '/etc/octopus' } }],
  ])('goes ahead without asking: %s', async (_title, c) => {
    const t = terminal(c.tty);
    await expect(confirmReplacement(plan, { input: t.input, output: t.output, env: c.env, yes: c.yes })).resolves.toBe(true);
    expect(t.written()).toBe('');
  });

  it('does not ask, nor need --yes, when there is nothing to replace', async () => {
    for (const tty of [true, false]) {
      const t = terminal(tty);
      await expect(confirmReplacement({ ...plan, toReplace: 0 }, { input: t.input, output: t.output, env: {}, yes: false })).resolves.toBe(true);
      expect(t.written()).toBe('');
    }
  });

  it('with no terminal to ask on, refuses (exit 3) and names --yes', async () => {
    const t = terminal(false);
    const refused = confirmReplacement(plan, { input: t.input, output: t.output, env: {}, yes: false });

    await expect(refused).rejects.toBeInstanceOf(ConfirmationRequiredError);
    await expect(refused).rejects.toMatchObject({ exitCode: ExitCode.refused, message: expect.stringContaining('pass --yes') as unknown });
    expect(t.written()).toBe('');
  });

  it.each([
    ['y', true],
    ['YES', true],
    ['', false],
    ['n', false],
    ['sure', false],
  ])('on a terminal, the answer %j means %s', async (answer, expected) => {
    const t = terminal(true);
    const asked = confirmReplacement(plan, { input: t.input, output: t.output, env: {}, yes: false });
    t.input.write(`${answer}\r`);
    await expect(asked).resolves.toBe(expected);
    expect(t.written()).toContain('[y/N]');
  });

  it('asks when stdin is a terminal though the output is a pipe (run ... 2>&1 | tee run.log)', async () => {
    const t = terminal(true, false);
    const asked = confirmReplacement(plan, { input: t.input, output: t.output, env: {}, yes: false });
    t.input.write('y\n');
    await expect(asked).resolves.toBe(true);
    expect(t.written()).toContain('terminating their EC2 instances? [y/N] ');
  });

  it('an abort while asking is not a yes', async () => {
    const t = terminal(true);
    const controller = new AbortController();
    const asked = confirmReplacement(plan, { input: t.input, output: t.output, env: {}, yes: false, signal: controller.signal });
    controller.abort();
    await expect(asked).resolves.toBe(false);
  });
});
