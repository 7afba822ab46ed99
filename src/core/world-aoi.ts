import { hasComponent } from 'bitecs';
import { AoiRadius, Position } from '../ecs/builtin-components.ts';
import { defineComponent } from '../ecs/schema.ts';
import { entityHook } from './world-lifecycle.ts';
import type { EntityRecord, SpaceRecord, WorldState } from './world-state.ts';

/**
 * What each index was last told about each entity. Movement is found by comparing Position with this,
 * so systems may write Position directly and nothing has to remember to mark entities dirty.
 * Internal: never dumped (AOI is rebuilt on load).
 */
export const AoiTrack = defineComponent('__AoiTrack', { x: 'f32', z: 'f32', r: 'f32' });

function radiusOf(state: WorldState, rec: EntityRecord, space: SpaceRecord): number {
  if (hasComponent(state.ecs, rec.eid, state.storage.store(AoiRadius))) return state.storage.store(AoiRadius).radius[rec.eid];
  const aoi = rec.type.aoi;
  return typeof aoi === 'object' ? aoi.radius : space.aoi.radius;
}

function wantsIndex(rec: EntityRecord | undefined, space: SpaceRecord): rec is EntityRecord {
  return rec !== undefined && rec.state === 'alive' && rec.space === space && rec.type.aoi !== false;
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
    const rec = state.byEid[eid];
    const want = wantsIndex(rec, space);
    if (want && !space.indexed.has(eid)) {
      const r = radiusOf(state, rec, space);
      index.add(eid, pos.x[eid], pos.z[eid], r);
      track.x[eid] = pos.x[eid];
      track.z[eid] = pos.z[eid];
      track.r[eid] = r;
      space.indexed.add(eid);
    } else if (!want && space.indexed.has(eid)) {
      index.remove(eid);
      space.indexed.delete(eid);
    }
  }
  space.changed.clear();
  for (const eid of space.indexed) {
    // Compare after the f32 round trip: Position is f32, so equal positions compare equal.
    const x = pos.x[eid];
    const z = pos.z[eid];
    if (x !== track.x[eid] || z !== track.z[eid]) {
      index.move(eid, x, z);
      track.x[eid] = x;
      track.z[eid] = z;
    }
    const rec = state.byEid[eid] as EntityRecord;
    const r = Math.fround(radiusOf(state, rec, space));
    if (r !== track.r[eid]) {
      index.setRadius(eid, r);
      track.r[eid] = r;
    }
  }
  const ev = index.update();
  if (silent) return;
  const pairs: [EntityRecord, EntityRecord, boolean][] = [];
  for (let i = 0; i < ev.enterCount; i++) pairs.push(pair(state, ev.enterWatcher[i], ev.enterTarget[i], true));
  for (let i = 0; i < ev.leaveCount; i++) pairs.push(pair(state, ev.leaveWatcher[i], ev.leaveTarget[i], false));
  for (const [w, t, enter] of pairs) {
    state.aoiEvents.push({ kind: enter ? 'enter' : 'leave', space: space.id, watcher: w.id, target: t.id });
  }
  for (const [w, t, enter] of pairs) {
    if (w.state === 'alive') entityHook(state, w, enter ? 'onEnterAOI' : 'onLeaveAOI', t.handle, state.api);
  }
}

function pair(state: WorldState, w: number, t: number, enter: boolean): [EntityRecord, EntityRecord, boolean] {
  return [state.byEid[w] as EntityRecord, state.byEid[t] as EntityRecord, enter];
}
