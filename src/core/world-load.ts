import { removeEntity } from 'bitecs';
import type { ComponentDef } from '../ecs/schema.ts';
import { bulkAddComponents, bulkAddEntities } from './ecs-bulk.ts';
import { armTimer } from './entity-handle.ts';
import type { AttrRootInfo } from './attr-decl.ts';
import { ENTITY_ID_LENGTH, type EntityId } from './entity-id.ts';
import type { AnyEntityType } from './entity-type.ts';
import { TsworldError } from './errors.ts';
import { checkValue, cloneValue } from './value-types.ts';
import type { GameWorld, GameWorldOptions } from './world-api.ts';
import { rebuildSpaceAoi } from './world-aoi.ts';
import { WORLD_DUMP_FORMAT, type EntityTableDump, type LoadReport, type WorldDump } from './world-dump.ts';
import type { AttrColumns, EntityRecordImpl } from './entity-record.ts';
import { allocateEntity, entityComponents, entityHook, type AllocateOptions } from './world-lifecycle.ts';
import { createSpaceRecordSilently } from './world-spaces.ts';
import { buildApi, createWorldState } from './world.ts';
import type { EntityRecord, SpaceRecord, WorldState } from './world-state.ts';

/** Which components an entity of one type with one dumped component list gets, and which start fresh. */
interface ComponentPlan {
  attach: ComponentDef[];
  /** Not in the dump for this entity (or not dumped at all): written with defaults, not a stale slot. */
  fresh: ComponentDef[];
  /** The entities that follow this plan, for one bulk component add. */
  eids: number[];
  /** attach as a set, shared by all those entities' records until one of them changes its components. */
  set: ReadonlySet<ComponentDef>;
}

/**
 * Rebuilds a world from a dump with the (possibly newer) code in `options`. Eids are preserved, so
 * arrays load wholesale; components are matched by name and fields by name (see matchComponentSchema).
 * Order: spaces (silently), entities (onInit on each, before any attribute is restored), attributes,
 * timers re-armed with their remaining time, space and client re-attached silently, AOI rebuilt
 * without events, then onRestored once the whole world is back.
 */
export function loadWorld(dump: WorldDump, options: GameWorldOptions): { world: GameWorld; report: LoadReport } {
  if (dump.header.format !== WORLD_DUMP_FORMAT) {
    throw new TsworldError('SCHEMA_MISMATCH', `world dump format ${dump.header.format}, this code reads ${WORLD_DUMP_FORMAT}`);
  }
  const table = dump.state.entities;
  checkTable(table);
  const state = createWorldState({ ...options, gameId: options.gameId ?? dump.header.gameId });
  state.api = buildApi(state);
  state.tick = dump.header.tick;
  state.now = dump.header.now;
  const report: LoadReport = { droppedComponents: [], addedFields: {}, removedFields: {}, resetAttrs: {} };
  const spaces = restoreSpaces(state, dump);
  const types = resolveTypes(state, table);
  allocateEids(state, dump.state.highWater, table);
  const { recs, fresh, afterInit } = allocateRows(state, dump, types, report);

  loadComponents(state, dump, report);
  for (const [rec, def] of fresh) state.storage.resetEntity(def, rec.eid);

  for (const rec of recs) entityHook(state, rec, 'onInit', state.api);
  for (const [rec, values] of afterInit) Object.assign(rec.attrValues, values);
  rearmTimers(state, table, recs);
  placeInSpaces(table, spaces, recs);
  reattachClients(state, table, recs);
  for (const rec of recs) {
    rec.state = 'alive';
    rec.recording = true;
  }
  announceResetAttrs(recs, report);
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

/**
 * One entity record per table row, at its dumped eid, with its component set attached in bulk per
 * (set, type). Returns the records, the components new to this code (reset after the load), and the
 * attribute values of types with onInit, written after their hooks.
 */
function allocateRows(state: WorldState, dump: WorldDump, types: AnyEntityType[], report: LoadReport): {
  recs: EntityRecord[];
  fresh: [EntityRecord, ComponentDef][];
  afterInit: [EntityRecord, Record<string, unknown>][];
} {
  const table = dump.state.entities;
  const dumped = new Set(dump.components.map((c) => c.name));
  const plans = new Map<number, ComponentPlan>();
  const rowsOfType = new Array<number>(types.length).fill(0);
  for (let row = 0; row < table.length; row++) rowsOfType[table.type[row]]++;
  const attrPlans = types.map((type, ti) => attrPlan(type, table, rowsOfType[ti]));
  const recs: EntityRecord[] = new Array(table.length);
  const fresh: [EntityRecord, ComponentDef][] = [];
  // Types with onInit see their initial values there, as on create; theirs are written after the hooks.
  const afterInit: [EntityRecord, Record<string, unknown>][] = [];
  const { ids, eid: eids, type: typeCol, componentSet } = table;
  // One options object for every allocation: allocateEntity reads it and keeps nothing.
  const alloc: AllocateOptions = { unplaced: true };
  for (let row = 0; row < table.length; row++) {
    const typeIndex = typeCol[row];
    const type = types[typeIndex];
    const eid = eids[row];
    const key = componentSet[row] * types.length + typeIndex;
    let plan = plans.get(key);
    if (plan === undefined) {
      plan = componentPlan(state, type, table.componentSets[componentSet[row]], dumped);
      plans.set(key, plan);
    }
    const id = ids.slice(row * ENTITY_ID_LENGTH, (row + 1) * ENTITY_ID_LENGTH);
    const attrs = attrPlans[typeIndex];
    alloc.presetEid = eid;
    alloc.sharedComponents = plan.set;
    if (attrs.lazy !== null) {
      alloc.attrValues = undefined;
      alloc.attrColumnsFollow = true;
      const rec = allocateEntity(state, type, id, [], alloc) as EntityRecordImpl;
      rec.restoreAttrColumns(attrs.lazy, attrs.next++);
      recs[row] = rec;
    } else {
      const values = restoredValues(attrs, id, report);
      const early = type.hooks.onInit === undefined;
      alloc.attrValues = early ? values : undefined;
      alloc.attrColumnsFollow = false;
      recs[row] = allocateEntity(state, type, id, [], alloc);
      if (!early) afterInit.push([recs[row], values]);
    }
    plan.eids.push(eid);
    for (const def of plan.fresh) fresh.push([recs[row], def]);
  }
  for (const plan of plans.values()) bulkAddComponents(state.ecs, plan.eids, plan.attach.map((def) => state.storage.store(def)));
  return { recs, fresh, afterInit };
}

/** Timers come back with their remaining time; one whose method this code lost is dropped, and said. */
function rearmTimers(state: WorldState, table: EntityTableDump, recs: EntityRecord[]): void {
  for (const t of table.timers) {
    const rec = recs[t.row];
    if (rec === undefined) throw new TsworldError('INVALID_STATE', `timer ${t.id} names row ${t.row}, past the entity table`);
    if (rec.type.rpc.has(t.method)) armTimer(state, rec, t.method, t.args, t.remaining, t.interval, t.id, t.cron);
    else state.reportError(new TsworldError('UNKNOWN_METHOD', `${rec.type.name} lost method ${t.method}; its timer is dropped`), 'loadWorld');
  }
}

/** Client bindings and clientSyncing, set silently (no hooks: the clients never left). */
function reattachClients(state: WorldState, table: EntityTableDump, recs: EntityRecord[]): void {
  for (const c of table.clients) {
    const rec = recs[c.row];
    if (rec === undefined) throw new TsworldError('INVALID_STATE', `client ${c.client} names row ${c.row}, past the entity table`);
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
function announceResetAttrs(recs: readonly EntityRecord[], report: LoadReport): void {
  for (const rec of recs) {
    const names = report.resetAttrs[rec.id];
    if (names === undefined) continue;
    const attrs = rec.handle.attrs as unknown as { get(key: string): unknown; set(key: string, value: unknown): void };
    for (const name of names) {
      const sync = rec.type.attrLayout.get(name)?.sync;
      if (sync === 'client' || sync === 'allClients') attrs.set(name, attrs.get(name));
    }
  }
}

function checkTable(t: EntityTableDump): void {
  const n = t.length;
  const ok =
    Number.isInteger(n) && n >= 0 && t.eid.length === n && t.type.length === n && t.space.length === n &&
    t.componentSet.length === n && t.ids.length === n * ENTITY_ID_LENGTH;
  if (!ok) throw new TsworldError('INVALID_STATE', `entity table columns do not all have ${n} rows`);
  const bad = (col: Uint32Array, limit: number) => col.some((v) => v >= limit);
  if (bad(t.type, t.typeNames.length) || bad(t.space, t.spaceIds.length) || bad(t.componentSet, t.componentSets.length)) {
    throw new TsworldError('INVALID_STATE', 'entity table references a type, space or component list it does not have');
  }
}

/** Eids are preserved: allocate 1..highWater-1 in order, then free the ones no entity holds. */
function allocateEids(state: WorldState, highWater: number, table: EntityTableDump): void {
  const live = new Uint8Array(highWater);
  for (const eid of table.eid) {
    if (eid < 1 || eid >= highWater || live[eid] === 1) throw new TsworldError('INVALID_STATE', `entity table has a bad or repeated eid ${eid}`);
    live[eid] = 1;
  }
  state.storage.ensureCapacity(highWater - 1);
  // The world is fresh, so bitecs hands out 1..highWater-1 in order either way.
  bulkAddEntities(state.ecs, highWater - 1);
  for (let eid = highWater - 1; eid >= 1; eid--) if (live[eid] === 0) removeEntity(state.ecs, eid);
}

function componentPlan(state: WorldState, type: AnyEntityType, names: readonly string[], dumped: ReadonlySet<string>): ComponentPlan {
  const had = new Set(names);
  const attach = [...entityComponents(type)];
  const fresh = attach.filter((def) => !had.has(def.name) || !dumped.has(def.name));
  // Components added at runtime that this code still declares come back too; unknown ones are dropped.
  for (const name of names) {
    const def = state.storage.defByName(name);
    if (def !== undefined && !attach.includes(def)) attach.push(def);
  }
  return { attach, fresh, eids: [], set: new Set(attach) };
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

/** One entity type's attribute columns, walked row by row as its entities are allocated. */
interface AttrPlan {
  roots: AttrRootInfo[];
  /** The dumped column of each root (undefined: the dump lacks it). */
  columns: (unknown[] | undefined)[];
  /** Roots in the dump the code no longer declares. */
  dropped: string[];
  /** The next row of this type's columns. */
  next: number;
  /**
   * Set when every dumped value still fits and the type has no onInit (which must see initial
   * values): the records then read their values straight from these columns, copied on first use.
   */
  lazy: AttrColumns | null;
}

function attrPlan(type: AnyEntityType, table: EntityTableDump, rows: number): AttrPlan {
  const cols = table.attrs.find((a) => a.type === type.name) ?? { type: type.name, roots: [], columns: [] };
  if (cols.columns.length !== cols.roots.length || cols.columns.some((c) => c.length !== rows)) {
    throw new TsworldError('INVALID_STATE', `attribute columns of ${type.name} do not match its ${rows} entities`);
  }
  const roots = [...type.attrLayout.values()];
  const columns = roots.map((info) => cols.columns[cols.roots.indexOf(info.name)] as unknown[] | undefined);
  const dropped = cols.roots.filter((root) => !type.attrLayout.has(root));
  const fits = (info: AttrRootInfo, column: unknown[] | undefined) =>
    column !== undefined && column.every((v) => v !== undefined && checkValue(info.spec, v) === null);
  const lazy =
    type.hooks.onInit === undefined && dropped.length === 0 && roots.every((info, r) => fits(info, columns[r]))
      ? { names: roots.map((info) => info.name), columns: columns as unknown[][] }
      : null;
  return { roots, columns, dropped, next: 0, lazy };
}

/**
 * The next row's values: a value that no longer fits its root's spec (or a root the dump lacks) takes
 * the initial value; roots the code no longer declares are dropped. Both are reported per entity.
 */
function restoredValues(plan: AttrPlan, id: EntityId, report: LoadReport): Record<string, unknown> {
  const k = plan.next++;
  const values: Record<string, unknown> = {};
  const { roots, columns } = plan;
  for (let r = 0; r < roots.length; r++) {
    const info = roots[r];
    const v = columns[r]?.[k];
    if (v !== undefined && checkValue(info.spec, v) === null) {
      // Leaves are immutable; containers are copied because one dump may be loaded more than once.
      values[info.name] = typeof v === 'object' && v !== null ? cloneValue(v) : v;
    } else {
      values[info.name] = info.initial();
      (report.resetAttrs[id] ??= []).push(info.name);
    }
  }
  if (plan.dropped.length > 0) (report.resetAttrs[id] ??= []).push(...plan.dropped);
  return values;
}

/** Records are allocated unplaced: each goes straight into its space's member set. */
function placeInSpaces(table: EntityTableDump, spaces: SpaceRecord[], recs: EntityRecord[]): void {
  for (let row = 0; row < recs.length; row++) {
    const space = spaces[table.space[row]];
    const rec = recs[row];
    space.members.add(rec);
    rec.space = space;
  }
}
