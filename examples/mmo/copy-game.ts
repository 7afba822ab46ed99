import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const gameDir = resolve(import.meta.dirname, 'game');
const engineUrl = pathToFileURL(resolve(import.meta.dirname, '..', '..', 'src', 'index.ts')).href;

/**
 * Copies examples/mmo/game into `dest` (created if needed) so it runs from anywhere: engine.ts, the only
 * file of game/ that imports the engine, gets `tsworld` (which resolves only inside this package)
 * replaced by the file URL of this repository's src/index.ts, the very module the role processes run
 * from sources, and a package.json marks the copy as ESM. Returns the copy's entry (main.ts) for a config's `entry`.
 */
export function copyMmoGame(dest: string): string {
  cpSync(gameDir, dest, { recursive: true });
  const engine = join(dest, 'engine.ts');
  const text = readFileSync(engine, 'utf8');
  const rewritten = text.replaceAll("from 'tsworld';", `from '${engineUrl}';`);
  if (rewritten === text) throw new Error(`copyMmoGame: no engine import to rewrite in ${engine}`);
  writeFileSync(engine, rewritten);
  // Outside a package with "type": "module", tsx would compile the copy as CommonJS.
  writeFileSync(join(dest, 'package.json'), '{ "type": "module" }\n');
  return join(dest, 'main.ts');
}

/** Rewrites the copy's version.ts: what a hot-swap test changes between two runs of the same world. */
export function writeMmoVersion(dest: string, version: { tag: string; monsterSpeed: number }): void {
  writeFileSync(
    join(dest, 'version.ts'),
    `export const TAG = ${JSON.stringify(version.tag)};\nexport const MONSTER_SPEED = ${version.monsterSpeed};\n`,
  );
}
