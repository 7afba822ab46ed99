import { describe, expect, it } from 'vitest';
import { createBruteForceAoi } from '../../../src/aoi/brute-force.ts';
import { AoiRadius, Position } from '../../../src/ecs/builtin-components.ts';
import { defineEntityType } from '../../../src/core/entity-type.ts';
import { defineSpaceType } from '../../../src/core/space.ts';
import { createGameWorld } from '../../../src/core/world.ts';
import type { GameWorld } from '../../../src/core/world-api.ts';

function setup() {
  const log: string[] = [];
  const name = new Map<string, string>();
  const n = (id: string) => name.get(id) ?? id;
  const Walker = defineEntityType({
    name: 'Walker',
    hooks: {
      onEnterAOI: (e, other) => log.push(`${n(e.id)} sees ${n(other.id)}`),
      onLeaveAOI: (e, other) => log.push(`${n(e.id)} lost ${n(other.id)}${other.destroyed ? ' (destroyed)' : ''}`),
    },
  });
  const Tower = defineEntityType({ name: 'Tower', aoi: { radius: 100 }, hooks: Walker.hooks });
  const Ghost = defineEntityType({ name: 'Ghost', aoi: false, hooks: Walker.hooks });
  const Field = defineSpaceType({ name: 'Field', aoi: { radius: 10 } });
  const Void = defineSpaceType({ name: 'Void' });
  const world = createGameWorld({ entityTypes: [Walker, Tower, Ghost], spaceTypes: [Field, Void], aoiFactory: createBruteForceAoi, onError: (e) => { throw e; } });
  const field = world.createSpace('Field');
  const other = world.createSpace('Field');
  const nowhere = world.createSpace('Void');
  world.applyDeferred();
  const spawn = (label: string, type: string, x: number, space = field) => {
    const id = world.createEntity(type, { space, position: { x, y: 0, z: 0 } });
    name.set(id, label);
    return id;
  };
  const events = (w: GameWorld) => {
    const out: string[] = [];
    w.drainAoiEvents((kind, watcher, target) => out.push(`${kind} ${n(watcher.id)}->${n(target.id)}`));
    return out.sort();
  };
  return { world, log, spawn, events, field, other, nowhere };
}

describe('spaces and AOI', () => {
  it('reports enter pairs from the AOI phase to hooks and the outbound buffer', () => {
    const { world, log, spawn, events } = setup();
    spawn('a', 'Walker', 0);
    spawn('b', 'Walker', 8);
    spawn('c', 'Walker', 30);
    expect(log).toEqual([]);
    world.step(0.05);
    expect(log.sort()).toEqual(['a sees b', 'b sees a']);
    expect(events(world)).toEqual(['enter a->b', 'enter b->a']);
  });

  it('tracks movement written straight into Position and per-type and per-entity radius', () => {
    const { world, log, spawn } = setup();
    const a = spawn('a', 'Walker', 0);
    spawn('t', 'Tower', 50);
    world.step(0.05);
    expect(log).toEqual(['t sees a']);
    log.length = 0;
    world.store(Position).x[world.entity(a)!.eid] = 45;
    world.step(0.05);
    expect(log.sort()).toEqual(['a sees t']);
    log.length = 0;
    world.addComponent(a, AoiRadius, { radius: 2 });
    world.step(0.05);
    expect(log).toEqual(['a lost t']);
    log.length = 0;
    world.store(AoiRadius).radius[world.entity(a)!.eid] = 6;
    world.step(0.05);
    expect(log).toEqual(['a sees t']);
    log.length = 0;
    world.removeComponent(a, AoiRadius);
    world.entity(a)!.setPosition(35, 0, 0); // 15 from t: outside the Walker type's space radius of 10
    world.step(0.05);
    expect(log).toEqual(['a lost t']);
    log.length = 0;
    world.entity(a)!.setPosition(42, 0, 0);
    world.step(0.05);
    expect(log).toEqual(['a sees t']);
  });

  it('leaves are reported when an entity moves away, changes space or is destroyed', () => {
    const { world, log, spawn, other } = setup();
    const a = spawn('a', 'Walker', 0);
    const b = spawn('b', 'Walker', 1);
    const c = spawn('c', 'Walker', 2);
    world.step(0.05);
    log.length = 0;
    world.entity(a)!.setPosition(100, 0, 0);
    world.enterSpace(b, other);
    world.step(0.05);
    expect(log.sort()).toEqual(['a lost b', 'a lost c', 'b lost a', 'b lost c', 'c lost a', 'c lost b']);
    log.length = 0;
    world.entity(a)!.setPosition(2, 0, 0);
    world.step(0.05);
    log.length = 0;
    world.destroyEntity(c);
    world.step(0.05);
    expect(log).toEqual(['a lost c (destroyed)']);
  });

  it('produces no events for an entity that leaves and comes back within one tick', () => {
    const { world, log, spawn, field, events } = setup();
    const a = spawn('a', 'Walker', 0);
    spawn('b', 'Walker', 1);
    world.step(0.05);
    events(world);
    log.length = 0;
    world.leaveSpace(a);
    world.enterSpace(a, field);
    world.step(0.05);
    expect(log).toEqual([]);
    expect(events(world)).toEqual([]);
  });

  it('keeps AOI-less types and AOI-less spaces out of the index', () => {
    const { world, log, spawn, nowhere } = setup();
    spawn('g', 'Ghost', 0);
    spawn('a', 'Walker', 1);
    spawn('x', 'Walker', 0, nowhere);
    spawn('y', 'Walker', 0, nowhere);
    world.step(0.05);
    expect(log).toEqual([]);
  });

  it('isolates two worlds in one process', () => {
    const one = setup();
    const two = setup();
    one.spawn('a', 'Walker', 0);
    one.spawn('b', 'Walker', 1);
    two.spawn('a', 'Walker', 0);
    one.world.step(0.05);
    expect(one.log.length).toBe(2);
    expect(two.log).toEqual([]);
    expect(two.world.entityCount).toBe(0);
    two.world.step(0.05);
    expect(two.world.entityCount).toBe(1);
    expect(two.log).toEqual([]);
    expect(one.world.nilSpace.id).toBe(two.world.nilSpace.id); // same game id, separate worlds
  });
});
