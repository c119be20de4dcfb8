import { describe, expect, it } from 'vitest';
import { colourWanted, emphasiseHeadings, palette, stripColour, truncateVisible } from '../../src/cli/colour.ts';

describe('colourWanted', () => {
  it.each([
    ['a terminal', {}, true, true],
    ['a pipe or a file', {}, false, false],
    ['an unknown stream', {}, undefined, false],
    ['NO_COLOR=1 on a terminal', { NO_COLOR: '1' }, true, false],
    ['NO_COLOR=0 on a terminal (any value counts)', { NO_COLOR: '0' }, true, false],
    ['NO_COLOR empty on a terminal (counts as unset)', { NO_COLOR: '' }, true, true],
    ['TERM=dumb', { TERM: 'dumb' }, true, false],
  ] as const)('%s: %s', (_title, env, isTTY, expected) => {
    expect(colourWanted(env, isTTY)).toBe(expected);
  });
});

describe('truncateVisible', () => {
  const p = palette(true);

  it('leaves a line that fits as it is, escape codes and all', () => {
    const line = `${p.green('ok')} fine`;
    expect(truncateVisible(line, 7)).toBe(line);
  });

  it('counts only what shows, keeps escape codes whole and resets the colour after the cut', () => {
    const line = `${p.red('refused by')} a-rule-with-a-long-name`;
    const cut = truncateVisible(line, 12);
    expect(stripColour(cut)).toBe('refused by …');
    expect(cut).toBe('\x1b[31mrefused by\x1b[39m …\x1b[0m');
  });

  it('cuts plain text like any other', () => {
    expect(truncateVisible('abcdefgh', 5)).toBe('abcd…');
    expect(truncateVisible('→→→→→→', 3)).toBe('→→…');
  });
});

describe('emphasiseHeadings', () => {
  it('puts headings in bold, not a paragraph line that happens to end in a colon', () => {
    const help = ['Usage: x [flags]', '', 'Commands:', '  plan  plans', '', 'A note that wraps and ends with', 'a colon:', '  "quoted"', '', 'Exit codes:', '  0  ok'].join('\n');
    expect(emphasiseHeadings(help, palette(true)).split('\n')).toEqual([
      'Usage: x [flags]', '', '\x1b[1mCommands:\x1b[22m', '  plan  plans', '', 'A note that wraps and ends with', 'a colon:', '  "quoted"', '', '\x1b[1mExit codes:\x1b[22m', '  0  ok',
    ]);
  });

  it('changes nothing without colour', () => {
    expect(emphasiseHeadings('Commands:\n  plan', palette(false))).toBe('Commands:\n  plan');
  });
});
