import { describe, expect, it } from 'vitest';
import { createBruteForceAoi } from '../../../src/aoi/brute-force.ts';
import { attr } from '../../../src/core/attr-decl.ts';
import { defineEntityType } from '../../../src/core/entity-type.ts';
import { defineSpaceType } from '../../../src/core/space.ts';
import { t } from '../../../src/core/value-types.ts';
import { createGameWorld } from '../../../src/core/world.ts';
import { dumpWorld, loadWorld, WORLD_DUMP_FORMAT } from '../../../src/core/world-dump.ts';
import type { GameWorldOptions } from '../../../src/core/world-api.ts';
import { AoiRadius, Position, Velocity } from '../../../src/ecs/builtin-components.ts';
import { defineComponent, type ComponentDef } from '../../../src/ecs/schema.ts';

const Health = defineComponent('Health', { hp: { type: 'u16', default: 100 }, regen: 'f32' });

function types(log: string[], healthDef: ComponentDef = Health) {
  const Avatar = defineEntityType({
    name: 'Avatar',
    persistent: true,
    components: [Velocity, healthDef],
    attrs: {
      name: attr(t.string, { flags: ['allClients', 'persistent'] }),
      bag: attr(t.list(t.string), { flags: ['client'] }),
    },
    rpc: { ring: { expose: 'server', args: [t.string], fn: (e, s) => void log.push(`${e.attrs.get('name')} ring ${s} @${e.world.now}`) } },
    hooks: {
      onInit: (e) => log.push(`onInit ${e.id.slice(0, 0)}${e.attrs.get('name') || '?'}`),
      onCreated: (e) => log.push(`onCreated ${e.attrs.get('name')}`),
      onFreeze: (e) => log.push(`onFreeze ${e.attrs.get('name')}`),
      onRestored: (e) => log.push(`onRestored ${e.attrs.get('name')} space=${e.space.kind} client=${e.client}`),
      onEnterAOI: (e, o) => log.push(`onEnterAOI ${e.attrs.get('name')} ${o.attrs.get('name')}`),
      onEnterSpace: (e) => log.push(`onEnterSpace ${e.attrs.get('name')}`),
    },
  });
  const Field = defineSpaceType({ name: 'Field', aoi: { radius: 10 } });
  return { entityTypes: [Avatar], spaceTypes: [Field], aoiFactory: createBruteForceAoi, onError: (e: unknown) => { throw e; } } satisfies GameWorldOptions;
}

function populated() {
  const log: string[] = [];
  const world = createGameWorld(types(log));
  const field = world.createSpace('Field');
  world.applyDeferred();
  const ids = ['ann', 'bob', 'cy'].map((name, i) =>
    world.createEntity('Avatar', { attrs: { name }, space: field, position: { x: i * 3, y: 1, z: -i } }),
  );
  const gone = world.createEntity('Avatar', { attrs: { name: 'gone' } });
  world.step(0.05);
  world.destroyEntity(gone);
  world.step(0.05);
  const [ann, bob] = ids.map((id) => world.entity(id)!);
  ann.attrs.list('bag').append('key');
  world.store(Velocity).x[bob.eid] = 2.5;
  world.store(Health).hp[bob.eid] = 42;
  ann.timers.add(600, 'ring', ['once']); // added at now=100: due 700
  bob.timers.add(150, 'ring', ['rep'], { repeat: true }); // due 250, 400, 550, ...
  ann.setClient('client-ann');
  ann.setClientSyncing(true);
  for (let i = 0; i < 4; i++) world.step(0.05); // now = 300: bob's repeat fired once, at 250
  return { world, log, ids, field };
}

describe('dump and load', () => {
  it('round-trips entities, attributes, components, spaces, clients and timers', () => {
    const { world, log, ids, field } = populated();
    expect(log.filter((l) => l.includes('ring'))).toEqual(['bob ring rep @250']);
    log.length = 0;
    const dump = dumpWorld(world);
    expect(log.sort()).toEqual(['onFreeze ann', 'onFreeze bob', 'onFreeze cy']);
    expect(dump.header).toMatchObject({ format: WORLD_DUMP_FORMAT, tick: 6, now: 300, gameId: 1 });
    expect(dump.state.entities).toHaveLength(3);
    const highWater = dump.state.highWater;
    for (const c of dump.components) for (const f of c.fields) expect(f.bytes.byteLength % highWater).toBe(0);

    const log2: string[] = [];
    const { world: restored, report } = loadWorld(dump, types(log2));
    expect(report).toEqual({ droppedComponents: [], addedFields: {}, removedFields: {}, resetAttrs: {} });
    // GoWorld restore order: onInit (before attrs), then onRestored; no create, space or AOI hooks.
    expect(log2.filter((l) => l.startsWith('onInit'))).toEqual(['onInit ?', 'onInit ?', 'onInit ?']);
    expect(log2.filter((l) => !l.startsWith('onInit')).sort()).toEqual([
      'onRestored ann space=Field client=client-ann',
      'onRestored bob space=Field client=null',
      'onRestored cy space=Field client=null',
    ]);
    expect(restored.tick).toBe(6);
    expect(restored.now).toBe(300);
    for (const id of ids) {
      const before = world.entity(id)!;
      const after = restored.entity(id)!;
      expect(after.eid).toBe(before.eid);
      expect(after.position()).toEqual(before.position());
      expect(restored.clientSnapshot(id, 'owner')).toEqual(world.clientSnapshot(id, 'owner'));
    }
    const bob = restored.entity(ids[1])!;
    expect(restored.store(Velocity).x[bob.eid]).toBe(2.5);
    expect(restored.store(Health).hp[bob.eid]).toBe(42);
    expect(restored.store(Health).hp[restored.entity(ids[2])!.eid]).toBe(100);
    expect(restored.entityOfClient('client-ann')?.id).toBe(ids[0]);
    expect(restored.entity(ids[0])!.clientSyncing).toBe(true);
    expect(restored.entity(ids[1])!.clientSyncing).toBe(false);
    expect(restored.space(field)?.size).toBe(3);
    expect(restored.interestedIn(ids[0]).sort()).toEqual(world.interestedIn(ids[0]).sort());

    const events: string[] = [];
    restored.drainAoiEvents((kind) => events.push(kind));
    restored.drainClientEvents((e) => events.push(e.kind));
    restored.drainAttrDeltas(() => events.push('delta'));
    expect(events).toEqual([]); // silent restore: nothing to send to clients

    // Timers resume with their remaining time: ann's once at 700, bob's repeat every 150 from 400.
    log2.length = 0;
    for (let i = 0; i < 14; i++) restored.step(0.05);
    expect(log2.filter((l) => l.includes('ring'))).toEqual([
      'bob ring rep @400',
      'bob ring rep @550',
      'ann ring once @700',
      'bob ring rep @700',
      'bob ring rep @850',
      'bob ring rep @1000',
    ]);
    expect(log2.filter((l) => l.startsWith('onEnterAOI'))).toEqual([]);
  });

  it('keeps working after load: new entities get fresh eids and AOI events flow', () => {
    const { world } = populated();
    const log2: string[] = [];
    const { world: restored } = loadWorld(dumpWorld(world), types(log2));
    const field = restored.spaces().find((s) => !s.isNil)!.id;
    const used = new Set(restored.entities().map((e) => e.eid));
    const id = restored.createEntity('Avatar', { attrs: { name: 'dee' }, space: field, position: { x: 1, y: 0, z: 0 } });
    restored.step(0.05);
    expect(used.has(restored.entity(id)!.eid)).toBe(false);
    expect(log2.filter((l) => l.startsWith('onEnterAOI')).length).toBeGreaterThanOrEqual(2);
  });

  it('loads into code whose schema changed: new fields default, removed fields dropped, type changes refused', () => {
    const { world, ids } = populated();
    const dump = dumpWorld(world, { freeze: false });
    const HealthV2 = defineComponent('Health', { hp: { type: 'u16', default: 100 }, shield: { type: 'u8', default: 7 } });
    const { world: restored, report } = loadWorld(dump, types([], HealthV2));
    expect(report.addedFields).toEqual({ Health: ['shield'] });
    expect(report.removedFields).toEqual({ Health: ['regen'] });
    const bob = restored.entity(ids[1])!;
    expect(restored.store(HealthV2).hp[bob.eid]).toBe(42);
    expect(restored.store(HealthV2).shield[bob.eid]).toBe(7);

    const HealthV3 = defineComponent('Health', { hp: 'u32', regen: 'f32' });
    expect(() => loadWorld(dump, types([], HealthV3))).toThrow(expect.objectContaining({ code: 'SCHEMA_MISMATCH' }));
    expect(dump.header.schemaHash).not.toBe(dumpWorld(restored, { freeze: false }).header.schemaHash);
  });

  it('refuses an unknown format, entity type or space type', () => {
    const { world } = populated();
    const dump = dumpWorld(world, { freeze: false });
    expect(() => loadWorld({ ...dump, header: { ...dump.header, format: 99 } }, types([]))).toThrow(
      expect.objectContaining({ code: 'SCHEMA_MISMATCH' }),
    );
    const noAvatar = { ...types([]), entityTypes: [] };
    expect(() => loadWorld(dump, noAvatar)).toThrow(expect.objectContaining({ code: 'UNKNOWN_ENTITY_TYPE' }));
    const noField = { ...types([]), spaceTypes: [] };
    expect(() => loadWorld(dump, noField)).toThrow(expect.objectContaining({ code: 'UNKNOWN_SPACE' }));
  });

  it('applies ops still queued at dump time instead of losing them', () => {
    const { world } = populated();
    const late = world.createEntity('Avatar', { attrs: { name: 'late' } });
    const dump = dumpWorld(world, { freeze: false });
    const { world: restored } = loadWorld(dump, types([]));
    expect(restored.entity(late)?.attrs.get('name')).toBe('late');
  });

  it('keeps components added at runtime, with their values', () => {
    const { world, ids } = populated();
    const before = dumpWorld(world, { freeze: false });
    expect(before.components.map((c) => c.name)).not.toContain(AoiRadius.name);
    expect(before.components.map((c) => c.name)).toContain(Velocity.name);
    const { world: plain } = loadWorld(before, types([]));
    expect(plain.store(AoiRadius).radius[plain.entity(ids[0])!.eid]).toBe(0);
    world.addComponent(ids[2], AoiRadius, { radius: 3.5 });
    world.applyDeferred();
    const { world: restored } = loadWorld(dumpWorld(world, { freeze: false }), types([]));
    expect(restored.hasComponent(ids[2], AoiRadius)).toBe(true);
    expect(restored.hasComponent(ids[1], AoiRadius)).toBe(false);
    expect(restored.store(AoiRadius).radius[restored.entity(ids[2])!.eid]).toBe(3.5);
  });

  it('copies arrays only up to the high-water eid', () => {
    const { world } = populated();
    const dump = dumpWorld(world, { freeze: false });
    const pos = dump.components.find((c) => c.name === Position.name)!;
    expect(pos.count).toBe(dump.state.highWater);
    expect(pos.fields[0].bytes.byteLength).toBe(4 * dump.state.highWater);
  });
  it('restored records sharing one component list stay independent; handles, deltas and timers work on first use', () => {
    const Mob = defineEntityType({
      name: 'Mob',
      attrs: { hp: attr(t.int, { flags: ['allClients'] }), tags: attr(t.list(t.string)) },
      rpc: { poke: { expose: 'server', args: [], fn: (e) => e.attrs.set('hp', e.attrs.get('hp') + 1) } },
    });
    const options = { entityTypes: [Mob], aoiFactory: createBruteForceAoi, onError: (e: unknown) => { throw e; } } satisfies GameWorldOptions;
    const world = createGameWorld(options);
    const ids = [1, 2, 3].map((hp) => world.createEntity('Mob', { attrs: { hp, tags: [`t${hp}`] } }));
    world.step(0.05);
    const { world: restored, report } = loadWorld(dumpWorld(world, { freeze: false }), options);
    expect(report.resetAttrs).toEqual({});
    const [a, b, c] = ids.map((id) => restored.entity(id)!);
    expect(restored.entity(ids[0])).toBe(a);
    expect(restored.entities()).toContain(b);
    expect([a, b, c].map((e) => e.attrs.get('hp'))).toEqual([1, 2, 3]);
    expect(b.attrs.get('tags')).toEqual(['t2']);

    restored.addComponent(ids[0], Velocity);
    restored.removeComponent(ids[1], Position);
    restored.addComponent(ids[2], AoiRadius, { radius: 2 });
    restored.applyDeferred();
    expect(ids.map((id) => restored.hasComponent(id, Velocity))).toEqual([true, false, false]);
    expect(ids.map((id) => restored.hasComponent(id, AoiRadius))).toEqual([false, false, true]);
    restored.removeComponent(ids[2], AoiRadius);
    restored.applyDeferred();
    expect(ids.map((id) => restored.hasComponent(id, AoiRadius))).toEqual([false, false, false]);
    expect(ids.map((id) => restored.hasComponent(id, Position))).toEqual([true, true, true]);

    b.attrs.list('tags').append('x');
    expect(restored.call(ids[2], 'poke', [])).toEqual({ ok: true });
    const seen: [string, unknown[]][] = [];
    restored.drainAttrDeltas((e, deltas) => seen.push([e.id, deltas.map((d) => d.op)]));
    expect(seen).toEqual([[ids[2], ['mapSet']]]);
    expect(c.attrs.get('hp')).toBe(4);
    expect(a.attrs.get('tags')).toEqual(['t1']);

    expect(a.timers.count).toBe(0);
    a.timers.add(50, 'poke');
    expect(a.timers.count).toBe(1);
    restored.step(0.05);
    expect(a.attrs.get('hp')).toBe(2);
    expect(a.timers.count).toBe(0);
    const again = dumpWorld(restored, { freeze: false });
    const twice = [loadWorld(again, options).world, loadWorld(again, options).world];
    expect(twice[0].entity(ids[1])!.attrs.get('tags')).toEqual(['t2', 'x']);
    twice[0].entity(ids[0])!.attrs.list('tags').append('only-here');
    expect(twice[1].entity(ids[0])!.attrs.get('tags')).toEqual(['t1']);
    // Never-touched records dump straight from their restored columns.
    const untouched = loadWorld(dumpWorld(twice[1], { freeze: false }), options).world;
    expect(ids.map((id) => untouched.entity(id)!.attrs.get('hp'))).toEqual([2, 2, 4]);
    expect(untouched.persistentSnapshot(ids[2])).toEqual({});
    expect(untouched.clientSnapshot(ids[2], 'observer')).toEqual({ hp: 4 });
  });
});
