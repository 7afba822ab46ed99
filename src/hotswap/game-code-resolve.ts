import type { OnResolveArgs, PluginBuild } from 'esbuild';
import { isBuiltin } from 'node:module';
import { isAbsolute, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * What both bundlers of game code share (generation-bundle.ts for in-place reloads, code-copy.ts for
 * the copy a rollback runs): which files are the game's own, and where an import resolves to.
 */
export const GAME_CODE_LOADERS: Readonly<Record<string, 'ts' | 'tsx' | 'js' | 'jsx'>> = {
  '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.jsx': 'jsx',
};

/** The game's own files: under its directory and not in a node_modules below it. */
export function inGameDir(rootDir: string): (path: string) => boolean {
  return (path) => path.startsWith(rootDir + sep) && !path.includes(`${sep}node_modules${sep}`);
}

export type GameImport =
  | { readonly kind: 'builtin'; readonly spec: string }
  | { readonly kind: 'inside'; readonly path: string }
  /** `target` is an absolute path when esbuild resolved it to a file, else the specifier as written. */
  | { readonly kind: 'outside'; readonly target: string }
  | { readonly kind: 'error'; readonly errors: Awaited<ReturnType<PluginBuild['resolve']>>['errors'] };

/**
 * Resolves one import with esbuild's own resolver (`own` marks the nested call, so the plugin that
 * calls this skips it). Node takes file: URLs as specifiers (the examples import the engine by one),
 * esbuild takes paths, so a file: URL is turned into its path first.
 */
export async function resolveGameImport(b: PluginBuild, args: OnResolveArgs, inRoot: (path: string) => boolean, own: symbol): Promise<GameImport> {
  if (isBuiltin(args.path)) return { kind: 'builtin', spec: args.path };
  const spec = args.path.startsWith('file:') ? fileURLToPath(args.path) : args.path;
  const resolved = await b.resolve(spec, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: own });
  if (resolved.errors.length > 0) return { kind: 'error', errors: resolved.errors };
  if (!resolved.external && isAbsolute(resolved.path) && inRoot(resolved.path)) return { kind: 'inside', path: resolved.path };
  return { kind: 'outside', target: isAbsolute(resolved.path) ? resolved.path : spec };
}
