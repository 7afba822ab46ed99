import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { Packr } from 'msgpackr';
import type { EntityId } from '../../src/core/entity-id.ts';
import { createGameWorld } from '../../src/core/world.ts';
import type { GameWorld, GameWorldOptions } from '../../src/core/world-api.ts';
import { Velocity } from '../../src/ecs/builtin-components.ts';
import { timerSpec } from './swap-world.ts';

/** GoWorld's migrateData, one per entity: what its freeze file holds (freeze.go / EntityManager.Freeze). */
interface FrozenEntity {
  id: EntityId;
  type: string;
  space: EntityId;
  attrs: Record<string, unknown>;
  pos: [number, number, number];
  yaw: number;
  vel: [number, number, number];
  timers: { method: string; args: unknown[]; remaining: number; interval: number }[];
}

/**
 * The baseline: a GoWorld-style freeze. Every entity is walked and packed into an object, the whole
 * map is msgpack'd (plain maps, as GoWorld's msgpack does) and written; the new process reads it back
 * and recreates each entity through the ordinary create path, then rebuilds AOI by entering everyone
 * into the space again (the enter pairs computed and dropped, as GoWorld does on restore).
 */
export function freezePerEntity(world: GameWorld, ids: readonly EntityId[], path: string): number {
  const vel = world.store(Velocity);
  const entities: FrozenEntity[] = [];
  for (let i = 0; i < ids.length; i++) {
    const e = world.entity(ids[i]);
    if (e === undefined) continue;
    const attrs: Record<string, unknown> = {};
    for (const root of e.type.attrLayout.keys()) attrs[root] = e.attrs.get(root as never);
    const p = e.position();
    const timer = timerSpec(i);
    entities.push({
      id: e.id,
      type: e.typeName,
      space: e.space.id,
      attrs,
      pos: [p.x, p.y, p.z],
      yaw: e.yaw,
      vel: [vel.x[e.eid], vel.y[e.eid], vel.z[e.eid]],
      timers: timer === undefined ? [] : [{ method: timer.method, args: timer.args, remaining: timer.delay - world.now, interval: timer.interval }],
    });
  }
  const spaces = world.spaces().filter((s) => !s.isNil).map((s) => ({ id: s.id, kind: s.kind }));
  const bytes = new Packr({ useRecords: false }).pack({ tick: world.tick, now: world.now, spaces, entities });
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  writeSync(fd, bytes);
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, path);
  return bytes.byteLength;
}

export function restorePerEntity(path: string, options: GameWorldOptions): GameWorld {
  const data = new Packr({ useRecords: false }).unpack(readFileSync(path)) as {
    spaces: { id: EntityId; kind: string }[];
    entities: FrozenEntity[];
  };
  const world = createGameWorld(options);
  for (const s of data.spaces) world.createSpace(s.kind, { id: s.id });
  world.applyDeferred();
  const made: [EntityId, FrozenEntity][] = [];
  for (const f of data.entities) {
    const [x, y, z] = f.pos;
    made.push([world.createEntity(f.type, { id: f.id, space: f.space, position: { x, y, z }, yaw: f.yaw, attrs: f.attrs }), f]);
  }
  world.applyDeferred();
  const vel = world.store(Velocity);
  for (const [id, f] of made) {
    const e = world.entity(id);
    if (e === undefined) continue;
    [vel.x[e.eid], vel.y[e.eid], vel.z[e.eid]] = f.vel;
    for (const t of f.timers) e.timers.add(t.remaining, t.method, t.args, { repeat: t.interval > 0 ? t.interval : false });
  }
  world.phases.aoi();
  world.drainAoiEvents(() => {});
  world.drainClientEvents(() => {});
  world.drainAttrDeltas(() => {});
  return world;
}
