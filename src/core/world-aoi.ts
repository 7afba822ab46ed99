import { hasComponent } from 'bitecs';
import type { AoiIndex } from '../aoi/aoi-index.ts';
import { AoiRadius, Position } from '../ecs/builtin-components.ts';
import { defineComponent } from '../ecs/schema.ts';
import { componentTest } from './ecs-bulk.ts';
import type { AnyEntityType } from './entity-type.ts';
import { entityHook } from './world-lifecycle.ts';
import type { EntityRecord, SpaceRecord, WorldState } from './world-state.ts';

/**
 * What each index was last told about each entity's radius, and where it is in its space's list. Movement
 * needs no record here: the index compares the Position columns with what it holds (moveMany), so
 * systems may write Position directly and nothing has to remember to mark entities dirty.
 * Internal: never dumped (AOI is rebuilt on load).
 */
export const AoiTrack = defineComponent('__AoiTrack', {
  r: 'f32',
  /** Position in the space's `indexed` list; an entity is in at most one index at a time. */
  slot: 'i32',
  /** 1 when the radius comes from the AoiRadius component and must be re-read every tick. */
  dyn: 'u8',
});

function radiusOf(state: WorldState, rec: EntityRecord, space: SpaceRecord): number {
  if (hasComponent(state.ecs, rec.eid, state.storage.store(AoiRadius))) return state.storage.store(AoiRadius).radius[rec.eid];
  const aoi = rec.type.aoi;
  return typeof aoi === 'object' ? aoi.radius : space.aoi.radius;
}

function wantsIndex(rec: EntityRecord | undefined, space: SpaceRecord): rec is EntityRecord {
  return rec !== undefined && rec.state === 'alive' && rec.space === space && rec.type.aoi !== false;
}

function addToIndex(state: WorldState, space: SpaceRecord, index: AoiIndex, rec: EntityRecord): void {
  const pos = state.storage.store(Position);
  const track = state.storage.store(AoiTrack);
  const eid = rec.eid;
  const r = radiusOf(state, rec, space);
  index.add(eid, pos.x[eid], pos.z[eid], r);
  track.r[eid] = r;
  space.indexed.add(eid);
}

/**
 * Restore: builds a space's index from its members in one go, with no events and without the enter
 * pairs a normal update would compute only to throw away (millions at 100k entities). Afterwards the
 * space is exactly as if every member had been indexed by earlier AOI phases. Members are read by eid
 * (typeAt): a restored entity's record is not made for this.
 */
export function rebuildSpaceAoi(state: WorldState, space: SpaceRecord): void {
  const index = space.index;
  if (index === null) return;
  // addToIndex, hoisted: stores are looked up once, not per entity.
  const { x: px, z: pz } = state.storage.store(Position);
  const { r: tr, dyn } = state.storage.store(AoiTrack);
  const radiusStore = state.storage.store(AoiRadius);
  const radius = radiusStore.radius;
  const hasRadius = componentTest(state.ecs, radiusStore);
  const { indexed } = space;
  const dir = state.byId;
  for (const eid of space.members) {
    const rec = dir.peek(eid);
    // A member without a record is a restored entity, alive in this space.
    if (rec !== undefined && !wantsIndex(rec, space)) continue;
    const aoi = (rec !== undefined ? rec.type : (dir.typeAt(eid) as AnyEntityType)).aoi;
    if (aoi === false || indexed.has(eid)) continue;
    const own = hasRadius(eid);
    const r = own ? radius[eid] : typeof aoi === 'object' ? aoi.radius : space.aoi.radius;
    index.add(eid, px[eid], pz[eid], r);
    tr[eid] = r;
    indexed.add(eid);
    dyn[eid] = own ? 1 : 0;
  }
  space.changed.clear();
  if (index.updateSilently !== undefined) index.updateSilently();
  else index.update();
}

/**
 * The AOI phase for one space: reconcile membership (net of everything since the last phase, so an
 * entity that left and came back, or came and left, causes no spurious events), push moves and radius
 * changes, update the index, then report enter/leave pairs to hooks and to the outbound buffer.
 */
export function runSpaceAoi(state: WorldState, space: SpaceRecord, silent: boolean): void {
  const index = space.index;
  if (index === null) return;
  const pos = state.storage.store(Position);
  const track = state.storage.store(AoiTrack);
  for (const eid of space.changed) {
    const rec = state.byId.at(eid);
    const want = wantsIndex(rec, space);
    const indexed = space.indexed.has(eid);
    if (want && !indexed) {
      addToIndex(state, space, index, rec);
    } else if (!want && indexed) {
      index.remove(eid);
      space.indexed.delete(eid);
    } else if (want) {
      // Already indexed and marked changed: its radius source may have changed (AoiRadius added/removed).
      const r = Math.fround(radiusOf(state, rec, space));
      if (r !== track.r[eid]) {
        index.setRadius(eid, r);
        track.r[eid] = r;
      }
    }
    if (want) track.dyn[eid] = hasComponent(state.ecs, eid, state.storage.store(AoiRadius)) ? 1 : 0;
  }
  space.changed.clear();
  const list = space.indexed.eids;
  const radius = state.storage.store(AoiRadius).radius;
  const { r: tr, dyn } = track;
  // One bulk call from the Position columns: the index skips entries whose position it already has, so
  // nothing per entity is compared or called here (the AOI bench times this same path).
  index.moveMany(list, list.length, pos.x, pos.z);
  for (let i = 0; i < list.length; i++) {
    const eid = list[i];
    if (dyn[eid] === 1 && Math.fround(radius[eid]) !== tr[eid]) {
      index.setRadius(eid, radius[eid]);
      tr[eid] = radius[eid];
    }
  }
  const ev = index.update();
  if (silent) return;
  const log = state.aoiEvents;
  log.beginSpace(space.handle);
  for (let i = 0; i < ev.enterCount; i++) log.push(true, ev.enterWatcher[i], ev.enterTarget[i]);
  for (let i = 0; i < ev.leaveCount; i++) log.push(false, ev.leaveWatcher[i], ev.leaveTarget[i]);
  // Hooks run after recording; they cannot touch this index until the next update (structural ops are deferred).
  const hooks = (enter: boolean, watchers: Int32Array, targets: Int32Array, count: number) => {
    for (let i = 0; i < count; i++) {
      const w = state.byId.at(watchers[i]) as EntityRecord;
      if (w.state !== 'alive') continue;
      const hook = enter ? w.type.hooks.onEnterAOI : w.type.hooks.onLeaveAOI;
      if (hook !== undefined) entityHook(state, w, enter ? 'onEnterAOI' : 'onLeaveAOI', (state.byId.at(targets[i]) as EntityRecord).handle, state.api);
    }
  };
  hooks(true, ev.enterWatcher, ev.enterTarget, ev.enterCount);
  hooks(false, ev.leaveWatcher, ev.leaveTarget, ev.leaveCount);
}
