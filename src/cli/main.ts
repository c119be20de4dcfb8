// The composition root of the command line: argv -> validated settings -> a command, and the one
// boundary that turns errors into exit codes. Validation finishes before any client is built.

import { describeConfig } from '../app/config.ts';
import { createHolderId } from '../app/holder.ts';
import { ExitCode, InvalidInputError, UpgradeError } from '../shared/errors.ts';
import { createLogger, type Logger, type LoggerOptions } from '../shared/log.ts';
import { redactSecrets } from '../shared/redact.ts';
import { toolVersion } from '../shared/tool-version.ts';
import { parseArgv } from './args.ts';
import { COMMANDS, type CommandEntry } from './commands.ts';
import { loadConfig } from './config.ts';
import type { CliIo, CommandContext } from './context.ts';
import type { ProgressView } from './progress-view.ts';
import type { EventStream } from './event-stream.ts';
import { EVENTS_TO_STDOUT } from '../app/settings.ts';
import { isRunningUnderOctopus, resultMessage, STDERR_AS_VERBOSE, stdoutErrorLines } from '../octopus/service-messages.ts';
import { colourWanted, emphasiseHeadings, palette } from './colour.ts';
import { formatHelp, helpWidth } from './help.ts';
import { onSignals } from './signals.ts';
import { closest } from '../app/suggest.ts';
import type { ConnectLockFn } from '../app/connect-lock.ts';
import type { Clock } from '../shared/clock.ts';

export { COMMANDS };

export function processIo(): CliIo {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    stdoutIsTTY: process.stdout.isTTY,
    stdoutColumns: process.stdout.isTTY ? process.stdout.columns : undefined,
    stderrIsTTY: process.stderr.isTTY,
    stdinIsTTY: process.stdin.isTTY,
    env: process.env,
  };
}

export interface MainOverrides {
  connect?: CommandContext['connect'];
  /** The lease's adapter alone (lease). */
  connectLock?: ConnectLockFn;
  /** Time for the commands' waits (default: the system clock). */
  clock?: Clock;
  /** Logger factory (tests), given what main would use: pino on stderr, pretty and coloured on a terminal. */
  createLogger?: (level: string, options: LoggerOptions) => Logger;
}

/** Runs one command line; resolves with the exit code. Never throws. */
export async function main(argv: readonly string[], io: CliIo = processIo(), overrides: MainOverrides = {}): Promise<number> {
  let log: Logger | undefined;
  let progress: ProgressView | undefined;
  let events: EventStream | undefined;
  /** Whether Octopus service messages are printed; undefined until the settings are read. */
  let octopus: boolean | undefined;
  const controller = new AbortController();
  const removeSignalHandlers = onSignals(controller, (text) => io.stderr(text));
  try {
    const args = parseArgv(argv);
    if (args.version) {
      io.stdout(`${toolVersion()}\n`);
      return ExitCode.ok;
    }
    const width = helpWidth(io.stdoutIsTTY ? io.stdoutColumns : undefined);
    // Headings in bold where a person reads them (NO_COLOR aside).
    const help = (text: string, isTTY: boolean): string => emphasiseHeadings(text, palette(colourWanted(io.env, isTTY)));
    if (args.command === 'help' || (args.command === undefined && args.help)) {
      io.stdout(help(formatHelp(COMMANDS, undefined, width), io.stdoutIsTTY));
      return ExitCode.ok;
    }
    if (args.command === undefined) {
      io.stderr(help(formatHelp(COMMANDS, undefined, width), io.stderrIsTTY));
      return ExitCode.invalidInput;
    }
    const entry = COMMANDS.find((c) => c.name === args.command);
    if (entry === undefined) {
      const hint = closest(args.command, COMMANDS.map((c) => c.name));
      throw new InvalidInputError(
        `unknown command "${args.command}"${hint ? ` (did you mean ${hint}?)` : ''}; commands: ${COMMANDS.map((c) => c.name).join(', ')}`,
      );
    }
    if (args.help) {
      io.stdout(help(formatHelp(COMMANDS, entry, width), io.stdoutIsTTY));
      return ExitCode.ok;
    }

    const { config, settings } = loadConfig(entry, { flags: args.flags, env: io.env, configFile: args.configFile });
    // Octopus reads service messages from stdout: the events cannot go there too.
    octopus = entry.name !== 'serve' && (config.octopus ?? isRunningUnderOctopus(io.env));
    const eventsToStdout = config.events === EVENTS_TO_STDOUT;
    if (eventsToStdout && octopus) {
      throw new InvalidInputError(
        '--events - writes the events to stdout, where Octopus reads its service messages: write them to a file (--events FILE), or pass --no-octopus',
      );
    }
    // Logs and the like go to stderr, which Octopus would show as errors: verbose they are.
    if (octopus) io.stdout(`${STDERR_AS_VERBOSE}\n`);
    // The live progress frame owns the terminal: info lines would tear it, so they wait for the
    // summary (warnings and errors still show; --log-level debug shows everything).
    const live = (config.progress ?? true) && io.stderrIsTTY;
    const liveFrame = entry.name === 'run' && !config.dryRun && live;
    const level = liveFrame && config.logLevel === 'info' ? 'warn' : config.logLevel;
    const logOptions: LoggerOptions = { level, pretty: io.stderrIsTTY, colour: colourWanted(io.env, io.stderrIsTTY) };
    log = overrides.createLogger?.(level, logOptions) ?? createLogger(logOptions);
    log.debug({ command: entry.name, config: describeConfig(config) }, 'settings');

    const execute = await entry.load();
    const holder = createHolderId();
    const mode = entry.name === 'run' && config.dryRun ? 'plan' : entry.name;
    const connect = overrides.connect ?? (await loadConnect(entry));
    const connectLock = overrides.connectLock ?? (entry.name === 'lease' ? (await import('../app/connect-lock.ts')).connectLock : undefined);
    const ctx: CommandContext = {
      config,
      settings,
      log,
      // With the events on stdout, what the command would print there (the summary, the plan,
      // the report) goes to stderr: stdout stays one JSON object a line.
      io: eventsToStdout ? { ...io, stdout: (text) => io.stderr(text), stdoutIsTTY: io.stderrIsTTY } : io,
      signal: controller.signal,
      holder,
      // Every Elasticsearch request names this command and its lease holder.
      connect: (options, connectionLog, versionTagKey) => connect(options, connectionLog, versionTagKey, { command: mode, holder }),
      ...(connectLock ? { connectLock: (es, connectionLog) => connectLock(es, connectionLog, { command: mode, holder }) } : {}),
      ...(overrides.clock ? { clock: overrides.clock } : {}),
    };
    progress = await progressFor(entry.name, ctx, live, octopus);
    if (config.events !== undefined) events = (await import('./event-stream.ts')).openEventStream(config.events, (text) => io.stdout(text), log);
    // Under Octopus a run moves the step's progress bar, node by node.
    const octopusProgress =
      octopus && ((entry.name === 'run' && !config.dryRun) || entry.name === 'demo')
        ? (await import('./octopus-progress.ts')).createOctopusProgress((text) => io.stdout(text))
        : undefined;
    const sinks = [progress?.onEvent, events?.onEvent, octopusProgress].filter((sink) => sink !== undefined);
    if (sinks.length > 0) ctx.onEvent = (event) => sinks.forEach((sink) => sink(event));
    if (entry.name === 'run' && !config.dryRun) {
      // Unless --yes, CI or Octopus: ask a person at the terminal, or refuse (exit 3) without one.
      const { confirmReplacement, consentFor } = await import('./confirm.ts');
      if (consentFor({ yes: config.yes, stdinIsTTY: io.stdinIsTTY, env: io.env }) !== 'given') {
        ctx.confirm = (plan) =>
          confirmReplacement(plan, { input: process.stdin, env: io.env, yes: config.yes, stdinIsTTY: io.stdinIsTTY, signal: controller.signal });
      }
    }
    return await execute(ctx);
  } catch (error) {
    const code = reportError(error, io, log);
    if (octopus ?? octopusAsked(argv, io.env)) sayErrorToOctopus(error, io);
    return code;
  } finally {
    progress?.stop();
    events?.close();
    removeSignalHandlers();
  }
}

/**
 * The progress view follows a run: live on a terminal, plain lines elsewhere or with --no-progress.
 * The demo shows it only when asked (--progress): it is over in a blink. Under Octopus the plain
 * lines go to stdout, where they are the step's log (stderr is verbose there), unless stdout is JSON.
 */
async function progressFor(command: string, ctx: CommandContext, live: boolean, octopus: boolean): Promise<ProgressView | undefined> {
  const wanted = command === 'run' ? !ctx.config.dryRun : command === 'demo' && ctx.config.progress === true;
  if (!wanted) return undefined;
  const { createProgressView } = await import('./progress-view.ts');
  if (octopus && ctx.config.output !== 'json') {
    return createProgressView({ output: { write: (text: string) => ctx.io.stdout(text), isTTY: false }, live: false, colour: false });
  }
  return createProgressView({
    output: { write: (text: string) => ctx.io.stderr(text), isTTY: ctx.io.stderrIsTTY, columns: process.stderr.columns },
    live,
    colour: colourWanted(ctx.io.env, ctx.io.stderrIsTTY),
  });
}

/**
 * Before the settings are read: --octopus or --no-octopus (the last wins), else found by the
 * environment; never for serve, which prints no service messages.
 */
function octopusAsked(argv: readonly string[], env: CliIo['env']): boolean {
  if (argv.find((a) => !a.startsWith('-')) === 'serve') return false;
  const flag = argv.findLast((a) => a === '--octopus' || a === '--no-octopus');
  return flag === undefined ? isRunningUnderOctopus(env) : flag === '--octopus';
}

/**
 * An error under Octopus: on stdout at the error level, and as the step's result message. Stderr may
 * be logged as verbose, hidden by default: made so by this process, or by the step that runs it.
 */
function sayErrorToOctopus(error: unknown, io: CliIo): void {
  const message = redactSecrets(error instanceof Error ? error.message : String(error));
  const lines = stdoutErrorLines(`error: ${message}`);
  lines.push(resultMessage(message.replace(/\s*[\r\n]+\s*/g, ' ').trim()));
  io.stdout(lines.map((line) => `${line}\n`).join(''));
}

/**
 * The SDKs load only for commands that talk to a real cluster and fleet, and only once the input is
 * valid (lease talks to Elasticsearch alone, through connectLock).
 */
async function loadConnect(entry: CommandEntry): Promise<CommandContext['connect']> {
  if (entry.name !== 'demo' && entry.name !== 'lease') return (await import('../app/connect.ts')).connect;
  return () => {
    throw new UpgradeError(`the ${entry.name} command does not connect to a cluster and its fleet`);
  };
}

function reportError(error: unknown, io: CliIo, log: Logger | undefined): number {
  const message = redactSecrets(error instanceof Error ? error.message : String(error));
  if (error instanceof InvalidInputError) {
    io.stderr(`${message.split('\n').map((line) => `error: ${line}`).join('\n')}\nRun with --help for the flags and their values.\n`);
    return ExitCode.invalidInput;
  }
  if (error instanceof UpgradeError) {
    io.stderr(`error: ${message}\n`);
    return error.exitCode;
  }
  log?.debug({ stack: redactSecrets(error instanceof Error ? (error.stack ?? '') : '') }, 'internal error');
  io.stderr(`internal error: ${message}\n`);
  return ExitCode.internal;
}

/** Entry point of the executable: run, flush stdout, exit with the code. */
export async function runCli(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const code = await main(argv);
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  process.exit(code);
}

if (import.meta.main) await runCli();
