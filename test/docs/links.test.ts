import { existsSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anchors, documentationFiles, isRelative, linkTargets, readDoc, repoRoot, slug, withoutCodeBlocks } from './markdown.ts';

const files = documentationFiles();

/** Every relative link of every documentation file, as [file, target]. */
const links = files.flatMap((file) => linkTargets(readDoc(file)).filter(isRelative).map((target) => [file, target] as const));

describe('the README front page', () => {
  it('is at most 10 KB', () => {
    expect(Buffer.byteLength(readDoc('README.md'), 'utf8')).toBeLessThanOrEqual(10_240);
  });

  it('links to the documentation index and to every page of docs/', () => {
    const targets = new Set(linkTargets(readDoc('README.md')).map((t) => t.split('#')[0]));
    const pages = files.filter((f) => f.startsWith('docs/') && f !== 'docs/README.md');
    expect(pages.length).toBeGreaterThan(0);
    expect(pages.filter((page) => !targets.has(page))).toEqual([]);
  });
});

describe('docs/README.md, the index', () => {
  it('links to every page of docs/', () => {
    const targets = new Set(linkTargets(readDoc('docs/README.md')).map((t) => t.split('#')[0]));
    const pages = files.filter((f) => f.startsWith('docs/') && f !== 'docs/README.md').map((f) => f.slice('docs/'.length));
    expect(pages.length).toBeGreaterThan(0);
    expect(pages.filter((page) => !targets.has(page))).toEqual([]);
  });
});

describe('relative links in the README, CONTRIBUTING.md and docs/', () => {
  it('finds the files and their links', () => {
    expect(files).toContain('README.md');
    expect(files).toContain('CONTRIBUTING.md');
    expect(files.filter((f) => f.startsWith('docs/')).length).toBeGreaterThan(5);
    expect(links.length).toBeGreaterThan(20);
  });

  it.each(links)('%s: %s resolves', (file, target) => {
    const [path = '', anchor] = target.split('#');
    const resolved = path === '' ? join(repoRoot, file) : normalize(join(repoRoot, dirname(file), decodeURIComponent(path)));
    expect(existsSync(resolved), `${target} in ${file}: no such file`).toBe(true);
    if (anchor === undefined) return;
    expect(statSync(resolved).isFile(), `${target} in ${file}: an anchor into a directory`).toBe(true);
    const known = anchors(withoutCodeBlocks(readDoc(resolved.slice(repoRoot.length))));
    expect([...known], `${target} in ${file}: no heading with that anchor`).toContain(decodeURIComponent(anchor));
  });
});

describe('GitHub heading anchors', () => {
  it.each([
    ['Exit 130 and 143: interrupted', 'exit-130-and-143-interrupted'],
    ['Orphans and `--match`', 'orphans-and---match'],
    ['The lock index and action.auto_create_index', 'the-lock-index-and-actionauto_create_index'],
    ["Why not EC2 Auto Scaling's instance refresh?", 'why-not-ec2-auto-scalings-instance-refresh'],
    ['3. AWS credentials', '3-aws-credentials'],
    ['See [the lease](usage.md#the-lease) here', 'see-the-lease-here'],
  ])('%s is #%s', (heading, expected) => {
    expect(slug(heading)).toBe(expected);
  });

  it('numbers a repeated heading, and ignores headings in code', () => {
    const found = anchors('# Title\n\n## Notes\n\n```yaml\n# not a heading\n```\n\n## Notes\n');
    expect([...found]).toEqual(['title', 'notes', 'notes-1']);
  });
});
