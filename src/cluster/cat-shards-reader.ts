// Reads the `_cat/shards` answer from its text. It is 100,000 rows at 1,000 nodes, every tick:
// JSON.parse builds an object for each row only for it to be copied into a ShardCopy, and that
// garbage costs as much again to collect. Rows in the form Elasticsearch writes them (compact, the
// columns asked for, values strings without escapes or null) are read straight from the text into
// copies; anything else is read through JSON.parse, to the same result.

import type { ShardCopy } from '../upgrade/model.ts';
import { toShardCopies, toShardCopy, type CatShardRow } from './es-read-model.ts';

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_LIST = 0x5b;
const CLOSE_LIST = 0x5d;
const OPEN_ROW = 0x7b;
const CLOSE_ROW = 0x7d;
const I = 0x69;
const N = 0x6e;
const P = 0x70;
const S = 0x73;
const T = 0x74;
const U = 0x75;
const A = 0x61;

/** The columns read, by their place in CAT_SHARDS_COLUMNS. */
const Column = { Index: 0, Shard: 1, Prirep: 2, State: 3, Node: 4, UnassignedAt: 5 } as const;
type Column = (typeof Column)[keyof typeof Column];

/**
 * Reads successive `_cat/shards?format=json&h=i,s,p,st,n,ua` answers, one a tick. Most rows read
 * as they did a tick ago: a row whose text is the same as the last answer's row at its place is
 * that row's copy again, found by comparing the text alone; other rows are read, their values made
 * strings once. Copies are thus shared between snapshots, and frozen to keep them so.
 */
export class CatShardsReader {
  private values = new Map<string, string>();
  /** The last answer, if read compactly: its copies and each one's row text. */
  private last: Compact | undefined;

  read(text: string): ShardCopy[] {
    // Values no longer answered would pile up (unassigned.at is one per copy): start afresh then.
    if (this.values.size > 2 * (this.last?.copies.length ?? 0) + 1_000) this.values = new Map<string, string>();
    // The same answer as last time (compared whole, as fast as copying it): the same copies.
    const compact = text === this.last?.text ? this.last : scanCompact(text, this.values, this.last);
    if (compact) {
      this.last = compact;
      return [...compact.copies];
    }
    this.last = undefined;
    return toShardCopies(parseRows(text)).map((c) => Object.freeze(c));
  }
}

interface Compact {
  /** The answer the rows are slices of. */
  text: string;
  copies: readonly ShardCopy[];
  /** Row i's text, `{...}`, as sent. */
  rows: readonly string[];
}

/** One answer's copies. */
export function readCatShards(text: string): ShardCopy[] {
  return new CatShardsReader().read(text);
}

function parseRows(text: string): CatShardRow[] {
  let rows: unknown;
  try {
    rows = JSON.parse(text);
  } catch (error) {
    throw new Error(`_cat/shards answered something other than JSON (${(error as Error).message}): ${text.slice(0, 80)}`);
  }
  if (!Array.isArray(rows) || !rows.every((row) => typeof row === 'object' && row !== null && !Array.isArray(row))) {
    throw new Error(`_cat/shards answered something other than a list of rows: ${text.slice(0, 80)}`);
  }
  return rows as CatShardRow[];
}

/** A compact answer's copies and rows, or undefined at the first thing it does not expect. */
function scanCompact(text: string, seen: Map<string, string>, last: Compact | undefined): Compact | undefined {
  const copies: ShardCopy[] = [];
  // Where each row starts and ends, to keep its text when any row changed.
  const bounds: number[] = [];
  let changed = false;
  if (text.charCodeAt(0) !== OPEN_LIST) return undefined;
  // Escapes are JSON.parse's to decode: with none, a value ends at the next quote.
  if (text.includes('\\')) return undefined;
  let pos = 1;
  if (text.charCodeAt(pos) === CLOSE_LIST) return text.slice(pos + 1).trim() === '' ? { text, copies, rows: [] } : undefined;
  for (;;) {
    const rowStart = pos;
    const lastRow = last?.rows[copies.length];
    // (A slice compared whole is a fraction of the cost of startsWith or a loop over its characters.)
    if (lastRow !== undefined && text.slice(pos, pos + lastRow.length) === lastRow) {
      // The same row as last time: the same copy. (The row's text is a whole row: reading it again
      // would end where it ends.)
      copies.push(last?.copies[copies.length] as ShardCopy);
      pos += lastRow.length;
    } else {
      changed = true;
      const end = scanRow(text, pos, seen, last?.copies[copies.length], copies);
      if (end === undefined) return undefined;
      pos = end;
    }
    bounds.push(rowStart, pos);
    const next = text.charCodeAt(pos);
    if (next === COMMA) pos++;
    else if (next === CLOSE_LIST && text.slice(pos + 1).trim() === '') break;
    else return undefined;
  }
  if (last && !changed && copies.length === last.copies.length) return { text: last.text, copies, rows: last.rows };
  // Rows of this answer's text, so that none keeps an older answer's text alive.
  const rows = new Array<string>(copies.length);
  for (let i = 0; i < rows.length; i++) rows[i] = text.slice(bounds[2 * i], bounds[2 * i + 1]);
  return { text, copies, rows };
}

/** Reads the row at `start` (its `{`) into `copies`: where it ends, or undefined if not compact. */
function scanRow(text: string, start: number, seen: Map<string, string>, previous: ShardCopy | undefined, copies: ShardCopy[]): number | undefined {
  let pos = start;
  if (text.charCodeAt(pos) !== OPEN_ROW) return undefined;
  pos++;
  // Absent columns stay undefined, null ones null: as JSON.parse would read them.
  let index: string | null | undefined;
  let shard: string | null | undefined;
  let prirep: string | null | undefined;
  let state: string | null | undefined;
  let node: string | null | undefined;
  let unassignedAt: string | null | undefined;
  if (text.charCodeAt(pos) !== CLOSE_ROW) {
    for (;;) {
      // The key: one of i, s, p, st, n, ua, then a colon.
      if (text.charCodeAt(pos) !== QUOTE) return undefined;
      let column: Column | undefined;
      if (text.charCodeAt(pos + 2) === QUOTE) {
        column = columnOf(text.charCodeAt(pos + 1), -1);
        pos += 3;
      } else if (text.charCodeAt(pos + 3) === QUOTE) {
        column = columnOf(text.charCodeAt(pos + 1), text.charCodeAt(pos + 2));
        pos += 4;
      }
      if (column === undefined || text.charCodeAt(pos) !== COLON) return undefined;
      pos++;
      // The value: a string without escapes (they are JSON.parse's to decode), or null.
      let value: string | null;
      if (text.charCodeAt(pos) === QUOTE) {
        const valueStart = pos + 1;
        const end = text.indexOf('"', valueStart);
        if (end === -1) return undefined;
        // Each distinct value is kept as one string (index and node names, states repeat).
        const made = text.slice(valueStart, end);
        const known = seen.get(made);
        if (known === undefined) seen.set(made, made);
        value = known ?? made;
        pos = end + 1;
      } else if (isText(text, pos, pos + 4, 'null')) {
        value = null;
        pos += 4;
      } else {
        return undefined;
      }
      if (column === Column.Index) index = value;
      else if (column === Column.Shard) shard = value;
      else if (column === Column.Prirep) prirep = value;
      else if (column === Column.State) state = value;
      else if (column === Column.Node) node = value;
      else unassignedAt = value;
      const next = text.charCodeAt(pos);
      if (next === CLOSE_ROW) break;
      if (next !== COMMA) return undefined;
      pos++;
    }
  }
  const copy = toShardCopy(index, shard, prirep, state, node, unassignedAt, previous);
  copies.push(copy === previous ? copy : Object.freeze(copy));
  return pos + 1;
}

/** Whether text[start, end) is `expected`. */
function isText(text: string, start: number, end: number, expected: string): boolean {
  if (end - start !== expected.length || end > text.length) return false;
  for (let i = 0; i < expected.length; i++) if (text.charCodeAt(start + i) !== expected.charCodeAt(i)) return false;
  return true;
}

/** Which of i, s, p, n (second -1), st, ua a key of these characters is. */
function columnOf(first: number, second: number): Column | undefined {
  if (second === -1) {
    if (first === I) return Column.Index;
    if (first === S) return Column.Shard;
    if (first === P) return Column.Prirep;
    if (first === N) return Column.Node;
    return undefined;
  }
  if (first === S && second === T) return Column.State;
  if (first === U && second === A) return Column.UnassignedAt;
  return undefined;
}
