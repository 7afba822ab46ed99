import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

/*
 * Vitest runs test files through its own module runner, not Node's ESM loader, so loader hooks
 * registered with module.register would never see these imports. The reloader is therefore exercised
 * the way the game process uses it: a real `node --import tsx` child, whose findings come back as JSON.
 */

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const reloaderUrl = new URL('../../../src/hotswap/module-reload.ts', import.meta.url).href;

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function scratch(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsworld-reload-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries({ 'package.json': '{"type":"module"}', ...files })) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

function runChild(script: string): Promise<Record<string, unknown>> {
  return new Promise((done, fail) => {
    execFile(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot, timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) return fail(new Error(`child failed: ${err.message}\n${stderr}`));
      const line = stdout.trim().split('\n').at(-1) ?? '';
      done(JSON.parse(line) as Record<string, unknown>);
    });
  });
}

const sibling = (n: number) => `export const value = (): number => ${n};\n`;

// Counts its evaluations on globalThis: re-evaluation would show up as a count above 1.
const SHARED = `
const g = globalThis as { sharedEvals?: number };
g.sharedEvals = (g.sharedEvals ?? 0) + 1;
export const token = { created: g.sharedEvals };
`;

const ENTRY = `
import { value } from './lib/sibling.ts';
import { token } from '../shared.ts';
export const read = () => ({ value: value(), token });
`;

describe('createModuleReloader (in a node --import tsx child)', () => {
  it('re-evaluates the entry and its relative imports from disk, and shares modules outside rootDir', async () => {
    const dir = scratch({ 'shared.ts': SHARED, 'game/entry.ts': ENTRY, 'game/lib/sibling.ts': sibling(1) });
    writeFileSync(
      join(dir, 'run.ts'),
      `
import { writeFileSync } from 'node:fs';
import { createModuleReloader } from '${reloaderUrl}';
type Entry = { read(): { value: number; token: object } };
const at = (p: string) => new URL(p, import.meta.url).pathname;
const first = (await import('./game/entry.ts')) as Entry;
const again = (await import('./game/entry.ts')) as Entry;
const reloader = createModuleReloader({ rootDir: at('./game') });
writeFileSync(at('./game/lib/sibling.ts'), ${JSON.stringify(sibling(2))});
const second = await reloader.reimport<Entry>(at('./game/entry.ts'));
writeFileSync(at('./game/lib/sibling.ts'), ${JSON.stringify(sibling(3))});
const third = await reloader.reimport<Entry>(at('./game/entry.ts'));
console.log(JSON.stringify({
  values: [first.read().value, again.read().value, second.read().value, third.read().value],
  oldStillOld: first.read().value,
  sharedEvals: (globalThis as { sharedEvals?: number }).sharedEvals,
  sameShared: first.read().token === second.read().token && second.read().token === third.read().token,
  freshEntry: first !== second && second !== third,
  generation: reloader.generation,
}));
`,
    );
    const out = await runChild(join(dir, 'run.ts'));
    // Without the hooks the second import is the cached module: value 1 again.
    expect(out.values).toEqual([1, 1, 2, 3]);
    // The first generation's functions are untouched: code holding them keeps the old behaviour.
    expect(out.oldStillOld).toBe(1);
    expect(out.sharedEvals).toBe(1);
    expect(out.sameShared).toBe(true);
    expect(out.freshEntry).toBe(true);
    expect(out.generation).toBe(2);
  });

  it('rejects a broken reimport, keeps the last good generation, and reloads once the code is fixed', async () => {
    const dir = scratch({ 'shared.ts': SHARED, 'game/entry.ts': ENTRY, 'game/lib/sibling.ts': sibling(1) });
    writeFileSync(
      join(dir, 'run.ts'),
      `
import { writeFileSync } from 'node:fs';
import { createModuleReloader } from '${reloaderUrl}';
type Entry = { read(): { value: number } };
const at = (p: string) => new URL(p, import.meta.url).pathname;
const reloader = createModuleReloader({ rootDir: at('./game') });
writeFileSync(at('./game/lib/sibling.ts'), ${JSON.stringify(sibling(5))});
const good = await reloader.reimport<Entry>(at('./game/entry.ts'));
writeFileSync(at('./game/lib/sibling.ts'), 'export const value = (): number => {;\\n');
const broken = await reloader.reimport(at('./game/entry.ts')).then(() => 'resolved', (e: { code?: string }) => e.code);
const genAfterBroken = reloader.generation;
// A lazy import of game code after the failure gets the last good generation, not the broken one.
const lazy = (await import('./game/lib/sibling.ts')) as { value(): number };
const lazyIsGood = lazy.value() === 5;
writeFileSync(at('./game/lib/sibling.ts'), ${JSON.stringify(sibling(6))});
const fixed = await reloader.reimport<Entry>(at('./game/entry.ts'));
const outside = await reloader.reimport(at('./shared.ts')).then(() => 'resolved', (e: { code?: string }) => e.code);
console.log(JSON.stringify({ good: good.read().value, broken, genAfterBroken, lazyIsGood, fixed: fixed.read().value, generation: reloader.generation, outside }));
`,
    );
    const out = await runChild(join(dir, 'run.ts'));
    expect(out).toEqual({ good: 5, broken: 'INVALID_STATE', genAfterBroken: 1, lazyIsGood: true, fixed: 6, generation: 3, outside: 'INVALID_ARGUMENT' });
  });

  it('keeps two reloaders in one process apart: each reloads only its own directory', async () => {
    const dir = scratch({
      'shared.ts': SHARED,
      'a/entry.ts': ENTRY,
      'a/lib/sibling.ts': sibling(1),
      'b/entry.ts': ENTRY,
      'b/lib/sibling.ts': sibling(10),
    });
    writeFileSync(
      join(dir, 'run.ts'),
      `
import { writeFileSync } from 'node:fs';
import { createModuleReloader } from '${reloaderUrl}';
type Entry = { read(): { value: number } };
const at = (p: string) => new URL(p, import.meta.url).pathname;
const ra = createModuleReloader({ rootDir: at('./a') });
const rb = createModuleReloader({ rootDir: at('./b') });
const b0 = (await import('./b/entry.ts')) as Entry;
writeFileSync(at('./a/lib/sibling.ts'), ${JSON.stringify(sibling(2))});
writeFileSync(at('./b/lib/sibling.ts'), ${JSON.stringify(sibling(20))});
const a1 = await ra.reimport<Entry>(at('./a/entry.ts'));
// b was not reimported: importing it still gives the cached module, not the file on disk.
const bStill = (await import('./b/entry.ts')) as Entry;
const b1 = await rb.reimport<Entry>(at('./b/entry.ts'));
console.log(JSON.stringify({ a1: a1.read().value, b0: b0.read().value, bStill: bStill.read().value, bSame: bStill === b0, b1: b1.read().value, gens: [ra.generation, rb.generation] }));
`,
    );
    const out = await runChild(join(dir, 'run.ts'));
    expect(out).toEqual({ a1: 2, b0: 10, bStill: 10, bSame: true, b1: 20, gens: [1, 1] });
  });
});
