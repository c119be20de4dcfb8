// Colour, when a person reads a terminal: never into a pipe or a file, never with TERM=dumb, and never
// when NO_COLOR is set to anything but the empty string (https://no-color.org). One decision for the
// progress view, the logs and --help alike.

export function colourWanted(env: Readonly<Record<string, string | undefined>>, isTTY: boolean | undefined): boolean {
  if ((env.NO_COLOR ?? '') !== '') return false;
  if (env.TERM === 'dumb') return false;
  return isTTY === true;
}

export type Paint = (text: string) => string;

export interface Palette {
  bold: Paint;
  dim: Paint;
  red: Paint;
  green: Paint;
  yellow: Paint;
}

const sgr = (on: number, off: number): Paint => (text) => `\x1b[${on.toString()}m${text}\x1b[${off.toString()}m`;
const plain: Paint = (text) => text;

export function palette(enabled: boolean): Palette {
  if (!enabled) return { bold: plain, dim: plain, red: plain, green: plain, yellow: plain };
  return { bold: sgr(1, 22), dim: sgr(2, 22), red: sgr(31, 39), green: sgr(32, 39), yellow: sgr(33, 39) };
}

/** Colour an outcome as it reads: done green, stopped red, interrupted yellow. */
export function paintOutcome(p: Palette, outcome: string): Paint {
  if (outcome === 'completed' || outcome === 'nothing-to-do') return p.green;
  if (outcome === 'interrupted') return p.yellow;
  if (outcome === 'halted' || outcome === 'refused' || outcome === 'failed') return p.red;
  return (text) => text;
}

// eslint-disable-next-line no-control-regex
const SGR = /\x1b\[[0-9;]*m/g;

/** The text as it shows: escape sequences removed. */
export function stripColour(text: string): string {
  return text.replace(SGR, '');
}

/** Cut a line to `width` visible characters (an ellipsis marks the cut), escape sequences kept whole. */
export function truncateVisible(line: string, width: number): string {
  const visible = [...stripColour(line)];
  if (visible.length <= width) return line;
  let out = '';
  let shown = 0;
  // eslint-disable-next-line no-control-regex
  for (const token of line.match(/\x1b\[[0-9;]*m|[\s\S]/gu) ?? []) {
    if (token.startsWith('\x1b[')) {
      out += token;
      continue;
    }
    if (shown === width - 1) break;
    out += token;
    shown += 1;
  }
  return `${out}…${out.includes('\x1b[') ? '\x1b[0m' : ''}`;
}

/** --help with its headings in bold: a line after a blank one (or first) that ends in a colon, not indented. */
export function emphasiseHeadings(text: string, p: Palette): string {
  const lines = text.split('\n');
  return lines.map((line, i) => (/^\S.*:$/.test(line) && (i === 0 || lines[i - 1] === '') ? p.bold(line) : line)).join('\n');
}
