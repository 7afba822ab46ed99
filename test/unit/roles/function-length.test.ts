import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The roles are state plus handler tables, so no function in src/roles may grow back into a closure
 * that holds a whole role: each function-like node (declarations, expressions, arrows, methods) is
 * measured by the lines it spans.
 */
const MAX_LINES = 80;
const root = join(import.meta.dirname, '..', '..', '..');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function longFunctions(path: string): string[] {
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const name = (node as ts.FunctionDeclaration).name?.getText() ?? '(anonymous)';
      if (end - start + 1 > MAX_LINES) found.push(`${relative(root, path)}:${start + 1} ${name} is ${end - start + 1} lines`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('src/roles', () => {
  it(`has no function over ${MAX_LINES} lines`, () => {
    expect(files(join(root, 'src', 'roles')).flatMap(longFunctions)).toEqual([]);
  });
});
