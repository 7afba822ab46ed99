import { addEntity, removeEntity } from 'bitecs';
import type { ComponentDump } from '../ecs/schema-match.ts';
import { hashString, type ComponentDef } from '../ecs/schema.ts';
import { armTimer } from './entity-handle.ts';
import type { EntityId } from './entity-id.ts';
import { TsworldError } from './errors.ts';
import type { SpaceAoiConfig } from './space.ts';
import type { GameWorld, GameWorldOptions } from './world-api.ts';
import { AoiTrack, runSpaceAoi } from './world-aoi.ts';
import { allocateEntity, attachComponent, entityComponents, entityHook } from './world-lifecycle.ts';
import { createSpaceRecordSilently } from './world-spaces.ts';
import { buildApi, createWorldState, stateOf } from './world.ts';
import { guarded, type EntityRecord, type WorldState } from './world-state.ts';

export const WORLD_DUMP_FORMAT = 1;

export interface WorldDumpHeader {
  format: number;
  /** Hash over every dumped component's schema hash: equal means the arrays load as they are. */
  schemaHash: string;
  tick: number;
  /** World time in ms. */
  now: number;
  gameId: number;
}

export interface TimerDump {
  id: number;
  method: string;
  args: unknown[];
  /** ms left until it fires, so it resumes where it was whatever the new process's clock says. */
  remaining: number;
  interval: number;
}

export interface EntityDump {
  id: EntityId;
  eid: number;
  type: string;
  space: EntityId;
  client: string | null;
  clientSyncing: boolean;
  attrs: Record<string, unknown>;
  components: string[];
  timers: TimerDump[];
}

export interface SpaceDump {
  id: EntityId;
  kind: string;
  aoi: SpaceAoiConfig;
}

/** Plain data (msgpack-able): everything that is not a component array. */
export interface WorldStateDump {
  /** One past the highest live eid; every component array is dumped up to here. */
  highWater: number;
  nextTimerId: number;
  spaces: SpaceDump[];
  entities: EntityDump[];
}

export interface WorldDump {
  header: WorldDumpHeader;
  components: ComponentDump[];
  state: WorldStateDump;
}

/** What a load had to adapt because the new code differs from the code that made the dump. */
export interface LoadReport {
  droppedComponents: string[];
  addedFields: Record<string, string[]>;
  removedFields: Record<string, string[]>;
  /** entity id → attribute roots reset to their initial value or dropped. */
  resetAttrs: Record<EntityId, string[]>;
}

/**
 * Snapshots a world for a hot swap: onFreeze on every entity, then pending async callbacks and
 * deferred ops are drained so nothing queued is lost, then component arrays are copied wholesale.
 */
export function dumpWorld(world: GameWorld, options: { freeze?: boolean } = {}): WorldDump {
  const state = stateOf(world);
  if (options.freeze ?? true) {
    for (const rec of state.byId.values()) if (rec.state === 'alive') entityHook(state, rec, 'onFreeze', state.api);
  }
  settle(state);
  let highWater = 1;
  for (const rec of state.byId.values()) highWater = Math.max(highWater, rec.eid + 1);
  const defs = state.storage.defs().filter((d) => d !== AoiTrack);
  const components = defs.map((def) => state.storage.dump(def, highWater));
  return {
    header: {
      format: WORLD_DUMP_FORMAT,
      schemaHash: worldSchemaHash(defs),
      tick: state.tick,
      now: state.now,
      gameId: world.gameId,
    },
    components,
    state: {
      highWater,
      nextTimerId: state.nextTimerId,
      spaces: [...state.spaces.values()]
        .filter((s) => s !== state.nil)
        .map((s) => ({ id: s.id, kind: s.handle.kind, aoi: { ...s.aoi } })),
      entities: [...state.byId.values()].map((rec) => dumpEntity(state, rec)),
    },
  };
}

function settle(state: WorldState): void {
  for (let round = 0; state.posted.length > 0 || state.deferred.length > 0; round++) {
    if (round >= 16) throw new TsworldError('INVALID_STATE', 'deferred ops keep queueing more ops; cannot reach a quiet state to dump');
    const posted = state.posted;
    state.posted = [];
    for (const fn of posted) guarded(state, 'posted callback', fn);
    state.api.applyDeferred();
  }
}

function dumpEntity(state: WorldState, rec: EntityRecord): EntityDump {
  return {
    id: rec.id,
    eid: rec.eid,
    type: rec.type.name,
    space: rec.space.id,
    client: rec.client,
    clientSyncing: rec.clientSyncing,
    attrs: rec.attrs.snapshot(() => true),
    components: [...rec.components].map((c) => c.name),
    timers: [...rec.timers.values()].map((t) => ({
      id: t.id,
      method: t.method,
      args: [...t.args],
      remaining: Math.max(0, t.due - state.now),
      interval: t.interval,
    })),
  };
}

export function worldSchemaHash(defs: readonly ComponentDef[]): string {
  return hashString(defs.map((d) => `${d.name}=${d.schemaHash}`).sort().join(';'));
}

/**
 * Rebuilds a world from a dump with the (possibly newer) code in `options`. Eids are preserved, so
 * arrays load wholesale; components are matched by name and fields by name (see matchComponentSchema).
 * Per entity: onInit, attributes restored, timers re-armed with their remaining time, space and client
 * re-attached silently, AOI rebuilt without events, then onRestored once the whole world is back.
 */
export function loadWorld(dump: WorldDump, options: GameWorldOptions): { world: GameWorld; report: LoadReport } {
  if (dump.header.format !== WORLD_DUMP_FORMAT) {
    throw new TsworldError('SCHEMA_MISMATCH', `world dump format ${dump.header.format}, this code reads ${WORLD_DUMP_FORMAT}`);
  }
  const state = createWorldState({ ...options, gameId: options.gameId ?? dump.header.gameId });
  state.api = buildApi(state);
  state.tick = dump.header.tick;
  state.now = dump.header.now;
  const report: LoadReport = { droppedComponents: [], addedFields: {}, removedFields: {}, resetAttrs: {} };

  for (const s of dump.state.spaces) {
    const type = state.spaceTypes.get(s.kind);
    if (type === undefined) throw new TsworldError('UNKNOWN_SPACE', `space type ${s.kind} in the dump is not registered`);
    createSpaceRecordSilently(state, type, s.id, s.aoi);
  }

  const live = new Map(dump.state.entities.map((e) => [e.eid, e]));
  const { highWater } = dump.state;
  state.storage.ensureCapacity(highWater - 1);
  for (let expected = 1; expected < highWater; expected++) {
    const eid = addEntity(state.ecs);
    if (eid !== expected) throw new TsworldError('INVALID_STATE', `eid allocation is not sequential on load (${eid} != ${expected})`);
  }
  for (let eid = highWater - 1; eid >= 1; eid--) if (!live.has(eid)) removeEntity(state.ecs, eid);

  const dumped = new Set(dump.components.map((c) => c.name));
  const fresh: [EntityRecord, ComponentDef][] = [];
  const restored: [EntityRecord, EntityDump][] = [];
  for (const e of dump.state.entities) {
    const type = state.types.get(e.type);
    if (type === undefined) throw new TsworldError('UNKNOWN_ENTITY_TYPE', `entity type ${e.type} in the dump is not registered`);
    const base = entityComponents(type);
    const rec = allocateEntity(state, type, e.id, base, e.eid);
    // Usually the dumped list is exactly the type's; only extras (added at runtime) need lookups.
    const had = new Set(e.components);
    for (const def of base) if (!had.has(def.name) || !dumped.has(def.name)) fresh.push([rec, def]);
    if (e.components.length !== base.length || had.size !== base.length || base.some((d) => !had.has(d.name))) {
      for (const name of e.components) {
        const def = state.storage.defByName(name);
        if (def !== undefined && !rec.components.has(def)) attachComponent(state, rec, def);
      }
    }
    restored.push([rec, e]);
  }

  for (const c of dump.components) {
    const def = state.storage.defByName(c.name);
    if (def === undefined) {
      report.droppedComponents.push(c.name);
      continue;
    }
    const before = new Set(c.fields.map((f) => f.name));
    const added = def.fields.filter((f) => !before.has(f.name)).map((f) => f.name);
    const removed = c.fields.filter((f) => !def.fields.some((d) => d.name === f.name)).map((f) => f.name);
    if (added.length > 0) report.addedFields[c.name] = added;
    if (removed.length > 0) report.removedFields[c.name] = removed;
    state.storage.load(def, c);
  }
  // A component the entity did not have in the dump must start from defaults, not a stale slot.
  for (const [rec, def] of fresh) state.storage.resetEntity(def, rec.eid);

  for (const [rec, e] of restored) restoreEntity(state, rec, e, report);
  state.nextTimerId = Math.max(state.nextTimerId, dump.state.nextTimerId);
  for (const space of state.spaces.values()) {
    for (const member of space.members) space.changed.add(member.eid);
    runSpaceAoi(state, space, true);
  }
  state.saveDirty.clear();
  for (const [rec] of restored) entityHook(state, rec, 'onRestored', state.api);
  return { world: state.api, report };
}

function restoreEntity(state: WorldState, rec: EntityRecord, e: EntityDump, report: LoadReport): void {
  entityHook(state, rec, 'onInit', state.api);
  const reset = rec.attrs.restore(e.attrs);
  if (reset.length > 0) report.resetAttrs[rec.id] = reset;
  for (const t of e.timers) {
    if (rec.type.rpc.has(t.method)) armTimer(state, rec, t.method, t.args, t.remaining, t.interval, t.id);
    else state.reportError(new TsworldError('UNKNOWN_METHOD', `${rec.type.name} lost method ${t.method}; its timer is dropped`), 'loadWorld');
  }
  const space = state.spaces.get(e.space);
  if (space !== undefined && space !== state.nil) {
    state.nil.members.delete(rec);
    space.members.add(rec);
    rec.space = space;
  }
  rec.clientSyncing = e.clientSyncing === true;
  if (e.client !== null) {
    rec.client = e.client;
    state.clients.set(e.client, rec);
  }
  rec.state = 'alive';
  rec.recording = true;
}
