// --help text, generated from the option table so it cannot drift from what the parser accepts.

import { META_FLAGS, OPTIONS, type OptionScope, type OptionSpec } from './options.ts';

export interface CommandHelp {
  name: string;
  summary: string;
  scopes: readonly OptionScope[];
  required: readonly string[];
}

const SCOPE_TITLES: Record<OptionScope, string> = {
  connection: 'Elasticsearch and AWS',
  upgrade: 'Upgrade',
  output: 'Output and behaviour',
  service: 'Service mode (serve)',
};

const EXIT_CODES = `Exit codes:
  0    done, or nothing to do
  1    internal error
  2    invalid input (bad flag, environment variable or config file); nothing was contacted
  3    refused to start (a safety rule said no, or another controller holds the lock)
  4    halted mid-run (a wait timed out or the cluster became unsafe)
  130  interrupted by SIGINT;  143  interrupted by SIGTERM`;

export function formatHelp(commands: readonly CommandHelp[], command?: CommandHelp): string {
  const lines: string[] = [];
  if (command === undefined) {
    lines.push(
      'es-rolling-upgrade: rolling upgrade of a self-managed Elasticsearch cluster on EC2 Auto Scaling Groups,',
      'one node at a time: terminate a stale instance, wait for its replacement and for recovery, repeat.',
      '',
      'Usage: es-rolling-upgrade <command> [flags]',
      '',
      'Commands:',
      ...commands.map((c) => `  ${c.name.padEnd(7)}${c.summary}`),
      '',
      'Run "es-rolling-upgrade <command> --help" for the flags of one command.',
      '',
    );
  } else {
    lines.push(`Usage: es-rolling-upgrade ${command.name} [flags]`, '', command.summary, '');
  }
  const scopes = command?.scopes ?? (Object.keys(SCOPE_TITLES) as OptionScope[]);
  for (const scope of scopes) {
    lines.push(`${SCOPE_TITLES[scope]}:`);
    for (const o of OPTIONS.filter((o: OptionSpec) => o.scope === scope)) lines.push(...describeOption(o, command));
    lines.push('');
  }
  lines.push('General:');
  for (const m of META_FLAGS) {
    const flag = `-${m.short}, --${m.name}${'valueName' in m ? ` ${m.valueName}` : ''}`;
    lines.push(`  ${flag.padEnd(36)}${m.description}${'env' in m ? ` [${m.env}]` : ''}`);
  }
  lines.push(
    '',
    'Every setting can also come from the environment variable in brackets, or from the --config file',
    '(JSON or YAML, keys are the flag names). Flags win over the environment, which wins over the file.',
    'Durations: 500ms, 90s, 15m, 1h, 1h30m, 2d.',
    '',
    EXIT_CODES,
    '',
  );
  return lines.join('\n');
}

function describeOption(o: OptionSpec, command: CommandHelp | undefined): string[] {
  const flag = o.kind === 'boolean' ? `--[no-]${o.name}` : `--${o.name} ${o.valueName ?? 'VALUE'}`;
  const notes: string[] = [];
  if (command?.required.includes(o.name)) notes.push('required');
  if (o.defaultText !== undefined) notes.push(`default ${o.defaultText}`);
  const env = o.env.length > 0 ? ` [${o.env.join(', ')}]` : '';
  const text = `${o.description}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}${env}`;
  return [`  ${flag.padEnd(36)}${text}`];
}
