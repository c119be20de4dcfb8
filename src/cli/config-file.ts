// The optional settings file: JSON or YAML, a flat mapping whose keys are the flag names.
// Parse errors report a position only: the offending line may hold a password.

import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseDocument } from 'yaml';
import { InvalidInputError } from '../shared/errors.ts';

export function readConfigFile(path: string): Record<string, unknown> {
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : code;
    throw new InvalidInputError(`--config: cannot read "${path}": ${why}`);
  }
  const data = extname(path).toLowerCase() === '.json' ? parseJson(path, source) : parseYaml(path, source);
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new InvalidInputError(`--config: "${path}" must hold a mapping of settings (e.g. "target-version: 2.14.0")`);
  }
  return data as Record<string, unknown>;
}

function parseJson(path: string, source: string): unknown {
  try {
    return JSON.parse(source) as unknown;
  } catch (error) {
    const where = /line (\d+) column (\d+)/.exec((error as Error).message);
    const at = where ? ` at line ${where[1] ?? '?'}, column ${where[2] ?? '?'}` : '';
    throw new InvalidInputError(`--config: "${path}" is not valid JSON${at}`);
  }
}

function parseYaml(path: string, source: string): unknown {
  const doc = parseDocument(source, { uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const pos = first.linePos?.[0];
    const at = pos ? ` at line ${pos.line.toString()}, column ${pos.col.toString()}` : '';
    throw new InvalidInputError(`--config: "${path}" is not valid YAML${at} (${first.code})`);
  }
  return doc.toJS() as unknown;
}
