import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createGridAoi } from '../../../src/aoi/grid-aoi.ts';
import { attr } from '../../../src/core/attr-decl.ts';
import { defineEntityType } from '../../../src/core/entity-type.ts';
import { defineSpaceType } from '../../../src/core/space.ts';
import { t } from '../../../src/core/value-types.ts';
import { createGameWorld } from '../../../src/core/world.ts';
import { dumpWorld, entityRows } from '../../../src/core/world-dump.ts';
import type { GameWorld, GameWorldOptions } from '../../../src/core/world-api.ts';
import { Position, Velocity, Yaw } from '../../../src/ecs/builtin-components.ts';
import type { ComponentDef } from '../../../src/ecs/schema.ts';
import { freezeToFile, restoreFromFile } from '../../../src/hotswap/hot-swap.ts';
import { mulberry32 } from '../../../src/testing/prng.ts';

const N = 10_000;

function options(fired: string[]): GameWorldOptions {
  const Mob = defineEntityType({
    name: 'Mob',
    components: [Velocity],
    attrs: {
      name: attr(t.string, { flags: ['allClients'] }),
      hp: attr(t.int, { flags: ['allClients'] }),
      loot: attr(t.map(t.int)),
    },
    rpc: { think: { expose: 'server', args: [t.int], fn: (e, n) => void fired.push(`${e.id}:${n}@${e.world.now}`) } },
  });
  const Map = defineSpaceType({ name: 'Map', aoi: { radius: 100 } });
  return { entityTypes: [Mob], spaceTypes: [Map], aoiFactory: createGridAoi, onError: (e: unknown) => { throw e; } };
}

/** 10k mobs on a 3000² map (about 35 neighbours each), some destroyed (eid holes), some with timers. */
function build(fired: string[]): GameWorld {
  const rand = mulberry32(2024);
  const world = createGameWorld(options(fired));
  const space = world.createSpace('Map');
  world.applyDeferred();
  const ids = [];
  for (let i = 0; i < N + 200; i++) {
    const position = { x: rand() * 3000, y: rand(), z: rand() * 3000 };
    ids.push(world.createEntity('Mob', { space, position, attrs: { name: `m${i}`, hp: i % 97, loot: { gold: i % 13 } } }));
  }
  world.step(0.05);
  for (let i = 0; i < 200; i++) world.destroyEntity(ids[i * 7]);
  world.step(0.05);
  for (const e of world.entities()) {
    e.setYaw(rand() * 6);
    world.store(Velocity).x[e.eid] = rand();
    if (rand() < 0.1) e.timers.add(Math.floor(rand() * 2000), 'think', [Math.floor(rand() * 100)], { repeat: rand() < 0.5 ? 700 : false });
  }
  world.step(0.05);
  return world;
}

function neighbourSets(world: GameWorld): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of world.entities()) out.set(e.id, world.interestedIn(e.id).sort().join());
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'tsworld-10k-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('restore of 10k entities through a snapshot file', () => {
  it('brings back positions, attributes, timers with their remaining time and AOI neighbours', () => {
    const firedA: string[] = [];
    const firedB: string[] = [];
    const world = build(firedA);
    const path = join(dir, 'game.snap');
    freezeToFile(world, path, { gates: 2 });
    const { world: back, extra } = restoreFromFile(path, options(firedB));
    expect(extra).toEqual({ gates: 2 });
    expect(back.entityCount).toBe(N);

    // The whole entity directory (ids, eids, types, spaces, attrs, component lists, timers with their
    // remaining ms) is equal, and so are the component arrays of every entity.
    const rowsA = entityRows(dumpWorld(world, { freeze: false }));
    const rowsB = entityRows(dumpWorld(back, { freeze: false }));
    expect(rowsB).toEqual(rowsA);
    expect(rowsA.filter((r) => r.timers.length > 0).length).toBeGreaterThan(500);
    // One comparison per field: the live entities' values gathered into an array on each side (a failure
    // still names the field and shows the differing positions), instead of one expect per entity.
    const eids = rowsA.map((r) => r.eid);
    for (const def of [Position, Yaw, Velocity] as ComponentDef[]) {
      const a = world.store(def) as Record<string, Float32Array>;
      const b = back.store(def) as Record<string, Float32Array>;
      for (const f of def.fields) {
        expect(Float32Array.from(eids, (eid) => b[f.name][eid]), `${def.name}.${f.name}`).toEqual(Float32Array.from(eids, (eid) => a[f.name][eid]));
      }
    }
    const nA = neighbourSets(world);
    const nB = neighbourSets(back);
    expect(nB).toEqual(nA);
    expect([...nA.values()].reduce((s, v) => s + (v === '' ? 0 : v.split(',').length), 0)).toBeGreaterThan(20 * N);

    // Both worlds then run the same: timers fire at the same times, and moves give the same AOI pairs.
    const pairs = (w: GameWorld) => {
      const out: string[] = [];
      w.drainAoiEvents((kind, a, b) => out.push(`${kind}:${a.id}>${b.id}`));
      return out.sort();
    };
    pairs(world);
    expect(pairs(back)).toEqual([]);
    firedA.length = 0;
    for (let tick = 0; tick < 30; tick++) {
      for (const w of [world, back]) {
        const pos = w.store(Position);
        for (const e of w.entities()) if (e.eid % 5 === tick % 5) pos.x[e.eid] = (pos.x[e.eid] + 37) % 3000;
        w.step(0.05);
      }
      expect(pairs(back), `tick ${tick}`).toEqual(pairs(world));
    }
    expect(firedA.length).toBeGreaterThan(100);
    expect(firedB).toEqual(firedA);
  });
});
