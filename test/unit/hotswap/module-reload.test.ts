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

function runChild(script: string, flags: string[] = []): Promise<Record<string, unknown>> {
  return new Promise((done, fail) => {
    execFile(process.execPath, [...flags, '--import', 'tsx', script], { cwd: repoRoot, timeout: 30_000 }, (err, stdout, stderr) => {
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

// The entry's own lazy import of a sibling: part of the generation's bundle.
const LAZY_ENTRY = `
import { value } from './lib/sibling.ts';
export const read = () => ({ value: value() });
export const lazy = () => import('./lib/sibling.ts');
`;

// Outside the reloaded directory: shared with the process, never bundled.
const OUTSIDE = `
export let count = 0;
export function bump(): void { count++; }
export default function dflt(): string { return 'the default export'; }
`;

const INTEROP_ENTRY = `
import dflt, { bump, count } from '../lib-outside.ts';
import * as ns from '../lib-outside.ts';
import { sep } from 'node:path';
import data from './data.json';
import { meta } from './sub/meta.ts';
import legacy from './legacy.cjs';
export { throwIt } from './sub/thrower.ts';
export const entryUrl = import.meta.url;
export const subMeta = meta;
export { dflt, sep };
export const nsDefault = ns.default;
export const sameBump = bump;
export const liveCount = () => count;
export const answer = data.answer;
export const fromCjs = legacy.sep;
`;

const THROWER = `
// Line 4 throws; the stack must point here, not into the bundle.
export function throwIt(): never {
  throw new Error('thrown by game code');
}
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
    const dir = scratch({ 'shared.ts': SHARED, 'game/entry.ts': LAZY_ENTRY, 'game/lib/sibling.ts': sibling(1) });
    writeFileSync(
      join(dir, 'run.ts'),
      `
import { writeFileSync } from 'node:fs';
import { createModuleReloader } from '${reloaderUrl}';
type Entry = { read(): { value: number }; lazy(): Promise<{ value(): number }> };
const at = (p: string) => new URL(p, import.meta.url).pathname;
const reloader = createModuleReloader({ rootDir: at('./game') });
writeFileSync(at('./game/lib/sibling.ts'), ${JSON.stringify(sibling(5))});
const good = await reloader.reimport<Entry>(at('./game/entry.ts'));
writeFileSync(at('./game/lib/sibling.ts'), 'export const value = (): number => {;\\n');
const broken = await reloader.reimport(at('./game/entry.ts')).then(() => 'resolved', (e: { code?: string }) => e.code);
const genAfterBroken = reloader.generation;
// The good generation's own lazy import, made after the failure, is still its own code.
const lazyIsGood = (await good.lazy()).value() === 5;
writeFileSync(at('./game/lib/sibling.ts'), ${JSON.stringify(sibling(6))});
const fixed = await reloader.reimport<Entry>(at('./game/entry.ts'));
const fixedLazy = (await fixed.lazy()).value();
const outside = await reloader.reimport(at('./shared.ts')).then(() => 'resolved', (e: { code?: string }) => e.code);
console.log(JSON.stringify({ good: good.read().value, broken, genAfterBroken, lazyIsGood, fixed: fixed.read().value, fixedLazy, generation: reloader.generation, outside }));
`,
    );
    const out = await runChild(join(dir, 'run.ts'));
    expect(out).toEqual({ good: 5, broken: 'INVALID_STATE', genAfterBroken: 1, lazyIsGood: true, fixed: 6, fixedLazy: 6, generation: 3, outside: 'INVALID_ARGUMENT' });
  });

  it('lets a replaced generation be collected: nothing but its own objects holds it', async () => {
    const dir = scratch({ 'shared.ts': SHARED, 'game/entry.ts': ENTRY, 'game/lib/sibling.ts': sibling(1) });
    writeFileSync(
      join(dir, 'run.ts'),
      `
import { createModuleReloader } from '${reloaderUrl}';
type Entry = { read(): { value: number } };
const at = (p: string) => new URL(p, import.meta.url).pathname;
const reloader = createModuleReloader({ rootDir: at('./game') });
const refs: WeakRef<object>[] = [];
let current: Entry | undefined;
for (let i = 0; i < 4; i++) {
  current = await reloader.reimport<Entry>(at('./game/entry.ts'));
  refs.push(new WeakRef(current.read));
}
// A WeakRef's target lives at least until the end of the job that read it: collect in later turns.
const gc = (globalThis as { gc(): void }).gc;
for (let i = 0; i < 3; i++) {
  await new Promise((resolve) => setImmediate(resolve));
  gc();
}
console.log(JSON.stringify({ alive: refs.map((r) => r.deref() !== undefined), current: current!.read().value }));
`,
    );
    const out = await runChild(join(dir, 'run.ts'), ['--expose-gc']);
    // Loaded as ES modules, every generation stayed (Node's loader keeps each module by URL).
    expect(out).toEqual({ alive: [false, false, false, true], current: 1 });
  });

  it('runs a bundled generation as its ES modules would run: import.meta, interop, source-mapped stacks', async () => {
    const dir = scratch({
      'lib-outside.ts': OUTSIDE,
      'game/entry.ts': INTEROP_ENTRY,
      'game/sub/meta.ts': "export const meta = { url: import.meta.url, dirname: import.meta.dirname };\n",
      'game/data.json': '{ "answer": 42 }',
      'game/legacy.cjs': "const path = require('node:path');\nmodule.exports = { sep: path.sep };\n",
      'game/sub/thrower.ts': THROWER,
      'tla/entry.ts': 'export const value = await Promise.resolve(1);\n',
    });
    writeFileSync(
      join(dir, 'run.ts'),
      `
import { createModuleReloader } from '${reloaderUrl}';
import * as outside from './lib-outside.ts';
const at = (p: string) => new URL(p, import.meta.url).pathname;
const mod = await createModuleReloader({ rootDir: at('./game') }).reimport<Record<string, any>>(at('./game/entry.ts'));
outside.bump();
let stack = '';
try { mod.throwIt(); } catch (e) { stack = (e as Error).stack ?? ''; }
const tla = await createModuleReloader({ rootDir: at('./tla') }).reimport(at('./tla/entry.ts')).then(
  () => 'resolved',
  (e: { code?: string; message: string }) => [e.code, /top-level await/i.test(e.message)],
);
console.log(JSON.stringify({
  entryUrl: mod.entryUrl === new URL('./game/entry.ts', import.meta.url).href,
  subMeta: mod.subMeta.url === new URL('./game/sub/meta.ts', import.meta.url).href && mod.subMeta.dirname === at('./game/sub'),
  dflt: mod.dflt(),
  nsDefault: mod.nsDefault === outside.default,
  sameModule: mod.sameBump === outside.bump,
  liveCount: mod.liveCount(),
  json: mod.answer,
  builtin: mod.sep,
  fromCjs: mod.fromCjs,
  frame: /sub\\/thrower\\.ts:4:\\d+/.test(stack),
  tla,
}));
`,
    );
    const out = await runChild(join(dir, 'run.ts'), ['--enable-source-maps']);
    expect(out).toEqual({
      entryUrl: true,
      subMeta: true,
      dflt: 'the default export',
      nsDefault: true,
      sameModule: true,
      // bump() ran after the load: an imported binding is live, not a copy.
      liveCount: 1,
      json: 42,
      builtin: '/',
      // A CommonJS file of the game, bundled with the rest, gets Node's own require for what it needs.
      fromCjs: '/',
      frame: true,
      tla: ['INVALID_STATE', true],
    });
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
