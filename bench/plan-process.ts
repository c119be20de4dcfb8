// One `plan`, as a user runs it, in a process of its own: the real command line (src/cli/main.ts,
// or with BENCH_DIST=1 the compiled dist/cli/main.js the package ships) against the fake services,
// the report thrown away once formatted. Says on IPC how long the process took past its start and
// the most memory it held.
//
//   node bench/plan-process.ts <es-url> <aws-endpoint> <target-version>

import { performance } from 'node:perf_hooks';

const [esUrl = '', awsUrl = '', target = ''] = process.argv.slice(2);
/** Node's own start: everything before this line. */
const startedMs = performance.now();
const cli = (process.env.BENCH_DIST === '1' ? await import(new URL('../dist/cli/main.js', import.meta.url).href) : await import('../src/cli/main.ts')) as typeof import('../src/cli/main.ts');
const { main } = cli;
const loadedMs = performance.now();
const code = await main(['plan', '--es-url', esUrl, '--region', 'eu-west-1', '--aws-endpoint', awsUrl, '--target-version', target, '--log-level', 'warn'], {
  stdout: () => undefined,
  stderr: (text) => void process.stderr.write(text),
  stdoutIsTTY: false,
  stdoutColumns: undefined,
  stderrIsTTY: false,
  stdinIsTTY: false,
  env: process.env,
});
const doneMs = performance.now();
process.send?.({ code, startMs: startedMs, loadMs: loadedMs - startedMs, planMs: doneMs - loadedMs, totalMs: doneMs, maxRssMB: process.resourceUsage().maxRSS / 1024 });
