// The upgrade benchmark: the seed's algorithm (bench/seed-upgrade.ts), this tool one node at a time,
// and this tool a zone at a time, side by side on identical simulated worlds, in virtual time.
//
//   npm run bench:upgrade                      # the 6- and 30-data-node scenarios (about a minute)
//   npm run bench:upgrade -- --large           # and the 1,000-node check (two minutes a driver)
//   npm run bench:upgrade -- --only hours --starts 12 --rebalance --check
//
// Each scenario runs once per start time, the start times spread over one hour: the hourly index
// arrives at another point of each run, and whether it meets a version conflict decides whole
// hours. Figures are means over the start times. "overhead" is the total virtual time over the waits
// the simulator imposed (see bench/measure-upgrade.ts); "most missing" counts data nodes; "red" is
// a shard without an active primary while a master is elected, at any moment.

import { parseArgs } from 'node:util';
import { truncate } from '../src/cli/table.ts';
import { formatDuration, formatGoals, formatOwnWaits, formatRatios, formatSummaries, goals, summarise } from './bench-summary.ts';
import { driverName, measureRun, type Driver, type RunFigures } from './measure-upgrade.ts';
import { hourScale, smallShards, startTimes, thousandNodes, type Scenario } from './upgrade-scenarios.ts';

const SCENARIOS: Record<string, () => Scenario> = { small: smallShards, hours: hourScale };
/**
 * Start times per scenario: a run of the small one lasts minutes, so the hour's index meets a
 * version conflict only if it arrives in a window of a minute or two; a run of the other lasts hours.
 */
const STARTS: Record<string, number> = { small: 60, hours: 4 };
const DRIVERS: Driver[] = [
  { algorithm: 'seed' },
  { algorithm: 'one-at-a-time' },
  { algorithm: 'zone' },
];
const BUILD_GOAL_MS = 5_000;
const LARGE_RUN_GOAL_MS = 120_000;

const LARGE_DRIVERS = DRIVERS.filter((d) => d.algorithm !== 'seed');

const USAGE = `usage: npm run bench:upgrade -- [--only small,hours] [--starts N] [--rebalance] [--large] [--large-driver NAME] [--large-limit SECONDS] [--check]
  --only          scenarios to run (default: small,hours)
  --starts        start times per scenario, spread over an hour (1 to 60; default 60 for small, 4 for hours)
  --rebalance     worlds whose balancer moves copies to even out nodes once all are active (off by default, as in the simulator)
  --large         also check a 1,000-node world: built in under 5 s, upgraded in under 2 min of real time
  --large-driver  the large check's driver, implies --large: ${LARGE_DRIVERS.map(driverName).join(', ')} (default: one-at-a-time and zone)
  --large-limit   real seconds after which the large upgrade is interrupted (default 120)
  --check         exit 1 when a goal is not met`;

class UsageError extends Error {}

interface Args {
  scenarios: string[];
  /** Undefined: each scenario's own (STARTS). */
  starts: number | undefined;
  rebalance: boolean;
  large: boolean;
  largeDrivers: Driver[];
  largeLimitMs: number;
  check: boolean;
}

function parse(argv: string[]): Args | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      only: { type: 'string' },
      starts: { type: 'string' },
      rebalance: { type: 'boolean' },
      large: { type: 'boolean' },
      'large-driver': { type: 'string' },
      'large-limit': { type: 'string' },
      check: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) return 'help';
  const scenarios = (values.only ?? 'small,hours').split(',').map((s) => s.trim());
  const unknown = scenarios.filter((s) => !(s in SCENARIOS));
  if (unknown.length > 0 || scenarios.length === 0) throw new UsageError(`--only: "${values.only ?? ''}" names no scenario of ${Object.keys(SCENARIOS).join(', ')}`);
  const starts = values.starts === undefined ? undefined : wholeNumber('--starts', values.starts, 1, 60);
  const largeLimitS = wholeNumber('--large-limit', values['large-limit'] ?? '120', 1, 86_400);
  const name = values['large-driver'];
  const largeDrivers = name === undefined ? LARGE_DRIVERS : LARGE_DRIVERS.filter((d) => driverName(d) === name);
  if (largeDrivers.length === 0) throw new UsageError(`--large-driver: "${name ?? ''}" is not one of ${LARGE_DRIVERS.map(driverName).join(', ')}`);
  return {
    scenarios,
    starts,
    rebalance: values.rebalance === true,
    large: values.large === true || name !== undefined,
    largeDrivers,
    largeLimitMs: largeLimitS * 1000,
    check: values.check === true,
  };
}

function wholeNumber(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag}: "${text}" is not a whole number from ${min} to ${max}`);
  return n;
}

const out = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};

/** Every driver on every start time of the scenario, the worlds identical per start time. */
export async function runScenario(scenario: Scenario, starts: number, drivers: Driver[] = DRIVERS): Promise<RunFigures[]> {
  const runs: RunFigures[] = [];
  for (const start of startTimes(starts)) {
    for (const driver of drivers) runs.push(await measureRun(scenario, driver, { start }));
  }
  return runs;
}

async function benchScenario(scenario: Scenario, starts: number): Promise<boolean> {
  out(`== ${scenario.key}: ${scenario.title}${scenario.recovery.rebalance === true ? ', rebalancing' : ''}`);
  const apart = starts === 1 ? 'at 04:00' : `${formatDuration(3_600_000 / starts)} apart`;
  out(`   virtual time, means over ${starts} start time${starts === 1 ? '' : 's'} ${apart}`);
  const runs = await runScenario(scenario, starts);
  const summaries = summarise(runs);
  out(formatSummaries(summaries));
  out(`  ratios: ${formatRatios(summaries, 'one-at-a-time', 'zone')}`);
  const own = formatOwnWaits(summaries);
  if (own) out(`  time outside the imposed waits:\n${own}`);
  for (const s of summaries.filter((x) => x.completed < x.runs)) {
    out(`  ${s.driver} did not complete ${s.runs - s.completed} of ${s.runs} runs: ${truncate(s.failures[0] ?? '', 600)}`);
  }
  const met = goals(summaries, 'one-at-a-time', 'zone');
  out('  goals (the ratios are set for the 30-node scenario):');
  out(formatGoals(met));
  out();
  return met.every((g) => g.met);
}

async function largeCheck(driver: Driver, limitMs: number): Promise<boolean> {
  const scenario = thousandNodes();
  out(`== ${scenario.key}: ${scenario.title}, driven by ${driverName(driver)}, interrupted after ${limitMs / 1000} s of real time`);
  const run = await measureRun(scenario, driver, { budgetMs: limitMs });
  const built = run.buildWallMs < BUILD_GOAL_MS;
  const finished = run.outcome === 'completed' && run.runWallMs < LARGE_RUN_GOAL_MS;
  out(`  world built in ${(run.buildWallMs / 1000).toFixed(2)} s (goal under ${BUILD_GOAL_MS / 1000} s): ${built ? 'met' : 'NOT MET'}`);
  out(
    `  upgrade ${run.outcome} after ${(run.runWallMs / 1000).toFixed(1)} s of real time, ${formatDuration(run.totalMs)} virtual, ` +
      `${run.nodesTerminated} of ${run.nodesStale} nodes terminated (goal: all, in under ${LARGE_RUN_GOAL_MS / 1000} s): ${finished ? 'met' : 'NOT MET'}`,
  );
  if (run.outcome !== 'completed' && run.outcome !== 'interrupted') out(`  ${run.message}`);
  out();
  return built && finished;
}

async function main(): Promise<number> {
  let args: Args | 'help';
  try {
    args = parse(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }
  if (args === 'help') {
    out(USAGE);
    return 0;
  }
  let allMet = true;
  for (const key of args.scenarios) {
    const make = SCENARIOS[key];
    if (!make) continue;
    const scenario = make();
    if (args.rebalance) scenario.recovery = { ...scenario.recovery, rebalance: true };
    allMet = (await benchScenario(scenario, args.starts ?? STARTS[key] ?? 4)) && allMet;
  }
  for (const driver of args.large ? args.largeDrivers : []) allMet = (await largeCheck(driver, args.largeLimitMs)) && allMet;
  return args.check && !allMet ? 1 : 0;
}

if (import.meta.main) process.exitCode = await main();
