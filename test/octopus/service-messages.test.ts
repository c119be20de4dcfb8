// The lines must be byte-for-byte what Octopus's own bash helpers print, so the reference here is a
// bash reimplementation of exactly what those helpers do: `echo -n "$v" | openssl enc -base64 -A` per
// attribute, attributes joined with one space, `echo $MESSAGE`; the artifact length is `wc -c < file`.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createArtifactMessage,
  deleteTargetMessage,
  encodeServiceMessageValue,
  isRunningUnderOctopus,
  progressMessage,
  resultMessage,
  setVariableMessage,
} from '../../src/octopus/service-messages.ts';

const reference = String.raw`
enc() { echo -n "$1" | openssl enc -base64 -A; }
set_variable() {
  MESSAGE="##octopus[setVariable"
  if [ -n "$1" ]; then MESSAGE="$MESSAGE name='$(enc "$1")'"; fi
  if [ -n "$2" ]; then MESSAGE="$MESSAGE value='$(enc "$2")'"; fi
  if [ -n "${'$'}{3:-}" ] && [ "$3" = "-sensitive" ]; then MESSAGE="$MESSAGE sensitive='$(enc "True")'"; fi
  MESSAGE="$MESSAGE]"
  echo $MESSAGE
}
artifact() {
  len=$(wc -c < $1)
  echo "##octopus[createArtifact path='$(enc "$1")' name='$(enc "$2")' length='$(enc $len)']"
}
result() { echo "##octopus[resultMessage message='$(enc "$1")']"; }
progress() { echo "##octopus[progress percentage='$(enc "$1")' message='$(enc "$2")']"; }
remove_target() { echo "##octopus[delete-target machine='$(enc "$1")']"; }
"$@"
`;

function bash(...args: string[]): string {
  return execFileSync('bash', ['-c', reference, 'reference', ...args], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C.UTF-8' } });
}

const longValue = Array.from({ length: 40 }, (_, i) => `i-0${(0xabc000 + i).toString(16)}abcdef12`).join(',');

describe('setVariable lines are byte-exact with the bash helper', () => {
  it.each([
    ['a plain value', 'UpgradeOutcome', 'completed'],
    ['comma-separated instance ids', 'TerminatedInstanceIds', 'i-0123456789abcdef0,i-0fedcba9876543210'],
    ['a value long enough that a wrapping base64 would break the line', 'TerminatedInstanceIds', longValue],
    ['non-ASCII text encoded as UTF-8', 'ReplacedNodes', 'nœud-ä,データ-1 ✓'],
    ['quotes, brackets and spaces', 'Message', `it's "done" ] [ now`],
    ['an empty value, which the helper leaves out', 'TerminatedInstanceIds', ''],
  ])('%s', (_title, name, value) => {
    expect(`${setVariableMessage(name, value)}\n`).toBe(bash('set_variable', name, value));
  });

  it('a sensitive variable', () => {
    expect(`${setVariableMessage('Token', 's3cr3t', { sensitive: true })}\n`).toBe(
      bash('set_variable', 'Token', 's3cr3t', '-sensitive'),
    );
  });
});

describe('createArtifact and resultMessage lines are byte-exact with the bash helper', () => {
  it('an artifact with its byte length as wc counts it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'esru-octopus-'));
    const path = join(dir, 'upgrade-report.json');
    const content = `${JSON.stringify({ outcome: 'completed', nodes: ['nœud'] }, null, 2)}\n`;
    writeFileSync(path, content);

    const line = createArtifactMessage({ path, name: 'upgrade-report.json', length: Buffer.byteLength(content) });

    expect(`${line}\n`).toBe(bash('artifact', path, 'upgrade-report.json'));
  });

  it('a result message', () => {
    const message = 'halted: es-data-2 did not rejoin within 10m (cluster yellow, 3 shards unassigned)';
    expect(`${resultMessage(message)}\n`).toBe(bash('result', message));
  });
});

describe('progress and delete-target lines are byte-exact with update_progress and remove-octopustarget', () => {
  it.each([
    ['a start', 0, 'plan: 6 node(s) to replace → 9.5.4'],
    ['half way, with an ETA', 50, 'node 4 of 6: es-data-1 (i-0abc) · ETA 6m (about 14:32 UTC)'],
    ['the end', 100, 'completed: 6 of 6 node(s) replaced'],
  ])('progress: %s', (_title, percentage, message) => {
    expect(`${progressMessage(percentage, message)}\n`).toBe(bash('progress', String(percentage), message));
  });

  it('progress is a whole number from 0 to 100', () => {
    expect(progressMessage(33.9, 'x')).toBe(progressMessage(33, 'x'));
    expect(progressMessage(-4, 'x')).toBe(progressMessage(0, 'x'));
    expect(progressMessage(250, 'x')).toBe(progressMessage(100, 'x'));
  });

  it.each([['a Name tag', 'es-data-7'], ['an instance id in a template', 'es-i-0123456789abcdef0'], ['non-ASCII', 'nœud ✓']])(
    'delete-target: %s',
    (_title, machine) => {
      expect(`${deleteTargetMessage(machine)}\n`).toBe(bash('remove_target', machine));
    },
  );
});

describe('encodeServiceMessageValue', () => {
  it('is standard base64 of UTF-8 on one line', () => {
    expect(encodeServiceMessageValue('ä')).toBe('w6Q=');
    expect(encodeServiceMessageValue(longValue)).not.toMatch(/\s/);
  });
});

describe('isRunningUnderOctopus', () => {
  it.each([
    ['Calamari working directory set', { OctopusCalamariWorkingDirectory: '/etc/octopus/Work/20260101' }, true],
    ['Tentacle home set', { TentacleHome: '/etc/octopus' }, true],
    ['neither set', { CI: 'true', HOME: '/root' }, false],
    ['set but empty', { TentacleHome: '' }, false],
  ])('%s', (_title, env, expected) => {
    expect(isRunningUnderOctopus(env)).toBe(expected);
  });
});
