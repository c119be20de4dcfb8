import { afterEach, describe, expect, it, vi } from 'vitest';
import { CatShardsReader, readCatShards } from '../../src/cluster/cat-shards-reader.ts';
import { CAT_SHARDS_COLUMNS, toShardCopies, type CatShardRow } from '../../src/cluster/es-read-model.ts';
import { catShardsAsAsked, loadFixture, versionsWith } from './es-fixtures.ts';

/** What JSON.parse reads: the answer the compact reading must equal. */
const parsed = (text: string): ReturnType<typeof toShardCopies> => toShardCopies(JSON.parse(text) as CatShardRow[]);

const rows: CatShardRow[] = [
  { i: 'logs-1', s: '0', p: 'p', st: 'STARTED', n: 'data-1', ua: null },
  { i: 'logs-1', s: '0', p: 'r', st: 'UNASSIGNED', n: null, ua: '2026-11-28T05:00:00.000Z' },
  { i: 'logs-1', s: '1', p: 'p', st: 'RELOCATING', n: 'data-1 -> 10.0.0.2 Zx9dQ data-2', ua: null },
  { i: 'logs-1', s: '1', p: 'r', st: 'INITIALIZING', n: 'data-3', ua: '2026-11-28T05:01:00.000Z' },
  { i: '.ds-logs-2026.11.28-000001', s: '12', p: 'p', st: 'STARTED', n: 'données-1', ua: null },
  { i: 'logs-2', s: '0', p: 'p', st: 'STARTED', n: 'ノード-🙂', ua: null },
];

afterEach(() => {
  vi.restoreAllMocks();
});

describe('readCatShards', () => {
  it('reads compact rows as JSON.parse would, without it', () => {
    const text = JSON.stringify(rows);
    const parse = vi.spyOn(JSON, 'parse');

    const copies = readCatShards(text);

    expect(parse).not.toHaveBeenCalled();
    parse.mockRestore();
    expect(copies).toEqual(parsed(text));
    expect(copies).toHaveLength(rows.length);
    expect(copies[2]).toEqual({ index: 'logs-1', shard: 1, primary: true, state: 'RELOCATING', node: 'data-1' });
    expect(copies[5]?.node).toBe('ノード-🙂');
  });

  it('reads every captured answer as JSON.parse would', () => {
    const captures = versionsWith('cat-shards-node-left').flatMap((v) => [
      loadFixture<Record<string, unknown>[]>(v, 'cat-shards-node-left'),
      loadFixture<Record<string, unknown>[]>(v, 'cat-shards-green'),
    ]);
    expect(captures.length).toBeGreaterThan(0);
    for (const capture of captures) {
      const text = JSON.stringify(catShardsAsAsked(capture, CAT_SHARDS_COLUMNS.join(',')));
      expect(readCatShards(text)).toEqual(parsed(text));
    }
  });

  it('keeps apart distinct values, even two a 31-based hash confuses', () => {
    // "Aa" and "BB" have the same 31-based hash.
    const text = JSON.stringify([
      { i: 'Aa', s: '0', p: 'p', st: 'STARTED', n: 'BB' },
      { i: 'BB', s: '0', p: 'p', st: 'STARTED', n: 'Aa' },
      { i: 'Aa', s: '1', p: 'p', st: 'STARTED', n: 'Aa' },
    ]);

    expect(readCatShards(text).map((c) => `${c.index}/${c.node ?? ''}`)).toEqual(['Aa/BB', 'BB/Aa', 'Aa/Aa']);
  });

  it.each([
    ['no rows', '[]'],
    ['no rows, a newline after', '[]\n'],
    ['a newline after the rows', `${JSON.stringify(rows)}\n`],
    ['pretty-printed', JSON.stringify(rows, null, 2)],
    ['spaces around colons as pretty=true writes them', JSON.stringify(rows, null, 2).replaceAll('":', '" :')],
    ['escaped characters', JSON.stringify([{ i: 'we"ird\\name', s: '0', p: 'p', st: 'STARTED', n: 'data\u0001-1' }])],
    ['a unicode escape', '[{"i":"logs","s":"0","p":"p","st":"STARTED","n":"donn\\u00e9es-1"}]'],
    ['columns in another order', '[{"st":"STARTED","n":"data-1","s":"3","p":"r","i":"logs"}]'],
    ['absent columns', '[{"i":"logs","st":"STARTED"}]'],
    ['an empty row of a known state', '[{"st":"UNASSIGNED"}]'],
    ['a column not asked for', '[{"i":"logs","s":"0","p":"p","st":"STARTED","ip":"10.0.0.1","n":"data-1"}]'],
    ['a number for the shard', '[{"i":"logs","s":4,"p":"p","st":"STARTED","n":"data-1"}]'],
    ['a repeated column (the last one counts)', '[{"i":"logs","s":"0","p":"p","st":"STARTED","n":"data-1","n":"data-2"}]'],
  ])('reads %s as JSON.parse would', (_name, text) => {
    expect(readCatShards(text)).toEqual(parsed(text));
  });

  it('decodes escapes', () => {
    expect(readCatShards('[{"i":"logs","s":"0","p":"p","st":"STARTED","n":"donn\\u00e9es-\\"1\\""}]')[0]?.node).toBe('données-"1"');
  });

  it.each([
    ['cut short', '[{"i":"logs","s":"0","p":"p","st":"STA', /_cat\/shards answered something other than JSON .*: \[\{"i":"logs"/],
    ['cut short after a row', '[{"i":"logs","s":"0","p":"p","st":"STARTED"},', /_cat\/shards answered something other than JSON/],
    ['empty', '', /_cat\/shards answered something other than JSON/],
    ['an object', '{"error":"no"}', /_cat\/shards answered something other than a list of rows: \{"error":"no"\}/],
    ['a list of strings', '["logs"]', /_cat\/shards answered something other than a list of rows/],
    ['a row holding a list', '[[1]]', /_cat\/shards answered something other than a list of rows/],
    ['an unknown state', '[{"i":"logs","s":"2","p":"p","st":"CLOSED","n":"data-1"}]', /unknown shard state "CLOSED" for logs\[2\]/],
    ['no state', '[{"i":"logs","s":"2","p":"p","n":"data-1"}]', /unknown shard state "" for logs\[2\]/],
    ['in long column names, not those asked for', '[{"index":"logs","shard":"0","prirep":"p","state":"STARTED"}]', /unknown shard state ""/],
    ['garbage after the rows', '[{"i":"logs","s":"0","p":"p","st":"STARTED"}]x', /_cat\/shards answered something other than JSON/],
  ])('refuses an answer %s, saying what it got', (_name, text, message) => {
    expect(() => readCatShards(text)).toThrow(message);
  });
});

describe('CatShardsReader over successive answers', () => {
  const text = (rs: CatShardRow[]): string => JSON.stringify(rs);
  const moved = rows.map((r, i) => (i === 0 ? { ...r, st: 'RELOCATING', n: 'data-1 -> 10.0.0.9 Qx data-9' } : r));

  it('gives the unchanged copies of the last answer again, and new ones for what changed', () => {
    const reader = new CatShardsReader();

    const first = reader.read(text(rows));
    const same = reader.read(text(rows));
    const changed = reader.read(text(moved));

    expect(same).not.toBe(first);
    expect(same.every((copy, i) => copy === first[i])).toBe(true);
    expect(changed[0]).not.toBe(first[0]);
    expect(changed[0]).toEqual({ index: 'logs-1', shard: 0, primary: true, state: 'RELOCATING', node: 'data-1' });
    expect(changed.slice(1).every((copy, i) => copy === first[i + 1])).toBe(true);
    expect(changed).toEqual(parsed(text(moved)));
  });

  it('freezes the copies it shares', () => {
    const reader = new CatShardsReader();
    const compact = reader.read(text(rows));
    const pretty = reader.read(JSON.stringify(rows, null, 2));

    expect([...compact, ...pretty].every((copy) => Object.isFrozen(copy))).toBe(true);
  });

  it('reads each of a run of answers as JSON.parse would, rows changing, coming and going', () => {
    const base: CatShardRow[] = Array.from({ length: 60 }, (_, i) => ({ i: `logs-${Math.floor(i / 4)}`, s: String(i % 2), p: i % 4 < 2 ? 'p' : 'r', st: 'STARTED', n: `data-${i % 7}`, ua: null }));
    const answers: string[] = [
      text(base),
      text(base),
      // As long as the last one, one node name changed.
      text(base.map((r, i) => (i === 3 ? { ...r, n: 'data-9' } : r))),
      text(base.map((r, i) => (i % 9 === 0 ? { ...r, st: 'UNASSIGNED', n: null, ua: `2026-11-28T05:0${i % 10}:00.000Z` } : r))),
      text(base.slice(5)),
      text([{ i: 'new', s: '0', p: 'p', st: 'INITIALIZING', n: 'data-1', ua: null }, ...base]),
      JSON.stringify(base, null, 1),
      text(base.map((r, i) => (i === 30 ? { ...r, n: 'data-"quoted"' } : r))),
      text(base),
      text(base.slice(0, 10)),
      text(base),
      '[]',
      text(base),
    ];
    const reader = new CatShardsReader();

    const read = answers.map((answer) => reader.read(answer));

    expect(read.length).toBeGreaterThan(0);
    read.forEach((copies, i) => expect(copies, `answer ${i}`).toEqual(parsed(answers[i] ?? '')));
  });

  it('refuses a bad answer after good ones', () => {
    const reader = new CatShardsReader();
    reader.read(text(rows));

    expect(() => reader.read('')).toThrow(/_cat\/shards answered something other than JSON/);
    expect(() => reader.read(text(rows).slice(0, -1))).toThrow(/_cat\/shards answered something other than JSON/);
    expect(() => reader.read(`${text(rows)}x`)).toThrow(/_cat\/shards answered something other than JSON/);
    expect(reader.read(text(rows))).toEqual(parsed(text(rows)));
  });
});
