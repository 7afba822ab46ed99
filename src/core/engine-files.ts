/**
 * Where the engine's own code runs from. Inside the repository it runs from its TypeScript sources under
 * tsx (tests, `npm start`); installed as a package it runs the compiled JavaScript in dist/. Paths built
 * at run time (a role's main, the client SDK's entry) and the processes the engine spawns follow suit.
 */
export const ENGINE_FROM_SOURCE: boolean = import.meta.url.endsWith('.ts');

/** The extension of the engine's module files: '.ts' from sources, '.js' compiled. */
export const ENGINE_EXT: '.ts' | '.js' = ENGINE_FROM_SOURCE ? '.ts' : '.js';

/**
 * The package.json `exports` condition that maps `tsworld` (and its subpaths) to src/ rather than dist/.
 * Game code imports the engine as `tsworld`; from sources it must get the very modules the role process
 * runs, or its entity types and components would belong to a second copy of the engine.
 */
export const SOURCE_CONDITION = 'tsworld-source';

/** Conditions a bundler (esbuild) resolves `tsworld` with, to reach the files this process loaded. */
export const ENGINE_CONDITIONS: readonly string[] = ENGINE_FROM_SOURCE ? [SOURCE_CONDITION] : [];

/**
 * Node flags for a process that runs the engine's modules: from sources, tsx and the source condition;
 * compiled, none (a game entry in .ts is loaded through tsx's registration API instead: game-module.ts).
 */
export function engineNodeFlags(): string[] {
  if (!ENGINE_FROM_SOURCE) return ['--enable-source-maps'];
  return ['--enable-source-maps', '--import', import.meta.resolve('tsx'), `--conditions=${SOURCE_CONDITION}`];
}
