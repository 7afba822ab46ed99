import { restoreFromFile } from '../../src/hotswap/hot-swap.ts';
import { restorePerEntity } from './per-entity-msgpack.ts';
import { swapWorldOptions } from './swap-world.ts';

/**
 * One restore in a fresh process, as a real process swap does it: the new process has a clean heap
 * and cold code. `tsx restore-worker.ts <tsworld|per-entity-msgpack> <file>` prints `{"restoreMs": ..}`.
 * Module loading happens before the clock starts (a successor loads its code before it restores).
 */
const [impl, path] = process.argv.slice(2);
if (impl === undefined || path === undefined) throw new Error('usage: restore-worker.ts <impl> <snapshot file>');
const options = swapWorldOptions();
const t0 = performance.now();
const world = impl === 'tsworld' ? restoreFromFile(path, options).world : restorePerEntity(path, options);
const restoreMs = performance.now() - t0;
process.stdout.write(`${JSON.stringify({ restoreMs, entities: world.entityCount })}\n`);
