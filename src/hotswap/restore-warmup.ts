import type { AoiIndexFactory } from '../aoi/aoi-index.ts';
import { attr } from '../core/attr-decl.ts';
import { defineEntityType } from '../core/entity-type.ts';
import { defineSpaceType } from '../core/space.ts';
import { t } from '../core/value-types.ts';
import { createGameWorld } from '../core/world.ts';
import { dumpWorld, loadWorld } from '../core/world-dump.ts';
import type { GameWorldOptions } from '../core/world-api.ts';
import { Velocity } from '../ecs/builtin-components.ts';
import { decodeSnapshot, encodeSnapshot } from './snapshot-file.ts';

export interface RestoreWarmupOptions {
  /** The AOI the real restore will rebuild (its bulk path gets warmed too). */
  aoiFactory: AoiIndexFactory;
  /** Entities in the practice world; default 8000. */
  entities?: number;
  /** Practice swaps; default 3 (enough for the optimizing tiers to take the per-entity loops). */
  rounds?: number;
}

/**
 * Runs the engine's swap path (dump, encode, decode, load, AOI rebuild, a dump of the restored world)
 * on a small practice world of its own, in memory, and throws it away. A successor calls it while it
 * waits for the old process to freeze: the restore that follows then runs compiled code instead of
 * a cold process's interpreter (measured at 100k entities, median of 5: 220 -> 158 ms; the warm-up
 * itself takes ~0.5 s, before the freeze). No game code runs: the practice type has no hooks, so
 * nothing outside this function sees it. Returns the ms it took.
 */
export function warmRestorePath(options: RestoreWarmupOptions): number {
  const t0 = performance.now();
  const world = practiceWorld(options);
  for (let round = 0; round < (options.rounds ?? 3); round++) {
    const snapshot = decodeSnapshot('(warm-up)', encodeSnapshot(dumpWorld(world.api), { warmup: round }));
    dumpWorld(loadWorld(snapshot.dump, world.options).world, { freeze: false });
  }
  return performance.now() - t0;
}

function practiceWorld(options: RestoreWarmupOptions) {
  const Practice = defineEntityType({
    name: '__RestoreWarmup',
    components: [Velocity],
    attrs: {
      name: attr(t.string, { flags: ['allClients'] }),
      level: attr(t.int, { flags: ['client'] }),
      speed: attr(t.float),
      tags: attr(t.list(t.string)),
    },
    rpc: { tick: { expose: 'server', args: [t.int], fn: (e, n) => e.attrs.set('level', n) } },
  });
  const Field = defineSpaceType({ name: '__RestoreWarmupField', aoi: { radius: 50 } });
  const worldOptions: GameWorldOptions = { entityTypes: [Practice], spaceTypes: [Field], aoiFactory: options.aoiFactory, onError: () => {} };
  const api = createGameWorld(worldOptions);
  const space = api.createSpace('__RestoreWarmupField');
  api.applyDeferred();
  const n = options.entities ?? 8000;
  // A deterministic spread: about a dozen neighbours each on a square sized for n.
  const side = Math.sqrt(n) * 40;
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const position = { x: ((i * 7919) % n) * (side / n), y: 0, z: ((i * 104729) % n) * (side / n) };
    ids.push(api.createEntity('__RestoreWarmup', { space, position, attrs: { name: `p${i}`, level: i % 9, speed: i / 7, tags: [] } }));
  }
  api.applyDeferred();
  for (let i = 0; i < n; i += 20) api.entity(ids[i])?.timers.add(1000 + i, 'tick', [i % 9], { repeat: 2000 });
  api.step(0.05);
  api.drainAoiEvents(() => {});
  api.drainAttrDeltas(() => {});
  api.drainClientEvents(() => {});
  return { api, options: worldOptions };
}
