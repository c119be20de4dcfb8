import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isNodeCommand, parseStat } from '../../sandbox/node-processes.ts';

const HOME = '/repo/.cache/elasticsearch/';
const DIR = '/repo/.sandbox/nodes/i-0abc';
const cmd = (...args: string[]): string => `${args.join('\0')}\0`;

describe('isNodeCommand', () => {
  const cases: [string, string, { server: boolean } | undefined][] = [
    ['the launcher (its pid file names the node)', cmd('/jvm/bin/java', '-cp', `${HOME}9.4.5/lib/tools/server-launcher/*`,
      'org.elasticsearch.server.launcher.ServerLauncher', '-p', `${DIR}/server.pid`), { server: false }],
    ['the server JVM (its temp dir names the node)', cmd('/jvm/bin/java', `-Des.path.home=${HOME}9.4.5`, `-Djava.io.tmpdir=${DIR}/tmp`,
      '-m', 'org.elasticsearch.server/org.elasticsearch.bootstrap.Elasticsearch'), { server: true }],
    ['setpriv before it execs the launcher', cmd('setpriv', '--reuid=65534', `${HOME}8.19.21/bin/elasticsearch`, '-p', `${DIR}/server.pid`), { server: false }],
    ['another node of the sandbox', cmd('/jvm/bin/java', `-Des.path.home=${HOME}9.4.5`, `-Djava.io.tmpdir=${DIR}1/tmp`,
      '-m', 'org.elasticsearch.server/org.elasticsearch.bootstrap.Elasticsearch'), undefined],
    ['a tail of the node\'s log', cmd('tail', '-f', `${DIR}/console.log`), undefined],
    ['a process that reuses a stale pid', cmd('/usr/bin/python3', '-m', 'http.server'), undefined],
  ];
  it.each(cases)('recognises %s', (_name, cmdline, expected) => {
    expect(isNodeCommand(cmdline, DIR, [HOME])).toEqual(expected);
  });

  it('accepts the distribution by its resolved path too', () => {
    expect(isNodeCommand(cmd('java', '--module-path', '/real/.cache/elasticsearch/9.4.5/lib', `-Djava.io.tmpdir=${join(DIR, 'tmp')}`),
      DIR, [HOME, '/real/.cache/elasticsearch/'])).toEqual({ server: false });
  });
});

describe('parseStat', () => {
  it('reads state and parent after a command name with spaces and parentheses', () => {
    expect(parseStat('4242 (java (x) y) Z 1 4242 4242 0 -1')).toEqual({ state: 'Z', ppid: 1 });
    expect(parseStat('17 (node) S 5595 17 17 0 -1')).toEqual({ state: 'S', ppid: 5595 });
  });
});
