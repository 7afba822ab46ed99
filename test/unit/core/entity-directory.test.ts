import { describe, expect, it } from 'vitest';
import { createGridAoi } from '../../../src/aoi/grid-aoi.ts';
import { attr } from '../../../src/core/attr-decl.ts';
import { defineEntityType } from '../../../src/core/entity-type.ts';
import { defineSpaceType } from '../../../src/core/space.ts';
import { t } from '../../../src/core/value-types.ts';
import { createGameWorld, stateOf } from '../../../src/core/world.ts';
import { dumpWorld, entityRows, loadWorld } from '../../../src/core/world-dump.ts';
import type { GameWorld, GameWorldOptions } from '../../../src/core/world-api.ts';
import { Position } from '../../../src/ecs/builtin-components.ts';

function options(): GameWorldOptions {
  const Mob = defineEntityType({
    name: 'Mob',
    attrs: { name: attr(t.string, { flags: ['allClients'] }), bag: attr(t.list(t.int), { flags: ['client'] }) },
    rpc: { poke: { expose: 'server', args: [], fn: (e) => e.attrs.set('name', `${e.attrs.get('name')}!`) } },
  });
  const Map = defineSpaceType({ name: 'Map', aoi: { radius: 5 } });
  return { entityTypes: [Mob], spaceTypes: [Map], aoiFactory: createGridAoi, onError: (e: unknown) => { throw e; } };
}

/** 20 mobs in a row, 10 apart (no one sees anyone), one with a client and one with a timer. */
function build(): { world: GameWorld; ids: string[]; space: string } {
  const world = createGameWorld(options());
  const space = world.createSpace('Map');
  world.applyDeferred();
  const ids = Array.from({ length: 20 }, (_, i) =>
    world.createEntity('Mob', { space, position: { x: i * 10, y: 0, z: 0 }, attrs: { name: `m${i}`, bag: [i] } }),
  );
  world.step(0.05);
  world.entity(ids[3])!.setClient('c3');
  world.entity(ids[4])!.timers.add(100, 'poke', [], { repeat: 100 });
  world.step(0.05);
  world.drainAoiEvents(() => {});
  world.drainClientEvents(() => {});
  return { world, ids, space };
}

const pendingCount = (world: GameWorld) => {
  const dir = stateOf(world).byId;
  return [...dir.ids.eids()].filter((eid) => dir.isPending(eid)).length;
};

describe('entity directory after a restore', () => {
  it('makes records only for entities that need one at load, and the rest on first use', () => {
    const { world, ids, space } = build();
    const { world: back } = loadWorld(dumpWorld(world), options());
    // The client's and the timer's entities have records; 18 wait.
    expect(pendingCount(back)).toBe(18);
    const members: [string, number][] = [];
    back.space(space)!.forEachMember((id, eid) => members.push([id, eid]));
    expect(pendingCount(back)).toBe(18); // walking the members made no record
    expect(members.map(([id]) => id).sort()).toEqual([...ids].sort());
    expect(back.entityCount).toBe(20);
    const e = back.entity(ids[7])!;
    expect(pendingCount(back)).toBe(17);
    for (const [id, eid] of members) expect(back.entityByEid(eid)?.id).toBe(id);
    expect(back.entity(ids[7])).toBe(e);
    expect(back.entityByEid(e.eid)).toBe(e);
    expect(e.attrs.get('name')).toBe('m7');
    expect(e.attrs.get('bag')).toEqual([7]);
    expect(e.space?.kind).toBe('Map');
    expect(back.entity(ids[3])!.client).toBe('c3');
    expect(back.entity('AAAAAAAAAAAAAAAA')).toBeUndefined();
  });

  it('dumps a restored world without making its records, to the same table', () => {
    const { world } = build();
    const first = dumpWorld(world);
    const { world: back } = loadWorld(first, options());
    const again = dumpWorld(back);
    expect(pendingCount(back)).toBe(18);
    expect(entityRows(again)).toEqual(entityRows(first));
    // And a third generation from the second, still without records.
    const { world: third } = loadWorld(again, options());
    expect(entityRows(dumpWorld(third))).toEqual(entityRows(first));
  });

  it('runs pending entities like any other: AOI events, neighbours, changes, destroy', () => {
    const { world, ids, space } = build();
    const { world: back } = loadWorld(dumpWorld(world), options());
    const eid8 = back.entity(ids[8])!.eid; // made; 9 stays pending
    back.store(Position).x[eid8] = 88;
    back.step(0.05);
    const events: string[] = [];
    back.drainAoiEvents((kind, w, tgt) => events.push(`${kind} ${w.attrs.get('name')} ${tgt.attrs.get('name')}`));
    expect(events.sort()).toEqual(['enter m8 m9', 'enter m9 m8']);
    expect(back.interestedIn(ids[8])).toEqual([ids[9]]);
    expect(pendingCount(back)).toBeGreaterThan(0);
    expect(back.entities().length).toBe(20);
    expect(back.space(space)!.members().map((m) => m.id).sort()).toEqual([...ids].sort());
    back.entity(ids[12])!.attrs.set('name', 'renamed');
    const deltas: string[] = [];
    back.step(0.05);
    back.drainAttrDeltas((e, d) => deltas.push(`${e.id === ids[12]} ${d.length}`));
    expect(deltas).toContain('true 1');  // the timer entity's poke is the other
    expect(back.destroyEntity(ids[15])).toBe(true);
    back.step(0.05);
    back.drainAoiEvents(() => {});
    expect(back.entity(ids[15])).toBeUndefined();
    expect(back.entityCount).toBe(19);
    expect(entityRows(dumpWorld(back)).map((r) => r.id)).not.toContain(ids[15]);
  });
});
