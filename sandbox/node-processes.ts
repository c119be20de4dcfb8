// Which processes are an Elasticsearch node's, found by what they run rather than by pid files.
//
// A node is a launcher JVM (bin/elasticsearch, run through setpriv) and the server JVM it starts; the
// server writes server.pid only some seconds into its boot. Pid files go stale, and pids are reused
// quickly here (a busy machine wraps pid_max=32768 within the hour), so a pid from a file is trusted
// only when /proc shows it still runs this node's Elasticsearch. A process that has exited but is not
// yet reaped (a zombie: the orphans' reaper here collects them only every second or two) is gone.

import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { cacheDir } from './paths.ts';

export interface NodeProcess {
  pid: number;
  ppid: number;
  /** The server JVM (main class org.elasticsearch.bootstrap.Elasticsearch), not the launcher. */
  server: boolean;
}

const HAS_PROC = existsSync('/proc/self/stat');

/** State and parent pid from /proc/<pid>/stat (the command name may contain spaces and parentheses). */
export function parseStat(stat: string): { state: string; ppid: number } {
  const [state = '?', ppid = '0'] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state, ppid: Number(ppid) };
}

/**
 * Whether a command line (NUL-separated, as in /proc/<pid>/cmdline) is Elasticsearch run for the
 * node in `dir`: it names the node's directory and the distributions' home. A `tail` of the node's
 * log or a test script does not run from the distribution, so it never counts.
 */
export function isNodeCommand(cmdline: string, dir: string, homes: string[] = distributionHomes()): { server: boolean } | undefined {
  const args = cmdline.split('\0');
  const nodeDir = `${resolve(dir)}/`;
  if (!args.some((a) => a.includes(nodeDir)) || !args.some((a) => homes.some((home) => a.includes(home)))) return undefined;
  return { server: args.some((a) => a.endsWith('org.elasticsearch.bootstrap.Elasticsearch')) };
}

let homes: string[] | undefined;

/** The distributions' directory as written and as resolved (.cache may be a symbolic link). */
function distributionHomes(): string[] {
  if (homes) return homes;
  const written = resolve(cacheDir, 'elasticsearch');
  let real = written;
  try {
    real = realpathSync(written);
  } catch {
    // Not fetched yet: nothing runs from it either.
  }
  return (homes = [...new Set([`${written}/`, `${real}/`])]);
}

function read(pid: number, dir: string): NodeProcess | undefined {
  try {
    const { state, ppid } = parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    if (state === 'Z' || state === 'X') return undefined;
    const kind = isNodeCommand(readFileSync(`/proc/${pid}/cmdline`, 'utf8'), dir);
    return kind ? { pid, ppid, server: kind.server } : undefined;
  } catch {
    return undefined;
  }
}

/** Every live process of the node; undefined where there is no /proc. */
export function nodeProcesses(dir: string): NodeProcess[] | undefined {
  if (!HAS_PROC) return undefined;
  const out: NodeProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const found = read(Number(entry), dir);
    if (found) out.push(found);
  }
  return out;
}

/** Whether `pid` is a live process of the node (undefined where there is no /proc). */
export function isNodeProcess(pid: number | undefined, dir: string): boolean | undefined {
  if (!HAS_PROC) return undefined;
  return pid !== undefined && read(pid, dir) !== undefined;
}

/** Whether `pid` has exited, reaped or not (undefined where there is no /proc). */
export function isZombieOrGone(pid: number): boolean | undefined {
  if (!HAS_PROC) return undefined;
  try {
    const { state } = parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return state === 'Z' || state === 'X';
  } catch {
    return true;
  }
}
