// The commands: what each does, its examples, and how it is loaded. Which settings each takes is the
// setting table's (src/app/settings.ts).

import { MIN_TOKEN_LENGTH, SERVICE_TOKEN_ENV } from '../service/auth.ts';
import { requestSettings, type CommandName, type SettingName } from '../app/settings.ts';
import type { CommandContext } from './context.ts';

export type Command = (ctx: CommandContext) => Promise<number>;

export interface Example {
  /** Arguments after the program name; help prints them as one shell command. */
  argv: readonly string[];
  /** Environment variables set for the example, shown before the command. */
  env?: string;
  /** What it shows, printed above it. */
  note: string;
}

export interface CommandEntry {
  name: CommandName;
  summary: string;
  examples: readonly Example[];
  /** Paragraphs printed after the flags in `<command> --help`. */
  notes?: readonly string[];
  /** Values used when no source sets them (e.g. the demo's target version). */
  defaults?: Partial<Record<SettingName, string>>;
  /** Loaded only once the input is valid: help and bad input stay fast and touch no SDK. */
  load(): Promise<Command>;
}

const CLUSTER = ['--es-url', 'https://es-1.internal:9200', '--region', 'ap-southeast-2', '--target-version', '9.5.4'];

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'plan',
    summary: 'show which nodes would be replaced, in which order and why; changes nothing',
    examples: [
      { note: 'What would happen? Reads only:', argv: ['plan', ...CLUSTER], env: 'ESRU_ES_API_KEY=...' },
      { note: 'The same from a config file, as JSON for a tool:', argv: ['plan', '--config', 'esru.yaml', '--output', 'json'] },
    ],
    load: async () => (await import('./commands/plan.ts')).plan,
  },
  {
    name: 'run',
    summary: 'replace every stale node, one at a time (--dry-run: the same as plan)',
    examples: [
      { note: 'Replace every stale node and keep the report:', argv: ['run', ...CLUSTER, '--report', 'upgrade-report.json'], env: 'ESRU_ES_API_KEY=...' },
      { note: 'In CI: no question, plain progress lines:', argv: ['run', '--config', 'esru.yaml', '--yes', '--no-progress'] },
      { note: 'Plan only, with the settings of a run:', argv: ['run', '--config', 'esru.yaml', '--dry-run'] },
    ],
    notes: [
      'On a terminal, run shows the plan and asks before the first termination unless --yes is given; without a terminal it does not ask.',
    ],
    load: async () => (await import('./commands/run.ts')).run,
  },
  {
    name: 'demo',
    summary: 'plan, then run, against a built-in simulated cluster and fleet (touches nothing real)',
    examples: [
      { note: 'Upgrade a simulated cluster of 3 masters and 3 data nodes to 9.5.4:', argv: ['demo'] },
      { note: 'Drain each node first, and print both reports as JSON:', argv: ['demo', '--strategy', 'drain', '--output', 'json'] },
    ],
    defaults: { 'target-version': '9.5.4' },
    load: async () => (await import('./commands/demo.ts')).demo,
  },
  {
    name: 'serve',
    summary: 'service mode: an HTTP API to start and watch runs; its settings become the runs\' defaults',
    examples: [
      {
        note: 'Serve runs of one cluster on 127.0.0.1:8080:',
        env: `${SERVICE_TOKEN_ENV}=$(openssl rand -hex 32) ESRU_ES_API_KEY=...`,
        argv: ['serve', '--es-url', 'https://es-1.internal:9200', '--region', 'ap-southeast-2'],
      },
      { note: 'On every interface, port 9000 (in a container):', argv: ['serve', '--config', 'esru.yaml', '--host', '0.0.0.0', '--port', '9000'] },
    ],
    notes: [
      `Authentication: the service needs a bearer token in ${SERVICE_TOKEN_ENV}, from the environment only, at least ${MIN_TOKEN_LENGTH.toString()} characters (e.g. openssl rand -hex 32); it refuses to start without one. Every request but GET /healthz must carry "Authorization: Bearer <token>"; without it, or with another token, the answer is 401 and nothing starts.`,
      `A request (POST /v1/runs) lays its options, keyed by flag name, over the settings the service was started with, and may set only these: ${requestSettings()
        .map((s) => s.name)
        .join(', ')}. The cluster, its credentials and TLS settings, the AWS region, profile and endpoint are the service's own: a request naming one gets 400. One run per cluster (by its UUID) at a time: another gets 409.`,
    ],
    load: async () => (await import('./commands/serve.ts')).serve,
  },
  {
    name: 'lease',
    summary: 'show the cluster lease: its holder, how fresh it is, the upgrade\'s record; --break releases it (needs --reason and --force)',
    examples: [
      { note: 'Who holds the lease, and is it alive? Reads only:', argv: ['lease', '--es-url', 'https://es-1.internal:9200'], env: 'ESRU_ES_API_KEY=...' },
      { note: 'The same as JSON, without watching:', argv: ['lease', '--config', 'esru.yaml', '--watch', '0s', '--output', 'json'] },
      {
        note: 'The controller\'s host is gone: let the next run start now, not after a TTL:',
        argv: ['lease', '--config', 'esru.yaml', '--break', '--reason', 'host lost in INC-1234', '--force'],
      },
    ],
    notes: [
      'Only Elasticsearch is needed (no AWS settings). The lease is watched first, for a quarter of its holder\'s TTL plus 5s unless --watch says otherwise, and at most one TTL: a holder that renews it meanwhile is alive; one that misses a renewal is stalled or dead. Times in the lease are the holder\'s clock; how long ago is this machine\'s, and the two may differ.',
      'Breaking releases the lease from its holder and keeps the upgrade\'s record (instances terminated, allocation settings changed and their values as found, a voting exclusion): the next run takes the lease at once, resumes the record and puts back what it names. The reason and who broke it (user@host) are stored in the lease. Without --force or --reason it refuses (exit 2) and changes nothing. A holder that renewed the lease while watched, or was not watched long enough to tell, is not broken (exit 3) unless --even-if-alive is given too: a live holder halts at its next write to the lease with "lease taken over"; stopping it (SIGTERM, or cancelling its run in the service) is the better way.',
      'Exit codes: 0 when shown, broken, or when there is no lease (or nobody holds it) to break; 2 for bad input; 3 when a break is refused because the holder may be alive.',
    ],
    load: async () => (await import('./commands/lease.ts')).lease,
  },
];
