// Reading the project's Markdown the way GitHub renders it, for the documentation tests: headings
// and their anchors, relative links, and table rows, all outside code.

import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, relative } from 'node:path';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export function readDoc(path: string): string {
  return readFileSync(join(repoRoot, path), 'utf8');
}

/** The Markdown files whose links must hold: the README, CONTRIBUTING.md and everything in docs/. */
export function documentationFiles(): string[] {
  const docs = readdirSync(join(repoRoot, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`);
  return ['README.md', 'CONTRIBUTING.md', ...docs.sort()];
}

/** The text with fenced code blocks blanked out (line count kept), so nothing in code counts. */
export function withoutCodeBlocks(markdown: string): string {
  let fence: string | undefined;
  return markdown
    .split('\n')
    .map((line) => {
      const marker = /^\s{0,3}(`{3,}|~{3,})/.exec(line)?.[1];
      if (fence === undefined && marker !== undefined) {
        fence = marker;
        return '';
      }
      if (fence !== undefined) {
        if (marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
        return '';
      }
      return line;
    })
    .join('\n');
}

/** GitHub's anchor for a heading: lowercase, punctuation but "-" and "_" dropped, spaces to "-". */
export function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '').replace(/ /g, '-');
}

export interface Heading {
  level: number;
  text: string;
}

export function headings(markdown: string): Heading[] {
  return withoutCodeBlocks(markdown)
    .split('\n')
    .flatMap((line) => {
      const m = /^(#{1,6})\s+(.+?)\s*#*\s*$/.exec(line);
      return m?.[1] !== undefined && m[2] !== undefined ? [{ level: m[1].length, text: m[2] }] : [];
    });
}

/** Every anchor the file has, numbered as GitHub numbers repeated headings (x, x-1, x-2). */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const h of headings(markdown)) {
    const base = slug(h.text);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n.toString()}`);
  }
  return out;
}

/** Link targets outside code: `[text](target)` and `![alt](target)`, with inline code spans ignored. */
export function linkTargets(markdown: string): string[] {
  const text = withoutCodeBlocks(markdown).replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1] ?? '');
}

/** A target that points into this repository (not a web address, mail or another scheme). */
export function isRelative(target: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:/i.test(target);
}

/** Rows of the tables outside code, split into trimmed cells (escaped pipes kept in their cell). */
export function tableRows(markdown: string): string[][] {
  return withoutCodeBlocks(markdown)
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) =>
      line
        .split(/(?<!\\)\|/)
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
}

export function fromRoot(absolute: string): string {
  return relative(repoRoot, absolute);
}
