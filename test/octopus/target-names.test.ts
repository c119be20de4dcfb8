import { describe, expect, it } from 'vitest';
import { targetNameTemplateProblem } from '../../src/octopus/target-names.ts';

describe('targetNameTemplateProblem', () => {
  it.each([
    ['{name}', undefined],
    ['{instanceId}', undefined],
    ['es-{instanceId}', undefined],
    ['{name}-{instanceId}', undefined],
    ['es-data', 'names no instance: use {name} and {instanceId}, e.g. {name} or es-{instanceId}'],
    ['es-{id}', 'uses {id}; a template may use {name} and {instanceId}, e.g. es-{instanceId}'],
    ['{Name}', 'uses {Name}; a template may use {name} and {instanceId}, e.g. es-{instanceId}'],
    ['{name', 'names no instance: use {name} and {instanceId}, e.g. {name} or es-{instanceId}'],
    ['{name}}', 'has an unmatched { or }'],
  ])('%s', (template, problem) => {
    expect(targetNameTemplateProblem(template)).toBe(problem);
  });
});
