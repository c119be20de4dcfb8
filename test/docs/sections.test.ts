// The sections the documentation promises: troubleshooting by every exit code and the named cases
// under them, the questions of the FAQ, and the topics of the internals.

import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/shared/errors.ts';
import { headings, readDoc } from './markdown.ts';

function headingTexts(path: string, level: number): string[] {
  return headings(readDoc(path))
    .filter((h) => h.level === level)
    .map((h) => h.text);
}

describe('docs/troubleshooting.md', () => {
  const sections = headingTexts('docs/troubleshooting.md', 2);
  const cases = headingTexts('docs/troubleshooting.md', 3);

  it.each(Object.values(ExitCode))('has a section for exit code %i', (code) => {
    const own = sections.filter((text) => /^Exit\b/.test(text) && new RegExp(`\\b${code.toString()}\\b`).test(text.split(':')[0] ?? ''));
    expect(own).toHaveLength(1);
  });

  it('has no section for an exit code that does not exist', () => {
    const codes = new Set<number>(Object.values(ExitCode));
    const named = sections.filter((text) => text.startsWith('Exit ')).flatMap((text) => (text.split(':')[0] ?? '').match(/\d+/g) ?? []);
    expect(named.length).toBeGreaterThan(0);
    expect(named.map(Number).filter((code) => !codes.has(code))).toEqual([]);
  });

  it.each([
    ['another controller holds the lease', /^Another controller holds the lease$/],
    ['a run halted with allocation narrowed', /^Halted with allocation narrowed$/],
    ['a replacement that never joins', /^A replacement that never joins$/],
    ['orphans and --match', /^Orphans and `--match`$/],
    ['the lock index and action.auto_create_index', /^The lock index and action\.auto_create_index$/],
  ])('has a case for %s', (_name, pattern) => {
    expect(cases.filter((text) => pattern.test(text))).toHaveLength(1);
  });

  it('shows the commands to break a lease and to read the settings as found', () => {
    const text = readDoc('docs/troubleshooting.md');
    expect(text).toContain('lease --es-url ... --break --reason');
    expect(text).toContain('--force');
    expect(text).toContain("jq '.lease.allocationOverride'");
    expect(text).toContain('PUT _cluster/settings');
  });
});

describe('docs/faq.md', () => {
  const questions = headingTexts('docs/faq.md', 2);

  it.each([
    ['why not instance refresh', /instance refresh/i],
    ['masters first or data first', /masters first or data nodes first/i],
    ['spot', /\bspot\b/i],
    ['mixed instances', /mixed instances/i],
    ['warm pools', /warm pools/i],
    ["the controller's host dying", /controller's host dies/i],
  ])('answers %s', (_name, pattern) => {
    expect(questions.filter((text) => pattern.test(text))).toHaveLength(1);
  });
});

describe('docs/internals.md', () => {
  const topics = headingTexts('docs/internals.md', 2);

  it.each([/^Version conflicts$/, /^Held-back replicas$/, /^Allocation narrowing$/, /^Voting exclusions$/, /lease/i])('covers %s', (pattern) => {
    expect(topics.filter((text) => pattern.test(text)).length).toBeGreaterThan(0);
  });
});

describe('CONTRIBUTING.md', () => {
  it('holds the proving ground and the benchmarks', () => {
    const sections = headingTexts('CONTRIBUTING.md', 2);
    expect(sections).toContain('The proving ground');
    expect(sections).toContain('Benchmarks');
    expect(readDoc('CONTRIBUTING.md')).toContain('npm run bench');
  });
});
