import { describe, expect, it } from 'vitest';
import { INVALID, arrayOf, integer, object, optional, path, required, tagged } from '../../../src/config/schema-kit.ts';
import type { Schema } from '../../../src/config/schema-kit.ts';

function run<T>(schema: Schema<T>, value: unknown): { result: T | typeof INVALID; issues: string[] } {
  const issues: string[] = [];
  const result = schema.parse(value, '', { issues, baseDir: '/base' });
  return { result, issues };
}

describe('schema kit', () => {
  const point = object({ x: required(integer(0, 10)), label: optional(path()) });

  it('parses valid objects, leaving absent optional keys absent and resolving paths', () => {
    expect(run(point, { x: 3 })).toEqual({ result: { x: 3 }, issues: [] });
    expect(run(point, { x: 3, label: 'a/b' }).result).toEqual({ x: 3, label: '/base/a/b' });
    expect(run(point, { x: 3, label: '/abs' }).result).toEqual({ x: 3, label: '/abs' });
  });

  it('reports every problem of nested arrays with indexed paths', () => {
    const { result, issues } = run(object({ points: required(arrayOf(point)) }), {
      points: [{ x: 1 }, { x: 11 }, 'nope', { x: 2, label: '' }],
    });
    expect(result).toBe(INVALID);
    expect(issues).toEqual([
      'points[1].x: expected integer 0..10, got 11',
      'points[2]: expected an object, got "nope"',
      'points[3].label: expected a non-empty path string, got ""',
    ]);
  });

  it('chooses a tagged variant by its tag and checks only that variant', () => {
    const spec = tagged('kind', { memory: {}, file: { path: required(path()) } });
    expect(run(spec, { kind: 'file', path: 'x' }).result).toEqual({ kind: 'file', path: '/base/x' });
    expect(run(spec, { kind: 'memory' }).result).toEqual({ kind: 'memory' });
    expect(run(spec, {}).issues).toEqual(["kind: expected one of 'memory' | 'file', got undefined"]);
    expect(run(spec, { kind: 'memory', path: 'x' }).issues).toEqual(["unknown key 'path'"]);
    expect(run(spec, null).issues).toEqual(['(root): expected an object, got null']);
  });
});
