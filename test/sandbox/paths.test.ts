import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../sandbox/paths.ts';

function sandboxDirWith(value: string | undefined): string {
  const env = { ...process.env };
  if (value === undefined) delete env.SANDBOX_DIR;
  else env.SANDBOX_DIR = value;
  return execFileSync(process.execPath, ['--input-type=module', '-e', `import('${join(repoRoot, 'sandbox', 'paths.ts')}').then((m) => console.log(m.sandboxDir))`],
    { env, encoding: 'utf8' }).trim();
}

describe('sandboxDir', () => {
  it.each([
    ['unset', undefined, join(repoRoot, '.sandbox')],
    ['set but empty', '', join(repoRoot, '.sandbox')],
    ['an absolute path', '/tmp/other-sandbox', '/tmp/other-sandbox'],
  ])('is the default .sandbox when SANDBOX_DIR is %s, else what it names', (_name, value, expected) => {
    expect(sandboxDirWith(value)).toBe(expected);
  });
});
