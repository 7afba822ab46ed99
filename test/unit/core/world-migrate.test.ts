import { describe, expect, it } from 'vitest';
import { createBruteForceAoi } from '../../../src/aoi/brute-force.ts';
import { attr } from '../../../src/core/attr-decl.ts';
import { defineEntityType } from '../../../src/core/entity-type.ts';
import { defineSpaceType } from '../../../src/core/space.ts';
import { t } from '../../../src/core/value-types.ts';
import { createGameWorld } from '../../../src/core/world.ts';
import { migrateIn, migrateOut, type MigrateData } from '../../../src/core/world-migrate.ts';
import { Velocity } from '../../../src/ecs/builtin-components.ts';

function game(log: string[], tag: string) {
  const h = (name: string) => () => void log.push(`${tag}:${name}`);
  const Avatar = defineEntityType({
    name: 'Avatar',
    components: [Velocity],
    attrs: { name: attr(t.string, { flags: ['allClients'] }) },
    rpc: { ping: { expose: 'server', args: [], fn: (e) => void log.push(`${tag}:ping@${e.world.now}`) } },
    hooks: {
      onInit: h('onInit'),
      onAttrsReady: h('onAttrsReady'),
      onCreated: h('onCreated'),
      onDestroy: h('onDestroy'),
      onEnterSpace: h('onEnterSpace'),
      onLeaveSpace: h('onLeaveSpace'),
      onMigrateOut: h('onMigrateOut'),
      onMigrateIn: h('onMigrateIn'),
      onClientConnected: h('onClientConnected'),
      onClientDisconnected: h('onClientDisconnected'),
    },
  });
  const Field = defineSpaceType({ name: 'Field', aoi: { radius: 10 } });
  return createGameWorld({ entityTypes: [Avatar], spaceTypes: [Field], aoiFactory: createBruteForceAoi, onError: (e) => { throw e; } });
}

describe('migration', () => {
  it('moves an entity between two worlds in GoWorld order, with attrs, components, timers and client', () => {
    const log: string[] = [];
    const from = game(log, 'A');
    const to = game(log, 'B');
    const fieldA = from.createSpace('Field');
    const fieldB = to.createSpace('Field', { id: 'FieldBBBBBBBBBBB' });
    from.applyDeferred();
    to.applyDeferred();
    const id = from.createEntity('Avatar', { attrs: { name: 'ann' }, space: fieldA, position: { x: 4, y: 5, z: 6 } });
    from.applyDeferred();
    const e = from.entity(id)!;
    from.store(Velocity).x[e.eid] = 3;
    e.setClient('c1');
    e.setClientSyncing(true);
    e.timers.add(100, 'ping', [], { repeat: true });
    from.step(0.06); // now 60
    log.length = 0;
    let data: MigrateData | undefined;
    migrateOut(from, id, fieldB, (d) => (data = d));
    expect(data).toBeUndefined();
    from.applyDeferred();
    expect(log).toEqual(['A:onLeaveSpace', 'A:onMigrateOut']);
    expect(from.entity(id)).toBeUndefined();
    expect(from.entityOfClient('c1')).toBeUndefined();
    const events: string[] = [];
    from.drainClientEvents((ev) => events.push(ev.kind));
    expect(events).toEqual(['bind']); // only the original bind; no unbind for a migration
    expect(data).toMatchObject({ id, type: 'Avatar', space: fieldB, client: 'c1', attrs: { name: 'ann' } });
    expect(data!.components.Position).toEqual({ x: 4, y: 5, z: 6 });
    expect(data!.timers).toEqual([{ id: 1, method: 'ping', args: [], remaining: 40, interval: 100 }]);

    log.length = 0;
    const copy = structuredClone(data!);
    migrateIn(to, copy);
    to.applyDeferred();
    expect(log).toEqual(['B:onInit', 'B:onAttrsReady', 'B:onMigrateIn', 'B:onEnterSpace']);
    const moved = to.entity(id)!;
    expect(moved.attrs.get('name')).toBe('ann');
    expect(moved.position()).toEqual({ x: 4, y: 5, z: 6 });
    expect(to.store(Velocity).x[moved.eid]).toBe(3);
    expect(moved.client).toBe('c1');
    expect(moved.clientSyncing).toBe(true);
    expect(moved.space.id).toBe(fieldB);
    log.length = 0;
    to.step(0.05);
    expect(log).toEqual(['B:ping@50']);
  });
});
