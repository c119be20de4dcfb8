// Runs the real command line (`node src/cli/main.ts ...`) as a child process, the way an operator
// would, and collects what it printed.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../sandbox/paths.ts';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface CliOptions {
  /** Extra environment (e.g. Sandbox.env for moto credentials). */
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Called with each chunk of stderr as it arrives (progress, logs), e.g. to echo it. */
  onStderr?: (chunk: string) => void;
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    // process.execPath: the Node 24 running the suite, which strips types natively.
    const child = spawn(process.execPath, [join(repoRoot, 'src', 'cli', 'main.ts'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 20 * 60_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      options.onStderr?.(chunk.toString());
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, durationMs: Date.now() - started }));
  });
}
