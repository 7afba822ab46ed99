import { createGridAoi, loadNativeGridAoi } from '../../src/aoi/grid-aoi.ts';
import { attr } from '../../src/core/attr-decl.ts';
import { defineEntityType } from '../../src/core/entity-type.ts';
import type { EntityId } from '../../src/core/entity-id.ts';
import { defineSpaceType } from '../../src/core/space.ts';
import { t } from '../../src/core/value-types.ts';
import { createGameWorld } from '../../src/core/world.ts';
import type { GameWorld, GameWorldOptions } from '../../src/core/world-api.ts';
import { Velocity } from '../../src/ecs/builtin-components.ts';
import { mulberry32 } from '../../src/testing/prng.ts';

export const MAP_SIZE = 10_000;
export const AOI_RADIUS = 100;
/** One entity in TIMER_EVERY carries a repeating timer. */
export const TIMER_EVERY = 20;

/**
 * The hot-swap workload, shared by the benchmark and the profiling driver: `n` Mobs (Position, Yaw,
 * Velocity, four attributes) at seeded random positions in one grid-AOI space, radius AOI_RADIUS on a
 * MAP_SIZE² map, a few with timers. Returns the options so a restore can use the same code.
 */
export function swapWorldOptions(): GameWorldOptions {
  const Mob = defineEntityType({
    name: 'Mob',
    components: [Velocity],
    attrs: {
      name: attr(t.string, { flags: ['allClients'] }),
      hp: attr(t.int, { flags: ['allClients'] }),
      level: attr(t.int, { flags: ['client'] }),
      target: attr(t.string),
    },
    rpc: { think: { expose: 'server', args: [t.int], fn: (e, n) => e.attrs.set('level', n) } },
  });
  const Map = defineSpaceType({ name: 'Map', aoi: { radius: AOI_RADIUS } });
  // The grid the game role runs (src/roles/game/main.ts): with the C++ kernels when built.
  return { entityTypes: [Mob], spaceTypes: [Map], aoiFactory: loadNativeGridAoi() ?? createGridAoi, maxEntities: 1 << 20, initialCapacity: 1024 };
}

/** The timer entity i gets at world time 0, if any (the per-entity baseline re-arms it from this). */
export function timerSpec(i: number): { delay: number; method: 'think'; args: [number]; interval: number } | undefined {
  return i % TIMER_EVERY === 0 ? { delay: 1000 + (i % 500), method: 'think', args: [i % 9], interval: 2000 } : undefined;
}

export function buildSwapWorld(n: number, seed: number): { world: GameWorld; ids: EntityId[]; options: GameWorldOptions } {
  const options = swapWorldOptions();
  const world = createGameWorld(options);
  const space = world.createSpace('Map');
  world.applyDeferred();
  const rand = mulberry32(seed);
  const ids: EntityId[] = [];
  for (let i = 0; i < n; i++) {
    const position = { x: rand() * MAP_SIZE, y: 0, z: rand() * MAP_SIZE };
    ids.push(world.createEntity('Mob', { space, position, attrs: { name: `mob${i}`, hp: 100 + (i % 50), level: i % 7, target: '' } }));
  }
  world.applyDeferred();
  const vel = world.store(Velocity);
  for (let i = 0; i < n; i++) {
    const e = world.entity(ids[i])!;
    vel.x[e.eid] = rand() * 2 - 1;
    vel.z[e.eid] = rand() * 2 - 1;
    e.setYaw(rand() * Math.PI * 2);
    const timer = timerSpec(i);
    if (timer !== undefined) e.timers.add(timer.delay, timer.method, timer.args, { repeat: timer.interval });
  }
  // One tick: the AOI index is built (its enter pairs drained) and timers have run for a bit.
  world.step(0.05);
  world.drainAoiEvents(() => {});
  world.drainAttrDeltas(() => {});
  world.drainClientEvents(() => {});
  return { world, ids, options };
}
