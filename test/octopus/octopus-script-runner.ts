// Runs a Bash script as Octopus's script runner (Calamari) does, without Octopus: in a fresh working
// directory, a bootstrap sources a configuration script, then the step's script. The configuration
// defines the helpers a step script may call (get_octopusvariable, set_octopusvariable,
// new_octopusartifact, fail_step, update_progress, encode_servicemessagevalue) the way Octopus's
// documentation and its own helpers describe them: each variable's value is kept AES-256-CBC
// encrypted under a key given as the bootstrap's first argument, looked up by the base64 of its name,
// and an unknown name gives an empty value. The environment is what Calamari sets (its working
// directory, the Tentacle's home). Service messages on stdout are parsed back, their values decoded
// from base64 as Octopus reads them.

import { spawn } from 'node:child_process';
import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ServiceMessage {
  name: string;
  attrs: Record<string, string>;
}

export interface StepRun {
  code: number | null;
  stdout: string;
  stderr: string;
  messages: ServiceMessage[];
  workdir: string;
}

export interface StepOptions {
  /** The step's variables, as Octopus gives them (parameters, account properties, Octopus.*). */
  variables: Record<string, string>;
  /** Extra environment (PATH first): the worker's. */
  env?: Record<string, string>;
  timeoutMs?: number;
}

const HELPERS = String.raw`
key="$1"
encode_servicemessagevalue() { printf '%s' "$1" | openssl enc -base64 -A; }
decrypt_variable() { printf '%s' "$1" | openssl enc -a -A -d -aes-256-cbc -nosalt -K "$key" -iv "$2"; }
fail_step() {
  if [ -n "${'$'}{1:-}" ]; then echo "##octopus[resultMessage message='$(encode_servicemessagevalue "$1")']"; fi
  exit 1
}
set_octopusvariable() {
  local message="##octopus[setVariable"
  if [ -n "$1" ]; then message="$message name='$(encode_servicemessagevalue "$1")'"; fi
  if [ -n "$2" ]; then message="$message value='$(encode_servicemessagevalue "$2")'"; fi
  if [ "${'$'}{3:-}" = "-sensitive" ]; then message="$message sensitive='$(encode_servicemessagevalue True)'"; fi
  echo "$message]"
}
new_octopusartifact() {
  local name="${'$'}{2:-$(basename "$1")}"
  echo "##octopus[createArtifact path='$(encode_servicemessagevalue "$1")' name='$(encode_servicemessagevalue "$name")' length='$(encode_servicemessagevalue "$(wc -c <"$1" | tr -d ' ')")']"
}
update_progress() { echo "##octopus[progress percentage='$(encode_servicemessagevalue "$1")' message='$(encode_servicemessagevalue "$2")']"; }
`;

export async function runStepScript(script: string, options: StepOptions): Promise<StepRun> {
  const workdir = mkdtempSync(join(tmpdir(), 'esru-octopus-step-'));
  const key = randomBytes(32);
  const cases = Object.entries(options.variables).map(([name, value]) => {
    const iv = randomBytes(16);
    const cipher = createCipheriv('aes-256-cbc', key, iv);
    const encrypted = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]).toString('base64');
    return `    "${Buffer.from(name, 'utf8').toString('base64')}") decrypt_variable "${encrypted}" "${iv.toString('hex')}" ;;`;
  });
  const getVariable = `get_octopusvariable() {\n  case "$(encode_servicemessagevalue "$1")" in\n${cases.join('\n')}\n    *) echo "" ;;\n  esac\n}\n`;
  writeFileSync(join(workdir, 'Configure.sh'), `${HELPERS}\n${getVariable}`);
  writeFileSync(join(workdir, 'Script.sh'), script);
  // As Calamari's bootstrap: the helpers, the key shifted out of the script's sight, the script.
  writeFileSync(join(workdir, 'Bootstrap.sh'), '#!/bin/bash\nsource "$(pwd)/Configure.sh"\nshift\nsource "$(pwd)/Script.sh"\n');
  const tentacleHome = mkdtempSync(join(tmpdir(), 'esru-tentacle-'));
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: workdir,
    LANG: 'C.UTF-8',
    TentacleHome: tentacleHome,
    OctopusCalamariWorkingDirectory: workdir,
    ...options.env,
  };

  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['Bootstrap.sh', key.toString('hex')], { cwd: workdir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, messages: parseServiceMessages(stdout), workdir });
    });
  });
}

/** Every `##octopus[name a='..' b='..']` line, attribute values decoded from base64 (UTF-8). */
export function parseServiceMessages(stdout: string): ServiceMessage[] {
  const out: ServiceMessage[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('##octopus[')) continue;
    const m = /^##octopus\[([\w-]+)((?: \w+='[A-Za-z0-9+/=]*')*)\]$/.exec(line);
    if (!m) throw new Error(`a malformed service message: ${line}`);
    const attrs: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/ (\w+)='([^']*)'/g)) attrs[k ?? ''] = Buffer.from(v ?? '', 'base64').toString('utf8');
    out.push({ name: m[1] ?? '', attrs });
  }
  return out;
}

/** The output variables the messages set, by name (a variable set without a value is ''). */
export function outputVariables(messages: readonly ServiceMessage[]): Record<string, string> {
  return Object.fromEntries(messages.filter((m) => m.name === 'setVariable').map((m) => [m.attrs.name ?? '', m.attrs.value ?? '']));
}
