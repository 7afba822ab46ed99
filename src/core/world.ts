import { createWorld, query, removeComponent as ecsRemoveComponent } from 'bitecs';
import { AoiRadius, Position, Velocity, Yaw } from '../ecs/builtin-components.ts';
import { createComponentStorage } from '../ecs/component-storage.ts';
import { createAoiEventLog } from './aoi-event-log.ts';
import type { ClusterApi } from './cluster-api.ts';
import { createLocalCluster } from './local-cluster.ts';
import { EntityDirectory } from './entity-directory.ts';
import { MemberSlot } from './member-set.ts';
import { createEntityIdGenerator, isEntityId } from './entity-id.ts';
import type { AnyEntityType } from './entity-type.ts';
import { TsworldError } from './errors.ts';
import { nilSpaceId, resolveAoiConfig, type SpaceType } from './space.ts';
import { createTimerQueue, type TimerRecord } from './timer-queue.ts';
import { createCronBook } from './cron.ts';
import { createWorldTimers } from './world-timers.ts';
import type { GameWorld, GameWorldOptions, WorldPhases } from './world-api.ts';
import { AoiTrack, runSpaceAoi } from './world-aoi.ts';
import { createWorldResources } from './world-resources.ts';
import {
  attachComponent,
  createEntityNow,
  destroyEntityNow,
  enterSpaceNow,
  releaseQuarantine,
  setClientNow,
} from './world-lifecycle.ts';
import { ownComponents } from './entity-record.ts';
import { callEntity, neighbourIds } from './world-rpc.ts';
import { createSpaceNow, destroySpaceNow, makeSpaceRecord } from './world-spaces.ts';
import { guarded, type EntityRecord, type WorldState } from './world-state.ts';

/** Builds a game world. Nothing is shared between worlds: each has its own ECS world, arrays and ids. */
export function createGameWorld(options: GameWorldOptions): GameWorld {
  const state = createWorldState(options);
  state.api = buildApi(state);
  return state.api;
}

/** Exposed for the dump/load module, which needs the state behind a fresh world. */
export function createWorldState(options: GameWorldOptions): WorldState {
  const maxEntities = options.maxEntities ?? 1 << 20;
  const storage = createComponentStorage({ initialCapacity: options.initialCapacity, maxCapacity: maxEntities + 1 });
  for (const def of [Position, Yaw, Velocity, AoiRadius, AoiTrack, MemberSlot, ...(options.components ?? [])]) storage.register(def);
  const types = new Map<string, AnyEntityType>();
  for (const type of [...options.entityTypes, ...(options.services ?? []).map((service) => service.type)]) {
    if (types.has(type.name)) throw new TsworldError('INVALID_DECLARATION', `two entity types are named ${type.name}`);
    types.set(type.name, type);
    for (const def of type.components) storage.register(def);
  }
  const spaceTypes = new Map<string, SpaceType>();
  for (const type of options.spaceTypes ?? []) {
    if (spaceTypes.has(type.name)) throw new TsworldError('INVALID_DECLARATION', `two space types are named ${type.name}`);
    spaceTypes.set(type.name, type);
  }
  const onError = options.onError ?? ((error: unknown, where: string) => console.error(`[tsworld] ${where}:`, error));
  const state = {
    options,
    ecs: createWorld(),
    storage,
    ids: options.idGenerator ?? createEntityIdGenerator(),
    types,
    spaceTypes,
    byId: new EntityDirectory(),
    spaces: new Map(),
    clients: new Map(),
    deferred: [],
    pendingCreates: 0,
    posted: [],
    membershipChanges: 0,
    noComponents: new Set(),
    componentSets: new Map(),
    quarantine: [],
    releasable: [],
    deltaOrder: [],
    aoiEvents: createAoiEventLog(),
    clientEvents: [],
    clientCalls: [],
    saveDirty: new Set(),
    timers: createTimerQueue(),
    nextTimerId: 1,
    cron: createCronBook(),
    wallNow: options.wallClock ?? Date.now,
    worldTimers: createWorldTimers(() => state.now),
    tick: 0,
    now: 0,
    systems: new Map(),
    reportError: onError,
  } as unknown as WorldState;
  state.nil = makeSpaceRecord(state, nilSpaceId(options.gameId ?? 1), null, resolveAoiConfig('nil', false));
  state.spaces.set(state.nil.id, state.nil);
  return state;
}

function resolveType(state: WorldState, type: string | AnyEntityType): AnyEntityType {
  const name = typeof type === 'string' ? type : type.name;
  const found = state.types.get(name);
  if (found === undefined) throw new TsworldError('UNKNOWN_ENTITY_TYPE', `entity type ${name} is not registered in this world`);
  return found;
}

function liveEntity(state: WorldState, id: string): EntityRecord | undefined {
  const rec = state.byId.get(id);
  return rec !== undefined && rec.state === 'alive' ? rec : undefined;
}

/** Where a world's state hangs off its api object, for the dump module; not part of the public API. */
export const WORLD_STATE: unique symbol = Symbol('tsworld.worldState');

export function stateOf(world: GameWorld): WorldState {
  const state = (world as GameWorld & { [WORLD_STATE]?: WorldState })[WORLD_STATE];
  if (state === undefined) throw new TsworldError('INVALID_ARGUMENT', 'not a world made by createGameWorld');
  return state;
}

/** Structural changes wait for the commit phase. */
function defer(state: WorldState, op: () => void): void {
  state.deferred.push(op);
}

/** The tick's phases over this world's state; systems get the world's API (`world`). */
function worldPhases(state: WorldState, world: () => GameWorld): WorldPhases {
  return {
    begin(dt) {
      state.tick++;
      state.now += dt * 1000;
    },
    async() {
      const posted = state.posted;
      state.posted = [];
      for (const fn of posted) guarded(state, 'posted callback', fn);
      fireTimers(state);
      state.worldTimers.fire(state.now, state.reportError);
    },
    systems(dt) {
      for (const [name, system] of state.systems) guarded(state, `system ${name}`, () => system(world(), dt));
    },
    commit() {
      const ops = state.deferred;
      state.deferred = [];
      for (const op of ops) guarded(state, 'deferred op', op);
    },
    aoi() {
      for (const space of [...state.spaces.values()]) runSpaceAoi(state, space, false);
      for (const eid of state.quarantine) state.releasable.push(eid);
      state.quarantine.length = 0;
    },
    end() {
      // Undrained AOI pairs still name destroyed eids; those are released right after the drain.
      if (state.aoiEvents.count === 0) releaseQuarantine(state);
    },
  };
}

type ComponentOps = Pick<GameWorld, 'hasComponent' | 'addComponent' | 'removeComponent'>;

function componentOps(state: WorldState): ComponentOps {
  return {
    hasComponent(id, def) {
      const rec = state.byId.get(id);
      return rec !== undefined && rec.components.has(def);
    },
    addComponent(id, def, values) {
      state.storage.register(def);
      defer(state, () => {
        const rec = liveEntity(state, id);
        if (rec === undefined) return;
        attachComponent(state, rec, def, values);
        if (def === AoiRadius) rec.space.changed.add(rec.eid);
      });
    },
    removeComponent(id, def) {
      defer(state, () => {
        const rec = liveEntity(state, id);
        if (rec === undefined || !rec.components.has(def) || def === Position || def === Yaw) return;
        ecsRemoveComponent(state.ecs, rec.eid, state.storage.store(def));
        ownComponents(rec).delete(def);
        if (def === AoiRadius) rec.space.changed.add(rec.eid);
      });
    },
  };
}

type EntityOps = Pick<GameWorld, 'createEntity' | 'destroyEntity' | 'enterSpace' | 'entity' | 'entityByEid' | 'entities'>;

function entityOps(state: WorldState): EntityOps {
  return {
    createEntity(type, options = {}) {
      const resolved = resolveType(state, type);
      if (state.byId.size + state.quarantine.length + state.releasable.length + state.pendingCreates >= state.storage.maxCapacity - 1) {
        throw new TsworldError('CAPACITY_EXCEEDED', `cannot create more than ${state.storage.maxCapacity - 1} entities`);
      }
      const id = options.id ?? state.ids.next();
      if (!isEntityId(id)) throw new TsworldError('INVALID_ARGUMENT', `${String(id)} is not an entity id`);
      state.pendingCreates++;
      defer(state, () => {
        state.pendingCreates--;
        // By name again: an in-place code swap (world-swap.ts) may have replaced the type since the request.
        createEntityNow(state, state.types.get(resolved.name) ?? resolved, id, options);
      });
      return id;
    },
    destroyEntity(id) {
      const rec = state.byId.get(id);
      if (rec === undefined || rec.state === 'destroying' || rec.state === 'destroyed') return false;
      defer(state, () => destroyEntityNow(state, rec));
      return true;
    },
    enterSpace(id, spaceId, position) {
      defer(state, () => {
        const rec = liveEntity(state, id);
        if (rec === undefined) return;
        // A space this world does not hold may be on another game: a game process migrates the entity there.
        const remote = state.options.enterRemoteSpace;
        if (remote !== undefined && !state.spaces.has(spaceId) && spaceId !== state.nil.id) return remote(rec.handle, spaceId, position);
        enterSpaceNow(state, rec, spaceId, position);
      });
    },
    entity: (id) => state.byId.get(id)?.handle,
    entityByEid(eid) {
      const rec = state.byId.at(eid);
      return rec !== undefined && rec.state !== 'destroyed' ? rec.handle : undefined;
    },
    entities: () => [...state.byId.values()].map((r) => r.handle),
  };
}

type SpaceOps = Pick<GameWorld, 'createSpace' | 'destroySpace' | 'space' | 'spaces'>;

function spaceOps(state: WorldState): SpaceOps {
  return {
    createSpace(type, options = {}) {
      const name = typeof type === 'string' ? type : type.name;
      const resolved = state.spaceTypes.get(name);
      if (resolved === undefined) throw new TsworldError('UNKNOWN_SPACE', `space type ${name} is not registered in this world`);
      const id = options.id ?? state.ids.next();
      defer(state, () => createSpaceNow(state, state.spaceTypes.get(name) ?? resolved, id, options.aoi));
      return id;
    },
    destroySpace(id) {
      const rec = state.spaces.get(id);
      if (rec === undefined || rec === state.nil || rec.destroyed) return false;
      defer(state, () => destroySpaceNow(state, rec));
      return true;
    },
    space: (id) => state.spaces.get(id)?.handle,
    spaces: () => [...state.spaces.values()].map((s) => s.handle),
  };
}

type ClientBindings = Pick<GameWorld, 'setClient' | 'resumeClient' | 'giveClientTo' | 'entityOfClient'>;

function clientBindings(state: WorldState): ClientBindings {
  return {
    setClient(id, clientId, reason) {
      const rec = liveEntity(state, id);
      if (rec === undefined) return { ok: false, code: 'UNKNOWN_ENTITY', message: `no entity ${id}` };
      setClientNow(state, rec, clientId, reason);
      return { ok: true };
    },
    resumeClient(previous, clientId) {
      const rec = state.clients.get(previous);
      if (rec === undefined || state.clients.has(clientId)) return { ok: false, code: 'INVALID_STATE', message: `client ${previous} is bound to no entity here` };
      // No hooks: for game code the client never left. The bind event sends the new connection a snapshot.
      state.clients.delete(previous);
      state.membershipChanges++;
      rec.client = clientId;
      state.clients.set(clientId, rec);
      state.clientEvents.push({ kind: 'bind', entity: rec.id, client: clientId });
      return { ok: true };
    },
    giveClientTo(from, to) {
      const src = liveEntity(state, from);
      const dst = liveEntity(state, to);
      if (src === undefined || dst === undefined) return { ok: false, code: 'UNKNOWN_ENTITY', message: `no entity ${src ? to : from}` };
      const client = src.client;
      if (client === null) return { ok: false, code: 'INVALID_STATE', message: `entity ${from} has no client` };
      setClientNow(state, src, null, 'given-away');
      setClientNow(state, dst, client);
      return { ok: true };
    },
    entityOfClient: (clientId) => state.clients.get(clientId)?.handle,
  };
}

type Drains = Pick<GameWorld, 'drainAttrDeltas' | 'drainAoiEvents' | 'drainClientEvents' | 'drainClientCalls' | 'drainSaveDirty' | 'clientSnapshot' | 'persistentSnapshot'>;

/** What the game role takes out of the world after each tick, and the snapshots it sends. */
function drains(state: WorldState): Drains {
  return {
    drainAttrDeltas(fn) {
      const order = state.deltaOrder.splice(0);
      for (const rec of order) {
        const deltas = rec.deltas;
        rec.deltas = null;
        if (deltas !== null && deltas.length > 0 && rec.state !== 'destroyed') fn(rec.handle, deltas);
      }
    },
    drainAoiEvents(fn) {
      state.aoiEvents.drain((enter, w, t, space) =>
        fn(enter ? 'enter' : 'leave', (state.byId.at(w) as EntityRecord).handle, (state.byId.at(t) as EntityRecord).handle, space),
      );
      releaseQuarantine(state);
    },
    drainClientEvents(fn) {
      const events = state.clientEvents;
      state.clientEvents = [];
      for (const e of events) fn(e);
    },
    drainClientCalls(fn) {
      const calls = state.clientCalls;
      state.clientCalls = [];
      for (const c of calls) fn(c);
    },
    drainSaveDirty(fn) {
      const dirty = [...state.saveDirty];
      state.saveDirty.clear();
      for (const rec of dirty) fn(rec.handle, rec.attrSnapshot((root) => root.persistent));
    },
    clientSnapshot(id, audience) {
      const rec = state.byId.get(id);
      if (rec === undefined) return undefined;
      return rec.attrSnapshot((root) => root.sync === 'allClients' || (audience === 'owner' && root.sync === 'client'));
    },
    persistentSnapshot: (id) => state.byId.get(id)?.attrSnapshot((root) => root.persistent),
  };
}

export function buildApi(state: WorldState): GameWorld {
  let cluster: ClusterApi | undefined;
  const resources = state.options.resources ?? createWorldResources();
  const phases = worldPhases(state, () => api);
  const api: GameWorld = {
    get gameId() {
      return state.options.gameId ?? 1;
    },
    get tick() {
      return state.tick;
    },
    get now() {
      return state.now;
    },
    ecs: state.ecs,
    nilSpace: state.nil.handle,
    get entityCount() {
      return state.byId.size;
    },
    get cluster() {
      return cluster as ClusterApi;
    },
    timers: state.worldTimers.api,
    store: (def) => state.storage.store(def),
    query: (defs) => query(state.ecs, defs.map((d) => state.storage.store(d))),
    ...componentOps(state),
    ...entityOps(state),
    loadEntity(type, id, place) {
      api.cluster.loadEntityOnGame(api.gameId, type, id, place);
    },
    leaveSpace(id) {
      api.enterSpace(id, state.nil.id);
    },
    ...spaceOps(state),
    call: (id, method, args, caller = { kind: 'server' }) => callEntity(state, id, method, args, caller),

    ...clientBindings(state),
    interestedIn: (id) => neighbourIds(state, id, 'in'),
    interestedBy: (id) => neighbourIds(state, id, 'by'),
    ...drains(state),

    addSystem(name, system) {
      if (state.systems.has(name)) throw new TsworldError('INVALID_ARGUMENT', `a system named ${name} is already registered`);
      state.systems.set(name, system);
    },
    removeSystem: (name) => state.systems.delete(name),
    post(fn) {
      state.posted.push(fn);
    },
    resource: (key, create) => resources.get(key, create),
    applyDeferred: () => phases.commit(),
    get pendingPosted() {
      return state.posted.length;
    },
    get pendingDeferred() {
      return state.deferred.length;
    },
    get membershipChanges() {
      return state.membershipChanges;
    },
    step(dt) {
      phases.begin(dt);
      phases.async();
      phases.systems(dt);
      phases.commit();
      phases.aoi();
      phases.end();
    },
    phases,
  };
  Object.defineProperty(api, WORLD_STATE, { value: state });
  cluster = state.options.cluster ?? createLocalCluster(api, (error) => state.reportError(error, 'cluster call'), state.options.services, state.options.nilSpace);
  return api;
}

/**
 * A cron entry is due next at the expression's first time after the run it just made (not after now:
 * world time and the wall clock drift apart a little, and that must neither skip a run nor repeat one).
 */
function rearmCron(state: WorldState, timer: TimerRecord): boolean {
  const wallNow = state.wallNow();
  const at = state.cron.next(timer.cron!, Math.max(wallNow, timer.cronAt ?? wallNow));
  if (at === null) return false;
  timer.cronAt = at;
  timer.due = state.now + Math.max(0, at - wallNow);
  state.timers.push(timer);
  return true;
}

/** Fires due timers by method name. A repeating timer is re-armed from its due time, so it does not drift. */
function fireTimers(state: WorldState): void {
  for (let timer = state.timers.popDue(state.now); timer !== undefined; timer = state.timers.popDue(state.now)) {
    const rec = state.byId.at(timer.ownerEid);
    if (rec === undefined || rec.state !== 'alive' || rec.timers?.get(timer.id) !== timer) continue;
    if (timer.cron !== undefined) {
      if (!rearmCron(state, timer)) rec.timers?.delete(timer.id);
    } else if (timer.interval > 0) {
      timer.due += timer.interval;
      state.timers.push(timer);
    } else {
      rec.timers?.delete(timer.id);
    }
    const decl = rec.type.rpc.get(timer.method);
    if (decl === undefined) {
      state.reportError(new TsworldError('UNKNOWN_METHOD', `${rec.type.name} has no method ${timer.method}`), 'timer');
      continue;
    }
    guarded(state, `timer ${rec.type.name}.${timer.method}`, () => decl.invoke(rec.handle, timer.args));
  }
}

