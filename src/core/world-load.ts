import { bulkRestoreEntities } from './ecs-bulk.ts';
import { initialAttrValues } from './attrs.ts';
import { armTimer } from './entity-handle.ts';
import { ENTITY_ID_LENGTH } from './entity-id.ts';
import type { AnyEntityType } from './entity-type.ts';
import { TsworldError } from './errors.ts';
import type { GameWorld, GameWorldOptions } from './world-api.ts';
import { rebuildSpaceAoi } from './world-aoi.ts';
import { WORLD_DUMP_FORMAT, type EntityTableDump, type LoadReport, type WorldDump } from './world-dump.ts';
import { entityHook } from './world-lifecycle.ts';
import { attrPlan, componentPlan, restoredValues, RestoredRows, type ComponentPlan } from './restored-rows.ts';
import { createSpaceRecordSilently } from './world-spaces.ts';
import { buildApi, createWorldState } from './world.ts';
import type { EntityRecord, SpaceRecord, WorldState } from './world-state.ts';

/**
 * Rebuilds a world from a dump with the (possibly newer) code in `options`. Eids are preserved, so
 * arrays load wholesale; components are matched by name and fields by name (see matchComponentSchema).
 * The id index is copied as dumped. Entities that need nothing at load (no hooks, client or timers,
 * attributes that still fit) get no record: the directory makes it from the restored columns when
 * first asked (RestoredRows). Order: spaces (silently), entities (onInit on each, before any attribute
 * is restored), attributes, timers re-armed with their remaining time, space and client re-attached
 * silently, AOI rebuilt without events, then onRestored once the whole world is back.
 */
export function loadWorld(dump: WorldDump, options: GameWorldOptions): { world: GameWorld; report: LoadReport } {
  if (dump.header.format !== WORLD_DUMP_FORMAT) {
    throw new TsworldError('SCHEMA_MISMATCH', `world dump format ${dump.header.format}, this code reads ${WORLD_DUMP_FORMAT}`);
  }
  const table = dump.state.entities;
  checkTable(table, dump.state.highWater);
  const state = createWorldState({ ...options, gameId: options.gameId ?? dump.header.gameId });
  state.api = buildApi(state);
  state.tick = dump.header.tick;
  state.now = dump.header.now;
  const report: LoadReport = { droppedComponents: [], addedFields: {}, removedFields: {}, resetAttrs: {} };
  const spaces = restoreSpaces(state, dump);
  const types = resolveTypes(state, table);
  const rows = planRows(state, dump, types, spaces);
  // Eids are preserved: the fresh world's bitecs gets exactly the dumped ones, with their components.
  state.storage.ensureCapacity(table.listed.length - 1);
  bulkRestoreEntities(state.ecs, table.listed, rows.planIndex, rows.plans.map((plan) => plan.attach.map((def) => state.storage.store(def))));
  state.byId.restore({ slots: table.idSlots, codes: table.idCodes, listed: table.listed, size: table.length }, rows);
  loadComponents(state, dump, report);
  resetFreshComponents(state, table, rows);
  const { recs, afterInit } = makeEagerRecords(state, table, rows, report);

  for (const rec of recs) entityHook(state, rec, 'onInit', state.api);
  for (const [rec, values] of afterInit) Object.assign(rec.attrValues, values);
  rearmTimers(state, table);
  placeInSpaces(table, rows, recs);
  reattachClients(state, table);
  recs.push(...(rows.made as EntityRecord[]));
  rows.made = null;
  for (const rec of recs) {
    rec.state = 'alive';
    rec.recording = true;
  }
  announceResetAttrs(state, report);
  state.nextTimerId = Math.max(state.nextTimerId, dump.state.nextTimerId);
  for (const space of state.spaces.values()) rebuildSpaceAoi(state, space);
  state.saveDirty.clear();
  for (const rec of recs) entityHook(state, rec, 'onRestored', state.api);
  return { world: state.api, report };
}

/** The dump's spaces, made silently; returns each table space index's record (0 is the nil space). */
function restoreSpaces(state: WorldState, dump: WorldDump): SpaceRecord[] {
  for (const s of dump.state.spaces) {
    const type = state.spaceTypes.get(s.kind);
    if (type === undefined) throw new TsworldError('UNKNOWN_SPACE', `space type ${s.kind} in the dump is not registered`);
    createSpaceRecordSilently(state, type, s.id, s.aoi);
  }
  return dump.state.entities.spaceIds.map((id, i) => (i === 0 ? state.nil : (state.spaces.get(id) ?? state.nil)));
}

function resolveTypes(state: WorldState, table: EntityTableDump): AnyEntityType[] {
  return table.typeNames.map((name) => {
    const type = state.types.get(name);
    if (type === undefined) throw new TsworldError('UNKNOWN_ENTITY_TYPE', `entity type ${name} in the dump is not registered`);
    return type;
  });
}

/** Every listed eid's component plan (per dumped component list and type) and attribute row. */
function planRows(state: WorldState, dump: WorldDump, types: AnyEntityType[], spaces: SpaceRecord[]): RestoredRows {
  const table = dump.state.entities;
  const { listed, type: typeCol, componentSet } = table;
  const dumped = new Set(dump.components.map((c) => c.name));
  const high = listed.length;
  const rowsOfType = new Array<number>(types.length).fill(0);
  for (let eid = 1; eid < high; eid++) if (listed[eid] === 1) rowsOfType[typeCol[eid]]++;
  const attrPlans = types.map((type, ti) => attrPlan(type, table, rowsOfType[ti]));
  const plans: ComponentPlan[] = [];
  // (component list, type) → index in plans; a typed array, not a Map lookup per entity.
  const planAt = new Int32Array(table.componentSets.length * types.length).fill(-1);
  const rows = new RestoredRows(state, table, types, spaces, plans, attrPlans);
  const next = new Array<number>(types.length).fill(0);
  for (let eid = 1; eid < high; eid++) {
    if (listed[eid] !== 1) continue;
    const ti = typeCol[eid];
    const key = componentSet[eid] * types.length + ti;
    let p = planAt[key];
    if (p === -1) {
      p = planAt[key] = plans.length;
      plans.push(componentPlan(state, types[ti], table.componentSets[componentSet[eid]], dumped));
    }
    rows.assign(eid, p, next[ti]++);
  }
  return rows;
}

/** Components new to an entity (or not in the dump) start at their defaults, not at a stale slot. */
function resetFreshComponents(state: WorldState, table: EntityTableDump, rows: RestoredRows): void {
  if (rows.plans.every((plan) => plan.fresh.length === 0)) return;
  const { listed } = table;
  for (let eid = 1; eid < listed.length; eid++) {
    if (listed[eid] !== 1) continue;
    for (const def of rows.planOf(eid).fresh) state.storage.resetEntity(def, eid);
  }
}

/**
 * Records made now: entities with hooks to run, attributes to check or reset, a client or timers.
 * Every other listed eid is left pending. Returns the records in eid order, and the attribute values
 * of types with onInit, written after their hooks.
 */
function makeEagerRecords(state: WorldState, table: EntityTableDump, rows: RestoredRows, report: LoadReport): {
  recs: EntityRecord[];
  afterInit: [EntityRecord, Record<string, unknown>][];
} {
  const { listed, type: typeCol } = table;
  const high = listed.length;
  const eagerType = rows.types.map((type, ti) => type.hooks.onInit !== undefined || type.hooks.onRestored !== undefined || rows.attrPlans[ti].lazy === null);
  // Every listed eid starts pending; those that need a record now are taken out below.
  const pending = rows.pending;
  pending.set(listed);
  const eager = new Uint8Array(high);
  for (const c of table.clients) eager[c.eid] = 1;
  for (const t of table.timers) eager[t.eid] = 1;
  if (eagerType.some((e) => e)) for (let eid = 1; eid < high; eid++) if (listed[eid] === 1 && eagerType[typeCol[eid]]) eager[eid] = 1;
  const recs: EntityRecord[] = [];
  const afterInit: [EntityRecord, Record<string, unknown>][] = [];
  for (let eid = eager.indexOf(1); eid !== -1; eid = eager.indexOf(1, eid + 1)) {
    pending[eid] = 0;
    const ti = typeCol[eid];
    const plan = rows.attrPlans[ti];
    let rec;
    if (plan.lazy !== null) {
      rec = rows.record(eid, null);
      rec.restoreAttrColumns(plan.lazy, rows.attrRow[eid]);
    } else {
      const values = restoredValues(plan, rows.attrRow[eid], state.byId.ids.idAt(eid), report);
      const early = rows.types[ti].hooks.onInit === undefined;
      // Types with onInit see their initial values there, as on create; theirs are written after the hooks.
      rec = rows.record(eid, early ? values : initialAttrValues(rows.types[ti].attrLayout));
      if (!early) afterInit.push([rec, values]);
    }
    state.byId.place(rec);
    recs.push(rec);
  }
  return { recs, afterInit };
}

/** Timers come back with their remaining time; one whose method this code lost is dropped, and said. */
function rearmTimers(state: WorldState, table: EntityTableDump): void {
  for (const t of table.timers) {
    // Checked by checkTable: every timer names a listed eid, whose record makeEagerRecords made.
    const rec = state.byId.at(t.eid) as EntityRecord;
    if (rec.type.rpc.has(t.method)) armTimer(state, rec, t.method, t.args, t.remaining, t.interval, t.id, t.cron);
    else state.reportError(new TsworldError('UNKNOWN_METHOD', `${rec.type.name} lost method ${t.method}; its timer is dropped`), 'loadWorld');
  }
}

/** Client bindings and clientSyncing, set silently (no hooks: the clients never left). */
function reattachClients(state: WorldState, table: EntityTableDump): void {
  for (const c of table.clients) {
    const rec = state.byId.at(c.eid) as EntityRecord;
    rec.clientSyncing = c.syncing === true;
    if (c.client !== null) {
      rec.client = c.client;
      state.clients.set(c.client, rec);
    }
  }
}

/**
 * Attributes this code added (or reset, their dumped value no longer fitting) changed under the clients
 * that were watching through the swap: each is set again once deltas are recorded, so the next commit
 * sends it like any change (to the owner for `client`, to every watcher for `allClients`). A client
 * connected across the swap would otherwise never learn it. Roots the code removed stay in the
 * clients' mirrors until the entity is shown again.
 */
function announceResetAttrs(state: WorldState, report: LoadReport): void {
  for (const [id, names] of Object.entries(report.resetAttrs)) {
    const rec = state.byId.get(id) as EntityRecord;
    const attrs = rec.handle.attrs as unknown as { get(key: string): unknown; set(key: string, value: unknown): void };
    for (const name of names) {
      const sync = rec.type.attrLayout.get(name)?.sync;
      if (sync === 'client' || sync === 'allClients') attrs.set(name, attrs.get(name));
    }
  }
}

/** Column lengths and references, so nothing past here reads outside a column or list. */
function checkTable(t: EntityTableDump, highWater: number): void {
  const ok =
    Number.isInteger(highWater) && highWater >= 1 && t.listed.length === highWater && t.type.length === highWater &&
    t.space.length === highWater && t.componentSet.length === highWater && t.idCodes.length === highWater * ENTITY_ID_LENGTH;
  if (!ok) throw new TsworldError('INVALID_STATE', `entity table columns do not all have ${highWater} eids`);
  let count = 0;
  for (let eid = 0; eid < highWater; eid++) {
    if (t.listed[eid] === 0) continue;
    const fits = eid >= 1 && t.listed[eid] === 1 && t.type[eid] < t.typeNames.length && t.space[eid] < t.spaceIds.length && t.componentSet[eid] < t.componentSets.length;
    if (!fits) throw new TsworldError('INVALID_STATE', `entity table has a bad eid ${eid} or one referencing a type, space or component list it does not have`);
    count++;
  }
  if (count !== t.length) throw new TsworldError('INVALID_STATE', `entity table lists ${count} eids for ${t.length} entities`);
  for (const { eid } of [...t.clients, ...t.timers]) {
    if (!(t.listed[eid] === 1)) throw new TsworldError('INVALID_STATE', `a client binding or timer names eid ${eid}, which has no entity`);
  }
}

function loadComponents(state: WorldState, dump: WorldDump, report: LoadReport): void {
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
}

/** Every listed eid joins its space's members (in eid order); records made so far learn their space. */
function placeInSpaces(table: EntityTableDump, rows: RestoredRows, recs: readonly EntityRecord[]): void {
  const { listed, space } = table;
  const spaces = rows.spaces;
  // Counted first, so each space's list is made at its size instead of grown by a hundred thousand pushes.
  const counts = new Uint32Array(spaces.length);
  for (let eid = 1; eid < listed.length; eid++) if (listed[eid] === 1) counts[space[eid]]++;
  const bySpace = spaces.map((_, i) => new Array<number>(counts[i]));
  const filled = new Uint32Array(spaces.length);
  for (let eid = 1; eid < listed.length; eid++) {
    if (listed[eid] !== 1) continue;
    const i = space[eid];
    bySpace[i][filled[i]++] = eid;
  }
  // The nil space may appear at several indices (a space the code no longer has maps to it).
  for (let i = 0; i < spaces.length; i++) if (bySpace[i].length > 0) spaces[i].members.addAll(bySpace[i]);
  for (const rec of recs) rec.space = spaces[space[rec.eid]];
}
