// The run's question on a real terminal (tmux) when its output goes elsewhere: `run ... 2>&1 | tee`
// and `run ... 2>run.log` still ask, on the terminal itself, before anything is terminated.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
if (!hasTmux) console.warn('tmux not found: skipping the pseudo-terminal tests (install it: .ci/setup-system.sh)');

const fixture = join(import.meta.dirname, 'fixtures/tty-main.ts');
const dir = mkdtempSync(join(tmpdir(), 'esru-consent-'));
const conf = join(dir, 'tmux.conf');
writeFileSync(conf, 'set -g remain-on-exit on\nset -g status off\n');
let run = 0;
let socket = `esru-consent-${process.pid.toString()}-${run.toString()}`;

const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', socket, '-f', conf, ...args], { encoding: 'utf8' });
// -J: a line the terminal wrapped reads as one.
const screen = (): string => tmux('capture-pane', '-p', '-J', '-t', 'esru');

async function waitForScreen(predicate: (text: string) => boolean, what: string, timeoutMs = 15_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const text = screen();
    if (predicate(text)) return text;
    if (Date.now() > end) throw new Error(`screen never showed ${what}; it shows:\n${text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ARGS = '--es-url https://es.internal:9200 --region ap-southeast-2 --target-version 9.5.4 --no-progress --log-level warn';

/** The command line in a shell on a tmux terminal, with its output redirected as given. */
function start(redirect: string): void {
  const command = `'${process.execPath}' '${fixture}' run ${ARGS} ${redirect}; echo "EXIT=\${PIPESTATUS[0]}"`;
  // CI and Octopus markers removed: the run must see a person at a terminal.
  tmux('new-session', '-d', '-s', 'esru', '-x', '120', '-y', '40', `env -u CI -u OctopusCalamariWorkingDirectory -u TentacleHome NO_COLOR=1 bash -c '${command.replace(/'/g, `'\\''`)}'`);
}

describe.skipIf(!hasTmux)('the run asks on the terminal when its output goes elsewhere (tmux)', () => {
  afterEach(() => {
    spawnSync('tmux', ['-L', socket, 'kill-server']);
    run += 1;
    socket = `esru-consent-${process.pid.toString()}-${run.toString()}`;
  });

  it('run ... 2>&1 | tee run.log: asks, and a yes replaces the nodes', async () => {
    const log = join(dir, `tee-${run.toString()}.log`);
    start(`2>&1 | tee '${log}'`);
    await waitForScreen((t) => t.includes('terminating their EC2 instances? [y/N]'), 'the question');
    tmux('send-keys', '-t', 'esru', 'y', 'Enter');

    const done = await waitForScreen((t) => t.includes('EXIT='), 'the end');
    expect(done).toContain('EXIT=0');
    expect(done).toContain('TERMINATED=6');
    // The log has the plan and the result; the question went to the terminal.
    const text = readFileSync(log, 'utf8');
    expect(text).toContain('Plan: upgrade to 9.5.4; 6 of 6 nodes to replace');
    expect(text).toContain('Outcome: completed (exit 0)');
  }, 30_000);

  it('run ... 2>run.log: the question is not lost in the log, and a no changes nothing (exit 3)', async () => {
    const log = join(dir, `stderr-${run.toString()}.log`);
    start(`2>'${log}'`);
    await waitForScreen((t) => t.includes('[y/N]'), 'the question');
    tmux('send-keys', '-t', 'esru', 'n', 'Enter');

    const done = await waitForScreen((t) => t.includes('EXIT='), 'the end');
    expect(done).toContain('EXIT=3');
    expect(done).toContain('TERMINATED=0');
    expect(readFileSync(log, 'utf8')).toContain('Not confirmed: nothing was changed.');
  }, 30_000);
});
