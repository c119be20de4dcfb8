// The optional settings file: JSON or YAML, a flat mapping whose keys are the flag names.
// Parse errors report a position only: the offending line may hold a password.
//
// The file is bad input unless it is small and plain: only a regular file is read (a FIFO or a device
// such as /dev/zero would block or never end), at most MAX_BYTES of it, with YAML aliases and
// nesting bounded (a "billion laughs" file expands to gigabytes; a deep one overflows the stack).

import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { extname } from 'node:path';
import { isCollection, isPair, parseDocument, type Node } from 'yaml';
import { InvalidInputError } from '../shared/errors.ts';

/** A settings file is a few hundred bytes; a megabyte is not one. */
const MAX_BYTES = 1024 * 1024;
/** A flat mapping of settings, a list value at most: deeper is not a settings file. */
const MAX_DEPTH = 8;
/** Aliases a YAML file may expand; a settings file needs few, if any. */
const MAX_ALIASES = 50;

export function readConfigFile(path: string): Record<string, unknown> {
  const source = readSmallRegularFile(path);
  const data = extname(path).toLowerCase() === '.json' ? parseJson(path, source) : parseYaml(path, source);
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new InvalidInputError(`--config: "${path}" must hold a mapping of settings (e.g. "target-version: 2.14.0")`);
  }
  if (depthOf(data) > MAX_DEPTH) throw tooDeep(path);
  return data as Record<string, unknown>;
}

/** Opens without blocking (a FIFO with no writer would wait forever), then looks at what it opened. */
function readSmallRegularFile(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    throw cannotRead(path, (error as NodeJS.ErrnoException).code);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) {
      throw new InvalidInputError(`--config: "${path}" is ${kindOf(stats)}, not a regular file; give the path of a JSON or YAML file`);
    }
    if (stats.size > MAX_BYTES) throw tooLarge(path, stats.size);
    // The size could change after fstat: read no more than the limit allows either way.
    const buffer = Buffer.alloc(MAX_BYTES + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length <= MAX_BYTES; length += n) n = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > MAX_BYTES) throw tooLarge(path, length);
    return buffer.subarray(0, length).toString('utf8');
  } catch (error) {
    if (error instanceof InvalidInputError) throw error;
    throw cannotRead(path, (error as NodeJS.ErrnoException).code);
  } finally {
    closeSync(fd);
  }
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a plain file';
}

function cannotRead(path: string, code: string | undefined): InvalidInputError {
  const why: Record<string, string> = {
    ENOENT: 'no such file',
    EACCES: 'permission denied',
    EISDIR: 'is a directory',
    ENXIO: 'is a socket or a device without a reader, not a regular file',
  };
  return new InvalidInputError(`--config: cannot read "${path}": ${(code && why[code]) ?? code ?? 'unreadable'}`);
}

function tooLarge(path: string, size: number): InvalidInputError {
  return new InvalidInputError(
    `--config: "${path}" is ${size > MAX_BYTES ? `more than ${MAX_BYTES.toString()}` : size.toString()} bytes; a config file is at most ${MAX_BYTES.toString()} bytes (1 MiB)`,
  );
}

function tooDeep(path: string): InvalidInputError {
  return new InvalidInputError(
    `--config: "${path}" nests deeper than ${MAX_DEPTH.toString()} levels; a config file is a flat mapping of settings whose values are text, numbers, on/off or lists`,
  );
}

function parseJson(path: string, source: string): unknown {
  try {
    return JSON.parse(source) as unknown;
  } catch (error) {
    if (error instanceof RangeError) throw tooDeep(path);
    const where = /line (\d+) column (\d+)/.exec((error as Error).message);
    const at = where ? ` at line ${where[1] ?? '?'}, column ${where[2] ?? '?'}` : '';
    throw new InvalidInputError(`--config: "${path}" is not valid JSON${at}`);
  }
}

function parseYaml(path: string, source: string): unknown {
  let doc;
  try {
    doc = parseDocument(source, { uniqueKeys: true });
  } catch (error) {
    if (error instanceof RangeError) throw tooDeep(path);
    throw error;
  }
  // The yaml package reports a stack overflow while composing nested collections as this code.
  if (doc.errors.some((e) => e.code === 'RESOURCE_EXHAUSTION')) throw tooDeep(path);
  const first = doc.errors[0];
  if (first) {
    const pos = first.linePos?.[0];
    const at = pos ? ` at line ${pos.line.toString()}, column ${pos.col.toString()}` : '';
    throw new InvalidInputError(`--config: "${path}" is not valid YAML${at} (${first.code})`);
  }
  if (nodeDepth(doc.contents) > MAX_DEPTH) throw tooDeep(path);
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIASES }) as unknown;
  } catch (error) {
    // The yaml package refuses an alias expansion past the count with a ReferenceError.
    if (error instanceof ReferenceError) {
      throw new InvalidInputError(
        `--config: "${path}" expands its YAML aliases (*name) too often; a config file may use at most ${MAX_ALIASES.toString()} alias expansions`,
      );
    }
    if (error instanceof RangeError) throw tooDeep(path);
    throw error;
  }
}

/** Nesting depth of a YAML node tree, counted as depthOf counts it, without recursion (the tree may be deeper than the stack). */
function nodeDepth(root: Node | null): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() ?? [null, 0];
    if (depth > MAX_DEPTH) return depth;
    deepest = Math.max(deepest, depth);
    // The key and value of a pair sit at the level of the pair, one below their mapping.
    if (isPair(node)) stack.push([node.key, depth], [node.value, depth]);
    else if (isCollection(node)) for (const item of node.items) stack.push([item, depth + 1]);
  }
  return deepest;
}

/** Nesting depth of parsed JSON, without recursion. */
function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop() ?? [null, 0];
    if (depth > MAX_DEPTH) return depth;
    deepest = Math.max(deepest, depth);
    if (typeof item === 'object' && item !== null) for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return deepest;
}
