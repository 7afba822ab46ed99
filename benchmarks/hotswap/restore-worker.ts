import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { restoreFromFile } from '../../src/hotswap/hot-swap.ts';
import { warmRestorePath } from '../../src/hotswap/restore-warmup.ts';
import { freezePerEntity, restorePerEntity } from './per-entity-msgpack.ts';
import { buildSwapWorld, swapWorldOptions } from './swap-world.ts';

/**
 * One restore in a fresh process, as a real process swap does it: the new process has a clean heap
 * and cold code. `tsx restore-worker.ts <tsworld|per-entity-msgpack> <file>` prints `{"restoreMs": ..}`.
 * Module loading happens before the clock starts (a successor loads its code before it restores), and
 * so does a warm-up of the restore path (for tsworld warmRestorePath, which the game role's successor
 * runs before the old process freezes).
 */
const [impl, path] = process.argv.slice(2);
if (impl === undefined || path === undefined) throw new Error('usage: restore-worker.ts <impl> <snapshot file>');
const options = swapWorldOptions();
// As the game role's successor does while it waits for the old process to freeze (roles/game/main.ts);
// the baseline's successor gets the same chance, on a practice world of the same size and rounds.
if (impl === 'tsworld') warmRestorePath({ aoiFactory: options.aoiFactory });
else warmBaseline();
const t0 = performance.now();
const world = impl === 'tsworld' ? restoreFromFile(path, options).world : restorePerEntity(path, options);
const restoreMs = performance.now() - t0;
process.stdout.write(`${JSON.stringify({ restoreMs, entities: world.entityCount })}\n`);

function warmBaseline(): void {
  const dir = mkdtempSync(join(tmpdir(), 'tsworld-warm-'));
  try {
    const practice = join(dir, 'practice.snap');
    const { world, ids } = buildSwapWorld(8000, 1);
    for (let round = 0; round < 3; round++) {
      freezePerEntity(world, ids, practice);
      restorePerEntity(practice, swapWorldOptions());
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
