import { describe, expect, it } from 'vitest';
import { createBruteForceAoi } from '../../../src/aoi/brute-force.ts';
import { attr } from '../../../src/core/attr-decl.ts';
import { defineEntityType } from '../../../src/core/entity-type.ts';
import { defineSpaceType } from '../../../src/core/space.ts';
import { t } from '../../../src/core/value-types.ts';
import { createGameWorld } from '../../../src/core/world.ts';
import type { GameWorld } from '../../../src/core/world-api.ts';

function recordingWorld() {
  const log: string[] = [];
  const errors: unknown[] = [];
  const Avatar = defineEntityType({
    name: 'Avatar',
    attrs: { name: attr(t.string) },
    hooks: {
      onInit: (e) => log.push(`onInit name=${e.attrs.get('name')}`),
      onAttrsReady: (e) => log.push(`onAttrsReady name=${e.attrs.get('name')}`),
      onCreated: (e) => log.push(`onCreated space=${e.space.isNil ? 'nil' : e.space.kind}`),
      onDestroy: (e) => {
        log.push(`onDestroy space=${e.space.isNil ? 'nil' : e.space.kind} client=${e.client} timers=${e.timers.count}`);
        e.destroy(); // re-entrant destroy must be harmless
      },
      onEnterSpace: (e, s) => log.push(`onEnterSpace ${s.kind}`),
      onLeaveSpace: (e, s) => log.push(`onLeaveSpace ${s.kind}`),
      onClientConnected: (e, c) => log.push(`onClientConnected ${c}`),
      onClientDisconnected: (e, c) => log.push(`onClientDisconnected ${c} timers=${e.timers.count}`),
    },
    rpc: { noop: { expose: 'server', args: [], fn: () => {} } },
  });
  const spaceHooks = (kind: string) => ({
    onSpaceInit: () => log.push(`${kind}.onSpaceInit`),
    onSpaceCreated: () => log.push(`${kind}.onSpaceCreated`),
    onSpaceDestroy: () => log.push(`${kind}.onSpaceDestroy`),
    onEntityEnterSpace: () => log.push(`${kind}.onEntityEnterSpace`),
    onEntityLeaveSpace: () => log.push(`${kind}.onEntityLeaveSpace`),
  });
  const Town = defineSpaceType({ name: 'Town', aoi: { radius: 10 }, hooks: spaceHooks('Town') });
  const Dungeon = defineSpaceType({ name: 'Dungeon', hooks: spaceHooks('Dungeon') });
  const world = createGameWorld({
    entityTypes: [Avatar],
    spaceTypes: [Town, Dungeon],
    aoiFactory: createBruteForceAoi,
    onError: (e) => errors.push(e),
  });
  return { world, log, errors, Avatar };
}

function spaces(world: GameWorld) {
  const town = world.createSpace('Town');
  const dungeon = world.createSpace('Dungeon');
  world.applyDeferred();
  return { town, dungeon };
}

describe('entity lifecycle', () => {
  it('creates in GoWorld order, entering the space last', () => {
    const { world, log, errors } = recordingWorld();
    const { town } = spaces(world);
    log.length = 0;
    const id = world.createEntity('Avatar', { attrs: { name: 'bob' }, space: town });
    expect(world.entity(id)).toBeUndefined(); // deferred until the commit phase
    world.applyDeferred();
    expect(log).toEqual([
      'onInit name=',
      'onAttrsReady name=bob',
      'onCreated space=nil',
      'Town.onEntityEnterSpace',
      'onEnterSpace Town',
    ]);
    expect(world.entity(id)?.space.kind).toBe('Town');
    expect(errors).toEqual([]);
  });

  it('destroys in GoWorld order, exactly once, with timers cancelled before the client is detached', () => {
    const { world, log, errors } = recordingWorld();
    const { town } = spaces(world);
    const id = world.createEntity('Avatar', { space: town });
    world.applyDeferred();
    const e = world.entity(id)!;
    e.timers.add(1000, 'noop');
    e.setClient('c1');
    log.length = 0;
    expect(world.destroyEntity(id)).toBe(true);
    expect(world.destroyEntity(id)).toBe(true); // queued twice; applied once
    world.applyDeferred();
    expect(log).toEqual([
      'Town.onEntityLeaveSpace',
      'onLeaveSpace Town',
      'onDestroy space=nil client=c1 timers=1',
      'onClientDisconnected c1 timers=0',
    ]);
    expect(e.destroyed).toBe(true);
    expect(world.entity(id)).toBeUndefined();
    expect(world.destroyEntity(id)).toBe(false);
    expect(world.entityOfClient('c1')).toBeUndefined();
    world.applyDeferred(); // the destroy queued from onDestroy finds nothing to do
    expect(log.length).toBe(4);
    expect(errors).toEqual([]);
  });

  it('leaves the current space before entering another, and leaving means the nil space', () => {
    const { world, log } = recordingWorld();
    const { town, dungeon } = spaces(world);
    const id = world.createEntity('Avatar', { space: town });
    world.applyDeferred();
    log.length = 0;
    world.enterSpace(id, dungeon, { x: 1, y: 2, z: 3 });
    world.applyDeferred();
    world.leaveSpace(id);
    world.applyDeferred();
    expect(log).toEqual([
      'Town.onEntityLeaveSpace',
      'onLeaveSpace Town',
      'Dungeon.onEntityEnterSpace',
      'onEnterSpace Dungeon',
      'Dungeon.onEntityLeaveSpace',
      'onLeaveSpace Dungeon',
    ]);
    const e = world.entity(id)!;
    expect(e.space.isNil).toBe(true);
    expect(e.space.id).toBe(world.nilSpace.id);
    expect(e.position()).toEqual({ x: 1, y: 2, z: 3 });
    expect(world.space(dungeon)?.size).toBe(0);
  });

  it('runs space hooks on create and destroys members with the space', () => {
    const { world, log } = recordingWorld();
    const { town } = spaces(world);
    expect(log).toEqual(['Town.onSpaceInit', 'Town.onSpaceCreated', 'Dungeon.onSpaceInit', 'Dungeon.onSpaceCreated']);
    const id = world.createEntity('Avatar', { space: town });
    world.applyDeferred();
    log.length = 0;
    world.destroySpace(town);
    world.applyDeferred();
    expect(log).toEqual(['Town.onEntityLeaveSpace', 'onLeaveSpace Town', 'onDestroy space=nil client=null timers=0', 'Town.onSpaceDestroy']);
    expect(world.entity(id)).toBeUndefined();
    expect(world.space(town)).toBeUndefined();
  });

  it('defers structural requests made during the commit phase to the next commit', () => {
    const log: string[] = [];
    const Spawner = defineEntityType({
      name: 'Spawner',
      hooks: {
        onCreated: (e, world) => {
          log.push('spawner created');
          world.createEntity('Child');
        },
      },
    });
    const Child = defineEntityType({ name: 'Child', hooks: { onCreated: () => log.push('child created') } });
    const world = createGameWorld({ entityTypes: [Spawner, Child], aoiFactory: createBruteForceAoi });
    world.createEntity('Spawner');
    world.applyDeferred();
    expect(log).toEqual(['spawner created']);
    expect(world.pendingDeferred).toBe(1);
    world.step(0.05);
    expect(log).toEqual(['spawner created', 'child created']);
    expect(world.entityCount).toBe(2);
  });

  it('defers creation and destruction requested by a system until the commit phase of that tick', () => {
    const world = createGameWorld({ entityTypes: [defineEntityType({ name: 'Dummy' })], aoiFactory: createBruteForceAoi });
    const seen: number[] = [];
    world.addSystem('spawn', (w) => {
      seen.push(w.entityCount);
      if (w.tick === 1) w.createEntity('Dummy');
      seen.push(w.entityCount);
    });
    world.step(0.05);
    expect(seen).toEqual([0, 0]);
    expect(world.entityCount).toBe(1);
  });

  it('frees an eid only after the AOI phase saw it go and its AOI pairs were drained', () => {
    const Dummy = defineEntityType({ name: 'Dummy' });
    const Field = defineSpaceType({ name: 'Field', aoi: { radius: 5 } });
    const world = createGameWorld({ entityTypes: [Dummy], spaceTypes: [Field], aoiFactory: createBruteForceAoi });
    const field = world.createSpace('Field');
    world.applyDeferred();
    const a = world.createEntity('Dummy', { space: field });
    const watcher = world.createEntity('Dummy', { space: field });
    world.step(0.05);
    world.drainAoiEvents(() => {});
    const eidA = world.entity(a)!.eid;
    world.destroyEntity(a);
    const b = world.createEntity('Dummy');
    world.applyDeferred();
    expect(world.entity(b)!.eid).not.toBe(eidA); // same commit: a's slot is still held
    world.phases.end();
    const c = world.createEntity('Dummy');
    world.applyDeferred();
    expect(world.entity(c)!.eid).not.toBe(eidA); // AOI has not processed the removal yet
    world.phases.aoi();
    world.phases.end();
    const d = world.createEntity('Dummy');
    world.applyDeferred();
    expect(world.entity(d)!.eid).not.toBe(eidA); // an undrained leave pair still names it
    const seen: string[] = [];
    const name = (id: string) => (id === a ? 'a' : id === watcher ? 'watcher' : '?');
    world.drainAoiEvents((kind, w, t) => seen.push(`${kind} ${name(w.id)}->${name(t.id)} destroyed=${t.destroyed}`));
    expect(seen.sort()).toEqual(['leave a->watcher destroyed=false', 'leave watcher->a destroyed=true']);
    const e = world.createEntity('Dummy');
    world.applyDeferred();
    expect(world.entity(e)!.eid).toBe(eidA);
  });

  it('binds a create-time client after onCreated and before entering the space (boot entity)', () => {
    const { world, log } = recordingWorld();
    const { town } = spaces(world);
    log.length = 0;
    const id = world.createEntity('Avatar', { space: town, client: 'boot-client' });
    world.applyDeferred();
    expect(log).toEqual([
      'onInit name=',
      'onAttrsReady name=',
      'onCreated space=nil',
      'onClientConnected boot-client',
      'Town.onEntityEnterSpace',
      'onEnterSpace Town',
    ]);
    expect(world.entityOfClient('boot-client')?.id).toBe(id);
    const e = world.entity(id)!;
    expect(e.clientSyncing).toBe(false);
    e.setClientSyncing(true);
    expect(e.clientSyncing).toBe(true);
  });

  it('counts space and client membership changes, and only those (membershipChanges)', () => {
    const { world } = recordingWorld();
    const { town, dungeon } = spaces(world);
    const id = world.createEntity('Avatar', { space: town });
    world.applyDeferred();
    const afterCreate = world.membershipChanges;
    expect(afterCreate).toBeGreaterThan(0);
    world.step(0.05);
    world.entity(id)!.attrs.set('name', 'quiet');
    world.applyDeferred();
    expect(world.membershipChanges).toBe(afterCreate);
    world.enterSpace(id, dungeon);
    world.applyDeferred();
    // Left the town and entered the dungeon.
    expect(world.membershipChanges).toBe(afterCreate + 2);
    expect(world.setClient(id, 'c1')).toEqual({ ok: true });
    world.applyDeferred();
    expect(world.membershipChanges).toBe(afterCreate + 3);
  });

  it('binds a client to one entity at a time and hands it over with giveClientTo', () => {
    const { world, log } = recordingWorld();
    const a = world.createEntity('Avatar');
    const b = world.createEntity('Avatar');
    world.applyDeferred();
    log.length = 0;
    expect(world.setClient(a, 'c1')).toEqual({ ok: true });
    expect(world.giveClientTo(a, b)).toEqual({ ok: true });
    expect(world.giveClientTo(a, b)).toMatchObject({ ok: false, code: 'INVALID_STATE' });
    expect(world.entity(a)!.client).toBeNull();
    expect(world.entity(b)!.client).toBe('c1');
    expect(world.entityOfClient('c1')?.id).toBe(b);
    expect(log).toEqual(['onClientConnected c1', 'onClientDisconnected c1 timers=0', 'onClientConnected c1']);
    const events: string[] = [];
    world.drainClientEvents((ev) => events.push(`${ev.kind}:${ev.entity === a ? 'a' : 'b'}:${ev.client}`));
    expect(events).toEqual(['bind:a:c1', 'unbind:a:c1', 'bind:b:c1']);
  });

  it('Entity.setClient and giveClientTo report what happened', () => {
    const { world } = recordingWorld();
    const a = world.createEntity('Avatar');
    const b = world.createEntity('Avatar');
    world.applyDeferred();
    const ea = world.entity(a)!;
    expect(ea.giveClientTo(b)).toMatchObject({ ok: false, code: 'INVALID_STATE' });
    expect(ea.setClient('c1')).toEqual({ ok: true });
    // An id that is not in this game (it may live on another: world.cluster.giveClientTo is for that).
    expect(ea.giveClientTo('AAAAAAAAAAAAAAAB')).toMatchObject({ ok: false, code: 'UNKNOWN_ENTITY' });
    expect(ea.client).toBe('c1');
    expect(ea.giveClientTo(b)).toEqual({ ok: true });
    expect(world.entity(b)!.client).toBe('c1');
  });

  it('reports a hook that throws without stopping the rest of the lifecycle', () => {
    const errors: string[] = [];
    const Bad = defineEntityType({ name: 'Bad', hooks: { onInit: () => { throw new Error('boom'); } } });
    const world = createGameWorld({ entityTypes: [Bad], aoiFactory: createBruteForceAoi, onError: (_e, where) => errors.push(where) });
    const id = world.createEntity('Bad');
    world.applyDeferred();
    expect(world.entity(id)).toBeDefined();
    expect(errors).toEqual(['Bad.onInit']);
  });

  it('throws CAPACITY_EXCEEDED at the entity limit instead of overwriting', () => {
    const world = createGameWorld({ entityTypes: [defineEntityType({ name: 'Dummy' })], aoiFactory: createBruteForceAoi, maxEntities: 3, initialCapacity: 2 });
    for (let i = 0; i < 3; i++) world.createEntity('Dummy');
    expect(() => world.createEntity('Dummy')).toThrow(expect.objectContaining({ code: 'CAPACITY_EXCEEDED' }));
    world.applyDeferred();
    expect(world.entityCount).toBe(3);
  });
});
