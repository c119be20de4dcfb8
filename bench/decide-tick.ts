// What a plan and a tick cost at 200, 1,000 and 3,000 nodes (about 100 shard copies a data node),
// against the goals: `plan` ≤ 1 s past the process's start and ≤ 150 MB; a tick ≤ 100 ms, the first
// one too; at most one DescribeInstances per 1,000 instances a tick; ≤ 300 MB mid-upgrade.
//
// Every figure comes from a process of its own running the real code: `plan` is the command line
// itself, a tick is what `run` does each time (observe through the real adapters and SDK clients,
// join, decide). They talk HTTP to fake Elasticsearch and AWS services (bench/fake-services.ts) in
// yet another process, which answer from a synthetic world (bench/synthetic-world.ts):
//   fresh      every node stale, green: what `plan` and a run's first ticks see
//   conflicts  one data node replaced, 2,000 replicas of indices created on it unassigned (version
//              conflicts, each explained by every data node): the first tick explains them all
//   late       half the data nodes replaced (the lease lists their terminated instances)
// Medians of repeated runs: the machine is shared.
//
//   npm run bench                  # 200, 1,000 and 3,000 nodes
//   npm run bench -- 1000          # one size

import { fork, type ChildProcess } from 'node:child_process';
import type { LeaseRecord } from '../src/upgrade/ports.ts';
import type { TickFigures } from './tick-process.ts';
import { TARGET } from './synthetic-world.ts';

const sizes = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [200, 1_000, 3_000];
const CONFLICTS = 2_000;
const PLANS = 3;
const TICKS = 8;
const here = (file: string): string => new URL(file, import.meta.url).pathname;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const fmt = (n: number, digits = 0): string => n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const out = (line = ''): void => void process.stdout.write(`${line}\n`);

interface Services {
  esUrl: string;
  awsUrl: string;
  lease: LeaseRecord;
  shards: number;
  instances: number;
  child: ChildProcess;
}

/** A child process: its first IPC message, or its failure. */
function run<T>(script: string, args: string[], env: Record<string, string> = {}): { child: ChildProcess; first: Promise<T> } {
  const child = fork(here(script), args, { env: { ...process.env, AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench', ...env }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const first = new Promise<T>((resolve, reject) => {
    child.once('message', (m) => resolve(m as T));
    child.once('exit', (code) => reject(new Error(`${script} ${args.join(' ')} exited with ${String(code)} before answering`)));
  });
  return { child, first };
}

async function startServices(nodes: number, replaced: number, conflicts: number): Promise<Services> {
  const { child, first } = run<Omit<Services, 'child'>>('./fake-services-main.ts', [String(nodes), String(replaced), String(conflicts)]);
  return { ...(await first), child };
}

function stop(services: Services): void {
  services.child.disconnect();
}

interface PlanFigures {
  code: number;
  startMs: number;
  loadMs: number;
  planMs: number;
  totalMs: number;
  maxRssMB: number;
}

async function plans(services: Services): Promise<PlanFigures[]> {
  const figures: PlanFigures[] = [];
  for (let i = 0; i < PLANS; i++) {
    const { first } = run<PlanFigures>('./plan-process.ts', [services.esUrl, services.awsUrl, TARGET]);
    const f = await first;
    if (f.code !== 0) throw new Error(`plan exited with ${f.code}`);
    figures.push(f);
  }
  return figures;
}

async function ticks(services: Services): Promise<{ ticks: TickFigures[]; maxRssMB: number }> {
  const { first } = run<{ ticks: TickFigures[]; maxRssMB: number }>('./tick-process.ts', [services.esUrl, services.awsUrl, String(TICKS)], {
    BENCH_LEASE: JSON.stringify(services.lease),
  });
  return first;
}

/** A figure beside its goal: whether it is met. */
function goal(value: number, limit: number, unit: string): string {
  return `goal ≤ ${fmt(limit)} ${unit}: ${value <= limit ? 'met' : 'NOT MET'}`;
}

function tickLine(t: Omit<Steady, 'describeInstances'>): string {
  return `${fmt(t.ms)} ms (observe ${fmt(t.observeMs)} [ES ${fmt(t.esMs)}, AWS ${fmt(t.awsMs)}, overlapping] + decide ${fmt(t.decideMs)}; CPU ${fmt(t.cpuMs)} ms)`;
}

/** Medians of the ticks after the first; describeInstances: the most any of them made. */
type Steady = Pick<TickFigures, 'ms' | 'observeMs' | 'decideMs' | 'esMs' | 'awsMs' | 'cpuMs' | 'describeInstances'>;

function steady(all: TickFigures[]): Steady {
  const rest = all.slice(1);
  return {
    ms: median(rest.map((t) => t.ms)),
    observeMs: median(rest.map((t) => t.observeMs)),
    decideMs: median(rest.map((t) => t.decideMs)),
    esMs: median(rest.map((t) => t.esMs)),
    awsMs: median(rest.map((t) => t.awsMs)),
    cpuMs: median(rest.map((t) => t.cpuMs)),
    describeInstances: Math.max(...rest.map((t) => t.describeInstances)),
  };
}

/** The lines of one world's ticks: the first, the steady ones, their DescribeInstances and memory. */
function tickLines(label: string, services: Services, run: { ticks: TickFigures[]; maxRssMB: number }, rssGoalMB?: number): void {
  const first = run.ticks[0];
  if (!first) throw new Error(`no tick measured for ${label}`);
  const later = steady(run.ticks);
  const calls = Math.ceil(services.instances / 1000);
  out(`[bench]   ${label}`);
  out(`[bench]     first tick    ${tickLine(first)} → ${first.decision}; ${goal(first.ms, 100, 'ms')}`);
  out(`[bench]     steady tick   ${tickLine(later)}; ${goal(later.ms, 100, 'ms')}`);
  out(
    `[bench]     DescribeInstances a tick (${fmt(services.instances)} instances)  first ${first.describeInstances}; ${goal(first.describeInstances, calls, 'calls')}` +
      `  then at most ${later.describeInstances}; ${goal(later.describeInstances, calls, 'calls')}`,
  );
  out(`[bench]     peak RSS      ${fmt(run.maxRssMB)} MB${rssGoalMB === undefined ? '' : `; ${goal(run.maxRssMB, rssGoalMB, 'MB')}`}`);
}

out(`[bench] real adapters and clients over HTTP to fake services; medians (plans of ${PLANS}, ticks of ${TICKS - 1} after the first)`);
for (const size of sizes) {
  const fresh = await startServices(size, 0, 0);
  out(`[bench] ${fmt(size)} nodes (3 masters), ${fmt(fresh.shards)} shard copies, ${fmt(fresh.instances)} instances`);
  const planned = await plans(fresh);
  const beyondStart = median(planned.map((p) => p.totalMs - p.startMs));
  const planRss = median(planned.map((p) => p.maxRssMB));
  out(
    `[bench]   plan (the command line)  ${fmt(beyondStart)} ms past process start (loading ${fmt(median(planned.map((p) => p.loadMs)))} + plan ${fmt(median(planned.map((p) => p.planMs)))}; ` +
      `Node's own start ${fmt(median(planned.map((p) => p.startMs)))} ms); ${goal(beyondStart, 1000, 'ms')}`,
  );
  out(`[bench]     peak RSS      ${fmt(planRss)} MB; ${goal(planRss, 150, 'MB')}`);
  tickLines('fresh world (every node stale, green)', fresh, await ticks(fresh));
  stop(fresh);

  const conflicts = await startServices(size, 1, CONFLICTS);
  tickLines(`mid-upgrade, ${fmt(CONFLICTS)} version conflicts (the first tick explains them all)`, conflicts, await ticks(conflicts), 300);
  stop(conflicts);

  const replaced = Math.floor((size - 3) / 2);
  const late = await startServices(size, replaced, 0);
  tickLines(`mid-upgrade, ${fmt(replaced)} data nodes replaced`, late, await ticks(late), 300);
  stop(late);

  const judge = await run<{ firstMs: number; laterMs: number }>('./judge-process.ts', [String(size), String(CONFLICTS)]).first;
  out(`[bench]   judging ${fmt(CONFLICTS)} unassigned conflicts alone: ${fmt(judge.firstMs, 1)} ms the first tick, ${fmt(judge.laterMs, 2)} ms a tick after`);
}
