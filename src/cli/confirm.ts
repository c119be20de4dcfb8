// The one question a run may ask: before the first termination, on a terminal, unless --yes. Never in
// CI, through a pipe or under a deployment tool: there the run goes ahead (it was asked for).

import { createInterface } from 'node:readline/promises';
import type { Plan } from '../upgrade/plan-model.ts';

export interface ConfirmIo {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream & { isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
  /** --yes */
  yes: boolean;
  signal?: AbortSignal;
}

/** Whether to go on: true without asking unless a person is at a terminal; their answer otherwise. */
export async function confirmReplacement(plan: Plan, io: ConfirmIo): Promise<boolean> {
  if (io.yes || plan.toReplace === 0) return true;
  if (isCi(io.env) || io.input.isTTY !== true || io.output.isTTY !== true) return true;

  const nodes = plan.rows.filter((r) => r.action === 'replace').map((r) => r.nodeName);
  const shown = nodes.length > 6 ? `${nodes.slice(0, 6).join(', ')} and ${nodes.length - 6} more` : nodes.join(', ');
  const rl = createInterface({ input: io.input, output: io.output, terminal: true });
  try {
    const answer = await rl.question(
      `Replace ${plan.toReplace} node(s) one at a time (${shown}), terminating their EC2 instances? [y/N] `,
      io.signal ? { signal: io.signal } : {},
    );
    return /^\s*y(es)?\s*$/i.test(answer);
  } catch {
    // Ctrl-C / abort while asking: not a yes.
    return false;
  } finally {
    rl.close();
  }
}

/** CI systems set CI (GitHub, GitLab, CircleCI, Buildkite...) or their own marker. */
function isCi(env: Readonly<Record<string, string | undefined>>): boolean {
  const ci = env.CI?.toLowerCase();
  if (ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0') return true;
  return ['BUILD_NUMBER', 'TF_BUILD', 'TEAMCITY_VERSION', 'OctopusCalamariWorkingDirectory', 'TentacleHome'].some(
    (k) => (env[k] ?? '') !== '',
  );
}
