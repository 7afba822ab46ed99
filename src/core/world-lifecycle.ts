import { addComponent, addEntity, removeEntity } from 'bitecs';
import { Position, Yaw } from '../ecs/builtin-components.ts';
import type { ComponentDef } from '../ecs/schema.ts';
import { initialAttrValues } from './attrs.ts';
import type { Vec3 } from './entity.ts';
import type { EntityId } from './entity-id.ts';
import type { AnyEntityType, ClientDisconnectReason, EntityHooks } from './entity-type.ts';
import { EntityRecordImpl, ownComponents } from './entity-record.ts';
import { TsworldError } from './errors.ts';
import type { SpaceHooks } from './space.ts';
import type { CreateEntityOptions } from './world-api.ts';
import { guarded, type EntityRecord, type SpaceRecord, type WorldState } from './world-state.ts';

type HookArgs<K extends keyof EntityHooks<unknown>> = Parameters<NonNullable<EntityHooks<unknown>[K]>> extends [unknown, ...infer Rest]
  ? Rest
  : never;

export function entityHook<K extends keyof EntityHooks<unknown>>(state: WorldState, rec: EntityRecord, name: K, ...args: HookArgs<K>): void {
  const hook = rec.type.hooks[name] as ((...a: unknown[]) => void) | undefined;
  if (hook !== undefined) guarded(state, `${rec.type.name}.${name}`, () => hook(rec.handle, ...args));
}

export function spaceHook<K extends keyof SpaceHooks>(state: WorldState, space: SpaceRecord, name: K, ...rest: unknown[]): void {
  const hook = space.type?.hooks[name] as ((...a: unknown[]) => void) | undefined;
  if (hook !== undefined) guarded(state, `${space.type?.name}.${name}`, () => hook(space.handle, ...rest, state.api));
}

/**
 * Allocates the eid, components and record; no hooks. The record's component set is the world's
 * shared one for that list (sharedComponentSet): a world of a hundred thousand Mobs holds one Set,
 * not one per entity, and a dump sees equal lists as the same object.
 */
export function allocateEntity(state: WorldState, type: AnyEntityType, id: EntityId, components: readonly ComponentDef[]): EntityRecord {
  if (state.byId.has(id)) throw new TsworldError('INVALID_STATE', `entity ${id} already exists`);
  const eid = addEntity(state.ecs);
  try {
    state.storage.ensureCapacity(eid);
  } catch (err) {
    removeEntity(state.ecs, eid);
    throw err;
  }
  for (const def of components) state.storage.register(def);
  // No attributes: the values object is made if something asks (EntityRecordImpl.attrValues).
  const values = type.attrLayout.size === 0 ? null : initialAttrValues(type.attrLayout);
  const rec = new EntityRecordImpl(state, type, id, eid, values, sharedComponentSet(state, components));
  for (const def of rec.components) {
    state.storage.resetEntity(def, eid);
    addComponent(state.ecs, eid, state.storage.store(def));
  }
  state.byId.add(rec);
  state.nil.members.add(eid);
  return rec;
}

/** The world's one set for this component list (by names, in order), made on first use and never changed. */
export function sharedComponentSet(state: WorldState, defs: readonly ComponentDef[]): ReadonlySet<ComponentDef> {
  if (defs.length === 0) return state.noComponents;
  let key = '';
  for (const def of defs) key += `${def.name},`;
  let set = state.componentSets.get(key);
  if (set === undefined) state.componentSets.set(key, (set = new Set(defs)));
  return set;
}

export function attachComponent(state: WorldState, rec: EntityRecord, def: ComponentDef, values?: Record<string, number>): void {
  const store = state.storage.register(def);
  if (rec.components.has(def)) return;
  state.storage.resetEntity(def, rec.eid);
  addComponent(state.ecs, rec.eid, store);
  ownComponents(rec).add(def);
  if (values !== undefined) {
    const fields = store as Record<string, { [i: number]: number }>;
    for (const field of def.fields) if (field.name in values) fields[field.name][rec.eid] = values[field.name];
  }
}

export function entityComponents(type: AnyEntityType): readonly ComponentDef[] {
  return type.components.includes(Position) && type.components.includes(Yaw)
    ? type.components
    : [Position, Yaw, ...type.components.filter((c) => c !== Position && c !== Yaw)];
}

/** GoWorld's order: create → onInit → attrs → onAttrsReady → onCreated → (bind client) → enter space. */
export function createEntityNow(state: WorldState, type: AnyEntityType, id: EntityId, options: CreateEntityOptions): void {
  const rec = allocateEntity(state, type, id, entityComponents(type));
  if (options.position !== undefined) writePosition(state, rec.eid, options.position);
  if (options.yaw !== undefined) state.storage.store(Yaw).yaw[rec.eid] = options.yaw;
  entityHook(state, rec, 'onInit', state.api);
  for (const [key, value] of Object.entries(options.attrs ?? {})) {
    guarded(state, `${type.name} initial attribute ${key}`, () => rec.attrs.accessor.set(key, value as never));
  }
  if (type.persistent) state.saveDirty.add(rec);
  entityHook(state, rec, 'onAttrsReady', state.api);
  rec.state = 'alive';
  rec.recording = true;
  entityHook(state, rec, 'onCreated', state.api);
  if (options.client !== undefined && rec.state === 'alive') setClientNow(state, rec, options.client);
  if (options.space !== undefined && options.space !== state.nil.id && rec.state === 'alive') {
    enterSpaceNow(state, rec, options.space, undefined);
  }
  const observer = state.options.observer;
  if (observer?.entityCreated !== undefined) guarded(state, 'observer.entityCreated', () => observer.entityCreated?.(rec.handle));
}

export function writePosition(state: WorldState, eid: number, p: Vec3): void {
  const pos = state.storage.store(Position);
  pos.x[eid] = p.x;
  pos.y[eid] = p.y;
  pos.z[eid] = p.z;
}

/** GoWorld's order: leave space → onDestroy → timers cancelled → client detached. Re-entrant calls are no-ops. */
export function destroyEntityNow(state: WorldState, rec: EntityRecord): void {
  if (rec.state !== 'alive' && rec.state !== 'creating') return;
  rec.state = 'destroying';
  leaveCurrentSpace(state, rec);
  entityHook(state, rec, 'onDestroy', state.api);
  cancelTimers(rec);
  if (rec.client !== null) setClientNow(state, rec, null, 'destroyed');
  rec.state = 'destroyed';
  rec.recording = false;
  if (rec.type.persistent) state.saveDirty.add(rec);
  rec.deltas = null;
  state.byId.delete(rec.id);
  state.nil.members.delete(rec.eid);
  state.quarantine.push(rec.eid);
  const observer = state.options.observer;
  if (observer?.entityDestroyed !== undefined) {
    // The entity is already out of the directory, so its final persistent state travels with the event.
    const finalAttrs = rec.type.persistent ? rec.attrSnapshot((root) => root.persistent) : undefined;
    guarded(state, 'observer.entityDestroyed', () => observer.entityDestroyed?.(rec.handle, finalAttrs));
  }
}

export function cancelTimers(rec: EntityRecord): void {
  if (rec.timers === null) return;
  for (const timer of rec.timers.values()) timer.cancelled = true;
  rec.timers = null;
}

/**
 * Frees eids of destroyed entities. Only those the AOI phase has already seen go (an index must never
 * see a handle reused before it processed the removal), and only when no undrained AOI pair names them.
 */
export function releaseQuarantine(state: WorldState): void {
  for (const eid of state.releasable) {
    const rec = state.byId.peek(eid);
    if (rec !== undefined && rec.state === 'destroyed') {
      state.byId.release(eid);
      removeEntity(state.ecs, eid);
    }
  }
  state.releasable.length = 0;
}

export function leaveCurrentSpace(state: WorldState, rec: EntityRecord): void {
  const old = rec.space;
  if (old === state.nil) return;
  spaceHook(state, old, 'onEntityLeaveSpace', rec.handle);
  entityHook(state, rec, 'onLeaveSpace', old.handle, state.api);
  old.members.delete(rec.eid);
  old.changed.add(rec.eid);
  state.membershipChanges++;
  rec.space = state.nil;
  state.nil.members.add(rec.eid);
}

/** Space hook first, then the entity's, as GoWorld does. Entering the nil space means leaving. */
export function enterSpaceNow(state: WorldState, rec: EntityRecord, spaceId: EntityId, position: Vec3 | undefined): void {
  if (rec.state !== 'alive') return;
  const space = state.spaces.get(spaceId);
  if (space === undefined || space.destroyed) {
    state.reportError(new TsworldError('UNKNOWN_SPACE', `entity ${rec.id} cannot enter unknown space ${spaceId}`), 'enterSpace');
    return;
  }
  if (position !== undefined) writePosition(state, rec.eid, position);
  if (rec.space === space) return;
  leaveCurrentSpace(state, rec);
  if (space === state.nil) return;
  state.nil.members.delete(rec.eid);
  space.members.add(rec.eid);
  space.changed.add(rec.eid);
  state.membershipChanges++;
  rec.space = space;
  spaceHook(state, space, 'onEntityEnterSpace', rec.handle);
  entityHook(state, rec, 'onEnterSpace', space.handle, state.api);
}

/** A client belongs to at most one entity: binding it elsewhere unbinds it first. */
export function setClientNow(state: WorldState, rec: EntityRecord, clientId: string | null, reason: ClientDisconnectReason = 'unbound'): void {
  const old = rec.client;
  if (old === clientId) return;
  state.membershipChanges++;
  if (clientId !== null) {
    const holder = state.clients.get(clientId);
    if (holder !== undefined) setClientNow(state, holder, null);
  }
  if (old !== null) {
    rec.client = null;
    state.clients.delete(old);
    state.clientEvents.push({ kind: 'unbind', entity: rec.id, client: old });
    entityHook(state, rec, 'onClientDisconnected', old, state.api, reason);
  }
  if (clientId !== null && (rec.state === 'alive' || rec.state === 'creating')) {
    rec.client = clientId;
    state.clients.set(clientId, rec);
    state.clientEvents.push({ kind: 'bind', entity: rec.id, client: clientId });
    entityHook(state, rec, 'onClientConnected', clientId, state.api);
  }
}
