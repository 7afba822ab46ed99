import type { ComponentDef } from '../ecs/schema.ts';
import { armTimer } from './entity-handle.ts';
import { timerDump } from './timer-dump.ts';
import type { EntityId } from './entity-id.ts';
import { TsworldError } from './errors.ts';
import type { GameWorld } from './world-api.ts';
import type { TimerDump } from './world-dump.ts';
import { allocateEntity, cancelTimers, entityComponents, entityHook, enterSpaceNow, leaveCurrentSpace } from './world-lifecycle.ts';
import { stateOf } from './world.ts';
import type { EntityRecord, WorldState } from './world-state.ts';

/** One entity in flight between games: plain data, msgpack-able. */
export interface MigrateData {
  id: EntityId;
  type: string;
  /** The space it goes to (on the receiving game). */
  space: EntityId;
  client: string | null;
  clientSyncing: boolean;
  attrs: Record<string, unknown>;
  /** Component name → field name → value: per entity, unlike a dump's wholesale arrays. */
  components: Record<string, Record<string, number>>;
  timers: TimerDump[];
  /**
   * Calls to its own client made before it left and not yet sent (an RPC's reply in the tick it
   * migrates): sent by the arriving game, after the client has the entity. Absent in older packs.
   */
  clientCalls?: { method: string; args: unknown[] }[];
}

export interface MigrateInOptions {
  /**
   * Queue a client `bind` event for a migrated entity with a client (a game process: the client is shown
   * the entity and its new neighbours); hooks still see no onClientConnected.
   */
  announceClient?: boolean;
  /** Runs at the end of the arrival, in the commit phase, when the entity is alive here. */
  arrived?(id: EntityId): void;
  /** Now instead of at the next commit: only from outside the tick's systems (a game applying a frame). */
  immediate?: boolean;
}

export interface MigrateOutOptions {
  /** Runs instead of `done` when the entity is not alive here any more (destroyed meanwhile). */
  failed?(): void;
  /** Now instead of at the next commit: only from outside the tick's systems (a game applying a frame). */
  immediate?: boolean;
}

/**
 * A structural change waits for the commit phase, so that no system sees it while iterating; a game
 * process applying a frame between ticks (or in the inbound phase) is outside every system, and runs it
 * at once: a migration then costs no tick of waiting on either side.
 */
function run(state: WorldState, immediate: boolean, op: () => void): void {
  if (immediate) op();
  else state.deferred.push(op);
}

/**
 * Takes an entity out of this game (deferred to the commit phase; `done` receives the data then).
 * GoWorld's order: leave space → onMigrateOut → packed → timers cancelled → client binding dropped WITHOUT
 * onClientDisconnected or an unbind event (the client follows the entity) → removed. No onDestroy.
 */
export function migrateOut(world: GameWorld, id: EntityId, toSpace: EntityId, done: (data: MigrateData) => void, options: MigrateOutOptions = {}): void {
  const state = stateOf(world);
  const { failed } = options;
  run(state, options.immediate === true, () => {
    const rec = state.byId.get(id);
    if (rec === undefined || rec.state !== 'alive') {
      // Destroyed meanwhile: the caller may be waited on (a dispatcher holding the entity's frames).
      if (failed !== undefined) return failed();
      state.reportError(new TsworldError('UNKNOWN_ENTITY', `cannot migrate ${id}: not alive here`), 'migrateOut');
      return;
    }
    leaveCurrentSpace(state, rec);
    rec.state = 'destroying';
    entityHook(state, rec, 'onMigrateOut', state.api);
    const data = packEntity(state, rec, toSpace);
    data.clientCalls = takeClientCalls(state, rec);
    // Its attributes travel with it, and the target saves them from now on: a save from here could only
    // be older than the target's (and is fenced off once the target claims the entity).
    state.saveDirty.delete(rec);
    cancelTimers(rec);
    if (rec.client !== null) state.clients.delete(rec.client);
    state.membershipChanges++;
    rec.client = null;
    rec.state = 'destroyed';
    rec.recording = false;
    rec.deltas = null;
    state.byId.delete(rec.id);
    state.nil.members.delete(rec.eid);
    state.quarantine.push(rec.eid);
    done(data);
  });
}

/** GoWorld's arrival order: onInit → attrs → onAttrsReady → onMigrateIn → enter space. Deferred like createEntity. */
export function migrateIn(world: GameWorld, data: MigrateData, options: MigrateInOptions = {}): EntityId {
  const state = stateOf(world);
  const type = state.types.get(data.type);
  if (type === undefined) throw new TsworldError('UNKNOWN_ENTITY_TYPE', `entity type ${data.type} is not registered in this world`);
  run(state, options.immediate === true, () => {
    const defs = new Set<ComponentDef>(entityComponents(type));
    for (const name of Object.keys(data.components)) {
      const def = state.storage.defByName(name);
      if (def !== undefined) defs.add(def);
    }
    const rec = allocateEntity(state, type, data.id, [...defs]);
    for (const [name, values] of Object.entries(data.components)) {
      const def = state.storage.defByName(name);
      if (def === undefined) continue;
      const store = state.storage.store(def) as Record<string, { [i: number]: number }>;
      for (const field of def.fields) if (typeof values[field.name] === 'number') store[field.name][rec.eid] = values[field.name];
    }
    entityHook(state, rec, 'onInit', state.api);
    const reset = rec.attrs.restore(data.attrs);
    if (reset.length > 0) state.reportError(new TsworldError('SCHEMA_MISMATCH', `${data.id}: attributes reset on arrival: ${reset.join(', ')}`), 'migrateIn');
    for (const t of data.timers) if (type.rpc.has(t.method)) armTimer(state, rec, t.method, t.args, t.remaining, t.interval, undefined, t.cron);
    entityHook(state, rec, 'onAttrsReady', state.api);
    rec.state = 'alive';
    rec.recording = true;
    // What it changed on the source since its last save is saved here.
    if (type.persistent) state.saveDirty.add(rec);
    rec.clientSyncing = data.clientSyncing === true;
    if (data.client !== null) {
      state.membershipChanges++;
      rec.client = data.client;
      state.clients.set(data.client, rec);
      if (options.announceClient === true) state.clientEvents.push({ kind: 'bind', entity: rec.id, client: data.client });
    }
    entityHook(state, rec, 'onMigrateIn', state.api);
    if (data.space !== state.nil.id) enterSpaceNow(state, rec, data.space, undefined);
    if (data.client !== null) for (const c of data.clientCalls ?? []) state.clientCalls.push({ to: 'own', entity: rec.id, method: c.method, args: c.args });
    if (rec.state === 'alive') options.arrived?.(rec.id);
  });
  return data.id;
}

function packEntity(state: WorldState, rec: EntityRecord, toSpace: EntityId): MigrateData {
  const components: MigrateData['components'] = {};
  for (const def of rec.components) {
    const store = state.storage.store(def) as Record<string, ArrayLike<number>>;
    const values: Record<string, number> = {};
    for (const field of def.fields) values[field.name] = store[field.name][rec.eid];
    components[def.name] = values;
  }
  return {
    id: rec.id,
    type: rec.type.name,
    space: toSpace,
    client: rec.client,
    clientSyncing: rec.clientSyncing,
    attrs: rec.attrSnapshot(() => true),
    components,
    timers: [...(rec.timers?.values() ?? [])].map((t) => timerDump(t, state.now)),
  };
}

/** Takes this entity's unsent client calls out of the queue (its own client's share of each). */
function takeClientCalls(state: WorldState, rec: EntityRecord): NonNullable<MigrateData['clientCalls']> {
  if (rec.client === null) return [];
  const taken: NonNullable<MigrateData['clientCalls']> = [];
  const kept = state.clientCalls.filter((call) => {
    if (call.entity !== rec.id) return true;
    taken.push({ method: call.method, args: [...call.args] });
    return false;
  });
  if (taken.length > 0) state.clientCalls = kept;
  return taken;
}
