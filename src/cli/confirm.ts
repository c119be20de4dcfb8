// The one question a run may ask: before the first termination, unless --yes. A person at a terminal
// (stdin is one, even when stdout and stderr go to a pipe, as in `run ... 2>&1 | tee run.log`) is
// asked. With no terminal to ask on, a run that would terminate refuses unless --yes: a script must
// say so. CI and Octopus imply it: they run what a pipeline or a deployment asked for.

import { closeSync, openSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { WriteStream } from 'node:tty';
import { isRunningUnderOctopus } from '../octopus/service-messages.ts';
import { RefusedError } from '../shared/errors.ts';
import type { Plan } from '../upgrade/plan-model.ts';

export interface ConfirmIo {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Where the question goes (default: stderr, or the terminal itself when stderr is none; see questionOutput). */
  output?: NodeJS.WritableStream & { isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
  /** --yes */
  yes: boolean;
  /** Whether a person can answer on stdin (default: input.isTTY). */
  stdinIsTTY?: boolean | undefined;
  signal?: AbortSignal;
}

/** What a run without a plan yet needs before it may terminate: nothing, a person's yes, or --yes. */
export type Consent = 'given' | 'ask' | 'needs-yes';

export function consentFor(c: { yes: boolean; stdinIsTTY: boolean | undefined; env: Readonly<Record<string, string | undefined>> }): Consent {
  if (c.yes || isCi(c.env) || isRunningUnderOctopus(c.env)) return 'given';
  return c.stdinIsTTY === true ? 'ask' : 'needs-yes';
}

/** A run would terminate instances and nobody can be asked: exit 3, nothing changed. */
export class ConfirmationRequiredError extends RefusedError {}

/**
 * Whether to go on: true without asking when nothing is to be replaced or consent is given; a
 * person's answer at a terminal; otherwise a ConfirmationRequiredError that names --yes.
 */
export async function confirmReplacement(plan: Plan, io: ConfirmIo): Promise<boolean> {
  if (plan.toReplace === 0) return true;
  const consent = consentFor({ yes: io.yes, stdinIsTTY: io.stdinIsTTY ?? io.input.isTTY, env: io.env });
  if (consent === 'given') return true;
  if (consent === 'needs-yes') {
    throw new ConfirmationRequiredError(
      `not confirmed: ${plan.toReplace.toString()} node(s) would be replaced, terminating their EC2 instances, and stdin is not a terminal to ask on; ` +
        'pass --yes to go ahead (CI=true, or running under Octopus, implies it). Nothing was changed.',
    );
  }

  const nodes = plan.rows.filter((r) => r.action === 'replace').map((r) => r.nodeName);
  const shown = nodes.length > 6 ? `${nodes.slice(0, 6).join(', ')} and ${(nodes.length - 6).toString()} more` : nodes.join(', ');
  const asking = io.output ? { output: io.output, close: () => undefined } : questionOutput(process.stderr);
  const rl = createInterface({ input: io.input, output: asking.output, terminal: asking.output.isTTY === true });
  try {
    const answer = await rl.question(
      `Replace ${plan.toReplace.toString()} node(s) one at a time (${shown}), terminating their EC2 instances? [y/N] `,
      io.signal ? { signal: io.signal } : {},
    );
    return /^\s*y(es)?\s*$/i.test(answer);
  } catch {
    // Ctrl-C / abort while asking: not a yes.
    return false;
  } finally {
    rl.close();
    asking.close();
  }
}

/**
 * Where to ask: stderr on a terminal; otherwise (stderr into a pipe or a file) the controlling
 * terminal itself, so the question is not lost in a log while the run waits for an answer.
 */
function questionOutput(stderr: NodeJS.WriteStream): { output: NodeJS.WritableStream & { isTTY?: boolean }; close(): void } {
  if (stderr.isTTY) return { output: stderr, close: () => undefined };
  let fd: number | undefined;
  try {
    fd = openSync('/dev/tty', 'w');
    const tty = new WriteStream(fd);
    return { output: tty, close: () => tty.destroy() };
  } catch {
    if (fd !== undefined) closeSync(fd);
    return { output: stderr, close: () => undefined };
  }
}

/** CI systems set CI (GitHub, GitLab, CircleCI, Buildkite...) or their own marker. */
function isCi(env: Readonly<Record<string, string | undefined>>): boolean {
  const ci = env.CI?.toLowerCase();
  if (ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0') return true;
  return ['BUILD_NUMBER', 'TF_BUILD', 'TEAMCITY_VERSION'].some((k) => (env[k] ?? '') !== '');
}
