import type { EntityId } from './entity-id.ts';
import { MemberSet, MemberSlot } from './member-set.ts';
import { AoiTrack } from './world-aoi.ts';
import { NIL_SPACE_KIND, resolveAoiConfig, type Space, type SpaceAoiConfig, type SpaceType } from './space.ts';
import { destroyEntityNow, spaceHook } from './world-lifecycle.ts';
import type { EntityRecord, SpaceRecord, WorldState } from './world-state.ts';

export function makeSpaceRecord(state: WorldState, id: EntityId, type: SpaceType | null, aoi: SpaceAoiConfig): SpaceRecord {
  const rec = {
    id,
    type,
    aoi,
    index: aoi.enabled ? state.options.aoiFactory({ defaultRadius: aoi.radius }) : null,
    destroyed: false,
    members: new MemberSet(() => state.storage.store(MemberSlot).slot),
    changed: new Set(),
    indexed: new MemberSet(() => state.storage.store(AoiTrack).slot),
  } as unknown as SpaceRecord;
  const handle: Space = {
    id,
    kind: type?.name ?? NIL_SPACE_KIND,
    isNil: type === null,
    aoi,
    get destroyed() {
      return rec.destroyed;
    },
    get size() {
      return rec.members.size;
    },
    members: () => [...rec.members].map((eid) => (state.byId.at(eid) as EntityRecord).handle),
    forEachMember(fn) {
      const dir = state.byId;
      for (const eid of rec.members) fn(dir.peek(eid)?.id ?? dir.ids.idAt(eid), eid);
    },
  };
  rec.handle = handle;
  return rec;
}

export function createSpaceNow(state: WorldState, type: SpaceType, id: EntityId, aoi: false | { radius: number } | undefined): void {
  if (state.spaces.has(id)) {
    state.reportError(new Error(`space ${id} already exists`), 'createSpace');
    return;
  }
  const config = aoi === undefined ? type.aoi : resolveAoiConfig(type.name, aoi);
  const rec = makeSpaceRecord(state, id, type, config);
  state.spaces.set(id, rec);
  spaceHook(state, rec, 'onSpaceInit');
  spaceHook(state, rec, 'onSpaceCreated');
}

/** As in GoWorld, destroying a space destroys its members first; the index is dropped without events. */
export function destroySpaceNow(state: WorldState, rec: SpaceRecord): void {
  if (rec.destroyed || rec === state.nil) return;
  for (const eid of [...rec.members]) destroyEntityNow(state, state.byId.at(eid) as EntityRecord);
  spaceHook(state, rec, 'onSpaceDestroy');
  rec.destroyed = true;
  rec.index?.clear();
  rec.indexed.clear();
  rec.changed.clear();
  state.spaces.delete(rec.id);
}

/** Restore path: the space comes back as it was, without creation hooks. */
export function createSpaceRecordSilently(state: WorldState, type: SpaceType, id: EntityId, aoi: SpaceAoiConfig): void {
  state.spaces.set(id, makeSpaceRecord(state, id, type, aoi));
}
