import type { ComponentDump } from '../ecs/schema-match.ts';
import { hashString, type ComponentDef } from '../ecs/schema.ts';
import { ENTITY_ID_LENGTH, type EntityId } from './entity-id.ts';
import type { AnyEntityType } from './entity-type.ts';
import { TsworldError } from './errors.ts';
import type { SpaceAoiConfig } from './space.ts';
import type { TimerRecord } from './timer-queue.ts';
import { cloneValue } from './value-types.ts';
import type { GameWorld } from './world-api.ts';
import { AoiTrack } from './world-aoi.ts';
import { entityHook } from './world-lifecycle.ts';
import { stateOf } from './world.ts';
import { guarded, type EntityRecord, type WorldState } from './world-state.ts';

export { loadWorld } from './world-load.ts';

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
  /** A cron entry's expression (Entity.cron); absent for a plain timer. */
  cron?: string;
}

/** One entity as plain data: a row of the EntityTableDump, as `entityRows` gives it (tools, tests). */
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

/**
 * The entity directory, column by column: a hundred thousand per-entity objects cost more to build,
 * encode, decode and walk than the whole rest of a swap. Numeric columns are typed arrays (the snapshot
 * file stores them raw, like component arrays); repeated strings are stored once and referenced.
 */
export interface EntityTableDump {
  /** Number of entities (rows). */
  length: number;
  eid: Uint32Array;
  /** Every entity id, concatenated: row i is `ids.slice(i * 16, i * 16 + 16)`. */
  ids: string;
  typeNames: string[];
  type: Uint32Array;
  /** Index 0 is the nil space. */
  spaceIds: EntityId[];
  space: Uint32Array;
  /** Distinct component lists (names); most worlds have one per entity type. */
  componentSets: string[][];
  componentSet: Uint32Array;
  attrs: AttrColumnsDump[];
  /** Only rows with a client or client syncing on. */
  clients: { row: number; client: string | null; syncing: boolean }[];
  timers: (TimerDump & { row: number })[];
}

/** One entity type's attributes: `columns[r][k]` is root `roots[r]` of the type's k-th row in table order. */
export interface AttrColumnsDump {
  type: string;
  roots: string[];
  columns: unknown[][];
}

/** Plain data (msgpack-able, typed arrays aside): everything that is not a component array. */
export interface WorldStateDump {
  /** One past the highest live eid; every component array is dumped up to here. */
  highWater: number;
  nextTimerId: number;
  spaces: SpaceDump[];
  entities: EntityTableDump;
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
 * deferred ops are drained so nothing queued is lost, then the entity directory is written column by
 * column and the arrays of every component some entity has are copied wholesale. Nothing in the dump aliases the live world.
 */
export function dumpWorld(world: GameWorld, options: { freeze?: boolean } = {}): WorldDump {
  const state = stateOf(world);
  if (options.freeze ?? true) {
    for (const rec of state.byId.values()) if (rec.state === 'alive') entityHook(state, rec, 'onFreeze', state.api);
  }
  settle(state);
  let highWater = 1;
  for (const rec of state.byId.values()) if (rec.eid >= highWater) highWater = rec.eid + 1;
  const entities = dumpEntityTable(state);
  // A component no entity has holds nothing worth keeping (a load gives fresh slots their defaults).
  const used = new Set(entities.componentSets.flat());
  const defs = state.storage.defs().filter((d) => d !== AoiTrack && used.has(d.name));
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
      entities,
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

/** Interns values to small indices, so a column holds numbers instead of repeated strings. */
class Interner<K> {
  readonly list: K[] = [];
  private readonly index = new Map<K, number>();
  of(key: K): number {
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(key);
      this.index.set(key, i);
    }
    return i;
  }
}

function dumpEntityTable(state: WorldState): EntityTableDump {
  const n = state.byId.size;
  const eid = new Uint32Array(n);
  const type = new Uint32Array(n);
  const space = new Uint32Array(n);
  const componentSet = new Uint32Array(n);
  const ids: string[] = new Array(n);
  const typeNames = new Interner<string>();
  const spaceIds = new Interner<EntityId>();
  spaceIds.of(state.nil.id);
  const sets = new Interner<string>();
  const setLists: string[][] = [];
  const setCache: SetCache = new Map();
  const rowsByType = new Map<string, { type: AnyEntityType; rows: EntityRecord[] }>();
  let lastType: AnyEntityType | undefined;
  let lastRows: EntityRecord[] = [];
  const clients: EntityTableDump['clients'] = [];
  const pending: [number, TimerRecord][] = [];
  let row = 0;
  for (const rec of state.byId.values()) {
    if (rec.id.length !== ENTITY_ID_LENGTH) throw new TsworldError('INVALID_STATE', `entity id ${rec.id} is not ${ENTITY_ID_LENGTH} characters`);
    eid[row] = rec.eid;
    ids[row] = rec.id;
    type[row] = typeNames.of(rec.type.name);
    space[row] = spaceIds.of(rec.space.id);
    componentSet[row] = componentSetOf(rec, sets, setLists, setCache);
    if (rec.type !== lastType) {
      lastType = rec.type;
      let byType = rowsByType.get(rec.type.name);
      if (byType === undefined) rowsByType.set(rec.type.name, (byType = { type: rec.type, rows: [] }));
      lastRows = byType.rows;
    }
    lastRows.push(rec);
    if (rec.client !== null || rec.clientSyncing) clients.push({ row, client: rec.client, syncing: rec.clientSyncing });
    if (rec.timers !== null) for (const t of rec.timers.values()) pending.push([row, t]);
    row++;
  }
  // In firing order, ties in scheduling order: a load re-arms them in this order, so ties still break the same way.
  pending.sort(([, a], [, b]) => a.due - b.due || a.seq - b.seq);
  const timers: EntityTableDump['timers'] = pending.map(([r, t]) => ({
    row: r,
    id: t.id,
    method: t.method,
    args: cloneValue([...t.args]),
    remaining: Math.max(0, t.due - state.now),
    interval: t.interval,
    ...(t.cron === undefined ? {} : { cron: t.cron }),
  }));
  return {
    length: n,
    eid,
    ids: ids.join(''),
    typeNames: typeNames.list,
    type,
    spaceIds: spaceIds.list,
    space,
    componentSets: setLists,
    componentSet,
    attrs: [...rowsByType.values()].map(({ type: t, rows }) => dumpAttrs(t, rows)),
    clients,
    timers,
  };
}

/** The last component list seen per entity type: consecutive entities of a type nearly always share it. */
type SetCache = Map<AnyEntityType, { set: ReadonlySet<ComponentDef>; defs: ComponentDef[]; index: number }>;

function componentSetOf(rec: EntityRecord, sets: Interner<string>, lists: string[][], cache: SetCache): number {
  const last = cache.get(rec.type);
  if (last !== undefined) {
    // Restored records share their set: the same set object is the same list.
    if (last.set === rec.components) return last.index;
    if (last.defs.length === rec.components.size && last.defs.every((d) => rec.components.has(d))) return last.index;
  }
  const index = internComponentSet(rec, sets, lists);
  cache.set(rec.type, { set: rec.components, defs: [...rec.components], index });
  return index;
}

function internComponentSet(rec: EntityRecord, sets: Interner<string>, lists: string[][]): number {
  let key = '';
  for (const def of rec.components) key += `${def.name},`;
  const i = sets.of(key);
  if (i === lists.length) lists.push([...rec.components].map((d) => d.name));
  return i;
}

/** One type's attribute columns, root by root over its records in table order. */
function dumpAttrs(type: AnyEntityType, rows: readonly EntityRecord[]): AttrColumnsDump {
  const roots = [...type.attrLayout.keys()];
  const columns = roots.map((root) => {
    const column = new Array<unknown>(rows.length);
    for (let k = 0; k < rows.length; k++) {
      const v = rows[k].attrValue(root);
      // Leaves are immutable; only containers need a private copy.
      column[k] = typeof v === 'object' && v !== null ? cloneValue(v) : v;
    }
    return column;
  });
  return { type: type.name, roots, columns };
}

/** The table as one object per entity: for tools and tests, not for the swap path. */
export function entityRows(dump: WorldDump): EntityDump[] {
  const t = dump.state.entities;
  const attrRow = new Map(t.attrs.map((a) => [a.type, 0]));
  const attrCols = new Map(t.attrs.map((a) => [a.type, a]));
  const rows: EntityDump[] = [];
  for (let i = 0; i < t.length; i++) {
    const typeName = t.typeNames[t.type[i]];
    const attrs: Record<string, unknown> = {};
    const cols = attrCols.get(typeName);
    if (cols !== undefined) {
      const k = attrRow.get(typeName) as number;
      cols.roots.forEach((root, r) => (attrs[root] = cols.columns[r][k]));
      attrRow.set(typeName, k + 1);
    }
    const client = t.clients.find((c) => c.row === i);
    rows.push({
      id: entityIdAt(t, i),
      eid: t.eid[i],
      type: typeName,
      space: t.spaceIds[t.space[i]],
      client: client?.client ?? null,
      clientSyncing: client?.syncing ?? false,
      attrs,
      components: t.componentSets[t.componentSet[i]],
      timers: t.timers.filter((x) => x.row === i).map(({ row: _row, ...timer }) => timer),
    });
  }
  return rows;
}

export function entityIdAt(table: EntityTableDump, row: number): EntityId {
  return table.ids.slice(row * ENTITY_ID_LENGTH, (row + 1) * ENTITY_ID_LENGTH);
}

export function worldSchemaHash(defs: readonly ComponentDef[]): string {
  return hashString(defs.map((d) => `${d.name}=${d.schemaHash}`).sort().join(';'));
}
