import type { CliIo } from '../../src/cli/context.ts';

/** The CLI's input/output in memory: what it wrote to stdout and stderr, no terminal. */
export function memoryIo(env: Record<string, string> = {}): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout: (t: string) => void (io.out += t),
    stderr: (t: string) => void (io.err += t),
    stdoutIsTTY: false,
    stderrIsTTY: false,
    env,
  };
  return io;
}
