import { build, type Plugin } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ENGINE_CONDITIONS } from '../core/engine-files.ts';
import { TsworldError } from '../core/errors.ts';
import { GAME_CODE_LOADERS, inGameDir, resolveGameImport } from './game-code-resolve.ts';

/**
 * A copy of the game code as it is now, kept so a reload whose new code fails can go back to it: by
 * the time `tsworld reload` runs, the files on disk already hold the new code. The copy is one ES module
 * (esbuild) holding every file under the entry's directory; whatever lies outside it (the engine,
 * packages, Node's built-ins) stays an import by absolute URL, so a game started from the copy runs on
 * the same engine modules as any other and its entity types are the engine's own. `import.meta.url`
 * (and its dirname/filename) keeps naming the original file, so assets beside the code (a worker
 * script, a data file) are still found: only code is copied.
 */
export async function copyGameCode(entry: string, outFile: string): Promise<void> {
  const rootDir = dirname(resolve(entry));
  mkdirSync(dirname(outFile), { recursive: true });
  try {
    await build({
      entryPoints: [entry],
      outfile: outFile,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'esnext',
      sourcemap: 'inline',
      // `tsworld` resolves to the engine files this process runs (src/ from sources, dist/ compiled).
      conditions: [...ENGINE_CONDITIONS],
      logLevel: 'silent',
      plugins: [outsideStaysExternal(rootDir)],
    });
  } catch (cause) {
    throw new TsworldError('INVALID_STATE', `cannot keep a copy of the game code ${entry}: ${(cause as Error).message}`, { cause });
  }
}

const OWN = Symbol('tsworld-code-copy');


/** The file's source with `import.meta.url`, `.dirname` and `.filename` fixed to where it really is. */
async function pinnedMeta(path: string): Promise<string> {
  const source = await readFile(path, 'utf8');
  return source
    .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(path).href))
    .replaceAll('import.meta.dirname', JSON.stringify(dirname(path)))
    .replaceAll('import.meta.filename', JSON.stringify(path));
}

function outsideStaysExternal(rootDir: string): Plugin {
  const inRoot = inGameDir(rootDir);
  return {
    name: 'tsworld-code-copy',
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === OWN) return undefined;
        const found = await resolveGameImport(b, args, inRoot, OWN);
        if (found.kind === 'builtin') return { path: found.spec, external: true };
        if (found.kind === 'error') return { errors: found.errors };
        if (found.kind === 'inside') return { path: found.path };
        // The copy lives elsewhere, so a relative or bare specifier would resolve from the wrong place.
        return { path: isAbsolute(found.target) ? pathToFileURL(found.target).href : found.target, external: true };
      });
      b.onLoad({ filter: /.*/ }, async (args) => {
        const loader = GAME_CODE_LOADERS[extname(args.path)];
        if (!loader || !inRoot(args.path)) return undefined;
        return { contents: await pinnedMeta(args.path), loader, resolveDir: dirname(args.path) };
      });
    },
  };
}
