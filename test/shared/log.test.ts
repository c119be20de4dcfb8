import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/shared/log.ts';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function capture(options: { pretty: boolean; colour?: boolean; level?: string }) {
  const lines: string[] = [];
  const log = createLogger({ ...options, destination: { write: (text: string) => void lines.push(text) } });
  return { log, lines };
}

describe('createLogger', () => {
  it('JSON lines carry their time in ISO 8601, UTC', () => {
    const { log, lines } = capture({ pretty: false });
    const before = Date.now();
    log.info({ node: 'es-data-1' }, 'node replaced');

    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0] ?? '') as { time: string; msg: string; node: string };
    expect(entry).toMatchObject({ msg: 'node replaced', node: 'es-data-1' });
    expect(entry.time).toMatch(ISO_UTC);
    expect(Date.parse(entry.time)).toBeGreaterThanOrEqual(before - 1);
  });

  it('pretty lines start with the same ISO 8601 time', () => {
    const { log, lines } = capture({ pretty: true });
    log.warn({ node: 'es-data-1' }, 'wait timed out');

    expect(lines).toHaveLength(1);
    const [, time, rest] = /^\[([^\]]+)\] (.*)$/s.exec(lines[0] ?? '') ?? [];
    expect(time).toMatch(ISO_UTC);
    expect(rest).toContain('WARN: wait timed out');
    expect(rest).toContain('node: "es-data-1"');
  });

  it('pretty lines have no colour unless asked, and colour when asked', () => {
    const bare = capture({ pretty: true });
    const coloured = capture({ pretty: true, colour: true });
    bare.log.error('failed');
    coloured.log.error('failed');

    expect(bare.lines[0]).not.toContain('\x1b[');
    expect(coloured.lines[0]).toContain('\x1b[31mERROR\x1b[39m');
  });

  it('keeps to its level and censors secrets in pretty lines too', () => {
    const { log, lines } = capture({ pretty: true, level: 'warn' });
    log.info('not shown');
    log.warn({ es: { password: 'hunter2' } }, 'shown');

    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('hunter2');
    expect(lines[0]).toContain('[redacted]');
  });
});
