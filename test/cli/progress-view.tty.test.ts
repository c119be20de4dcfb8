// The confirmation and the live progress view on a real pseudo-terminal: tmux runs the fixture, the
// test types with send-keys and reads the screen with capture-pane. tmux is installed by
// .ci/setup-system.sh; without it these tests are skipped with a message.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
if (!hasTmux) console.warn('tmux not found: skipping the pseudo-terminal tests (install it: .ci/setup-system.sh)');

const fixture = join(import.meta.dirname, 'fixtures/tty-run.ts');
// A fresh server per test: a server still shutting down from the last test must not be reused.
let run = 0;
let socket = `esru-test-${process.pid}-${run}`;
// The pane stays after the fixture exits, so a crash is read on the screen rather than lost.
const conf = join(mkdtempSync(join(tmpdir(), 'esru-tmux-')), 'tmux.conf');
writeFileSync(conf, 'set -g remain-on-exit on\nset -g status off\n');

const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', socket, '-f', conf, ...args], { encoding: 'utf8' });
const screen = (): string => tmux('capture-pane', '-p', '-t', 'esru');

async function waitForScreen(predicate: (text: string) => boolean, what: string, timeoutMs = 15_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const text = screen();
    if (predicate(text)) return text;
    if (Date.now() > end) throw new Error(`screen never showed ${what}; it shows:\n${text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function startFixture(): void {
  // CI and Octopus markers removed: the fixture must see a person at a terminal.
  const command = `env -u CI -u OctopusCalamariWorkingDirectory -u TentacleHome TERM=xterm-256color '${process.execPath}' '${fixture}'`;
  tmux('new-session', '-d', '-s', 'esru', '-x', '100', '-y', '30', command);
}

const count = (text: string, needle: string): number => text.split(needle).length - 1;

describe.skipIf(!hasTmux)('on a real terminal (tmux)', () => {
  afterEach(() => {
    spawnSync('tmux', ['-L', socket, 'kill-server']);
    run += 1;
    socket = `esru-test-${process.pid}-${run}`;
  });

  it('asks before the first termination, then redraws one frame in place and ends with the summary', async () => {
    startFixture();
    await waitForScreen((t) => t.includes('terminating their EC2 instances? [y/N]'), 'the question');
    expect(screen()).toContain('Replace 2 node(s) one at a time (es-data-1, es-data-2)');
    tmux('send-keys', '-t', 'esru', 'y', 'Enter');

    const live = await waitForScreen((t) => t.includes('waiting for node-join'), 'the wait');
    expect(live).toContain('ANSWER=yes');
    expect(count(live, 'es-rolling-upgrade → 9.5.4')).toBe(1);
    expect(live).toContain('es-rolling-upgrade → 9.5.4 · phase data · node 2 of 2: es-data-2 (i-0bbb)');
    expect(live).toContain('  waiting for node-join (es-data-2): replacement to join · ');
    expect(live).toContain('  shards: yellow, 1 initializing, 0 relocating, 2 unassigned');
    expect(live).toMatch(/ 50% · 1 of 2 replaced · ETA \S+ \(about \d\d:\d\d\)/);
    // The waiting time ticks while nothing happens.
    const elapsed = (t: string) => /replacement to join · (\S+) of 20m00s/.exec(t)?.[1];
    const first = elapsed(live);
    const later = await waitForScreen((t) => elapsed(t) !== first, 'the waiting time move', 5000);
    expect(count(later, 'es-rolling-upgrade → 9.5.4')).toBe(1);

    tmux('send-keys', '-t', 'esru', 'c');
    const done = await waitForScreen((t) => t.includes('DEMO-DONE'), 'the end');
    expect(done).not.toContain('waiting for');
    expect(done).not.toContain('es-rolling-upgrade → 9.5.4 ·');
    expect(done).toContain('completed in 10m00s: 2 of 2 node(s) replaced → 9.5.4');
    expect(done).toContain('  es-data-2 (i-0bbb) → es-data-4: replaced in 3m00s');
    expect(done).toContain('  terminated: i-0aaa, i-0bbb');
  }, 30_000);

  it('a "no" (or just Enter) stops before anything is touched', async () => {
    startFixture();
    await waitForScreen((t) => t.includes('[y/N]'), 'the question');
    tmux('send-keys', '-t', 'esru', 'Enter');
    const text = await waitForScreen((t) => t.includes('ANSWER='), 'the answer');
    expect(text).toContain('ANSWER=no');
    expect(text).not.toContain('es-rolling-upgrade →');
  }, 30_000);
});
