import { build, type BuildOptions, type Plugin } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ENGINE_CONDITIONS } from '../core/engine-files.ts';
import { GAME_CODE_LOADERS, inGameDir, resolveGameImport } from './game-code-resolve.ts';

/**
 * What a bundled generation asks of the process: `require(IMPORT + url)` is the ES module at that URL
 * (already loaded by the engine, so the same instance), `require(REQUIRE + path)` a CommonJS require.
 */
export const IMPORT_PREFIX = 'tsworld-import:';
export const REQUIRE_PREFIX = 'tsworld-require:';

/** The identifier `import.meta` becomes; each file that uses it declares its own (see metaPrefix). */
const META = '__tsworld_import_meta';

export interface GenerationBundle {
  /** CommonJS source with an inline source map; `require` is the only free variable it reads. */
  readonly code: string;
  /** URLs the code imports from outside rootDir: the caller imports them before running it. */
  readonly imports: readonly string[];
}


/**
 * Bundles the game code under rootDir reached from `entry` into one CommonJS function body (esbuild,
 * with the tsconfig each file sees, as tsx compiles it). Everything outside rootDir or in node_modules
 * stays outside: the bundle asks for it through `require` (IMPORT_PREFIX / REQUIRE_PREFIX), so it shares
 * the engine and packages the process already runs. `outfile` is where the code will be evaluated from:
 * the source map's paths are relative to it. Rejects with esbuild's message when the code does not build
 * (a syntax error, a missing file, top-level await, which CommonJS cannot hold).
 */
export async function bundleGeneration(rootDir: string, entry: string, outfile: string): Promise<GenerationBundle> {
  const imports = new Set<string>();
  const result = await build(buildOptions(rootDir, entry, outfile, imports)).catch((err: unknown) => {
    const errors = (err as { errors?: { text: string }[] }).errors ?? [];
    if (!errors.some((e) => /top-level await/i.test(e.text))) throw err;
    throw new Error(`${(err as Error).message}\ntop-level await cannot be reloaded in place (a generation runs as CommonJS): use a process swap`, { cause: err });
  });
  return { code: result.outputFiles[0].text, imports: [...imports] };
}

function buildOptions(rootDir: string, entry: string, outfile: string, imports: Set<string>): BuildOptions & { write: false } {
  return {
    entryPoints: [entry],
    outfile,
    write: false,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'esnext',
    // What Node's ESM resolution reads, so a package resolves to the file the engine already loaded.
    mainFields: ['main'],
    // `tsworld` resolves to the engine files this process runs (src/ from sources, dist/ compiled).
    conditions: [...ENGINE_CONDITIONS],
    keepNames: true,
    sourcemap: 'inline',
    sourcesContent: false,
    define: { 'import.meta': META },
    logLevel: 'silent',
    plugins: [generationPlugin(rootDir, imports)],
  };
}

const OWN = Symbol('tsworld-generation');

function generationPlugin(rootDir: string, imports: Set<string>): Plugin {
  const inRoot = inGameDir(rootDir);
  return {
    name: 'tsworld-generation',
    setup(b) {
      // Every path is resolved here rather than by esbuild's default: a file esbuild resolves itself is
      // typed by its package.json, and a "type": "module" package makes esbuild wrap an external's
      // default import the way Node wraps a CommonJS module (default = the whole namespace).
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === OWN) return undefined;
        const isRequire = args.kind === 'require-call' || args.kind === 'require-resolve';
        const found = await resolveGameImport(b, args, inRoot, OWN);
        if (found.kind === 'builtin') return external(found.spec, isRequire, args.kind, imports);
        if (found.kind === 'error') return { errors: found.errors };
        if (found.kind === 'inside') return { path: found.path };
        const { target } = found;
        return external(isRequire ? target : isAbsolute(target) ? pathToFileURL(target).href : target, isRequire, args.kind, imports);
      });
      b.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, async (args) => {
        const loader = GAME_CODE_LOADERS[extname(args.path)];
        if (loader === undefined || !inRoot(args.path)) return undefined;
        const text = await readFile(args.path, 'utf8');
        return { contents: text.includes('import.meta') ? metaPrefix(args.path) + text : text, loader, resolveDir: dirname(args.path) };
      });
    },
  };
}

function external(spec: string, isRequire: boolean, kind: string, imports: Set<string>) {
  // A dynamic import() of an external stays a real import() in the output; only static ones are preloaded.
  if (kind === 'dynamic-import') return { path: spec, external: true };
  if (isRequire) return { path: REQUIRE_PREFIX + spec, external: true };
  imports.add(spec);
  return { path: IMPORT_PREFIX + spec, external: true };
}

/**
 * The file's own `import.meta` (url, filename, dirname), declared on its first line so line numbers in
 * stack traces stay those of the file on disk.
 */
function metaPrefix(path: string): string {
  const meta = { url: pathToFileURL(path).href, filename: path, dirname: dirname(path) };
  return `const ${META} = ${JSON.stringify(meta)};`;
}
