import type { ComponentDef } from '../ecs/schema.ts';
import type { PendingRows } from './entity-directory.ts';
import { ENTITY_ID_LENGTH, type EntityId } from './entity-id.ts';
import type { AnyEntityType } from './entity-type.ts';
import { timerDump } from './timer-dump.ts';
import type { TimerRecord } from './timer-queue.ts';
import type { AttrColumnsDump, EntityDump, EntityTableDump, WorldDump } from './world-dump.ts';
import type { EntityRecord, SpaceRecord, WorldState } from './world-state.ts';

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

/**
 * Component lists, interned by names. Created entities each own a Set (equal sets, distinct objects),
 * so the last set seen per type is kept and compared by content before any key is built.
 */
class ComponentSets {
  readonly lists: string[][] = [];
  private readonly keys = new Interner<string>();
  private readonly last = new Map<AnyEntityType, { set: ReadonlySet<ComponentDef>; defs: ComponentDef[]; index: number }>();

  of(type: AnyEntityType, set: ReadonlySet<ComponentDef>): number {
    const last = this.last.get(type);
    if (last !== undefined && (last.set === set || (last.defs.length === set.size && last.defs.every((d) => set.has(d))))) return last.index;
    let key = '';
    for (const def of set) key += `${def.name},`;
    const index = this.keys.of(key);
    if (index === this.lists.length) this.lists.push([...set].map((d) => d.name));
    this.last.set(type, { set, defs: [...set], index });
    return index;
  }
}

/**
 * The entity directory as eid-indexed columns. The id index is copied as it is (its arrays are the
 * ids), so neither the dump nor the load touches an id string. A restored entity whose record was
 * never made is read from the restored rows, and costs no record here either.
 */
export function dumpEntityTable(state: WorldState): EntityTableDump {
  const dir = state.byId;
  const ids = dir.ids.dump();
  const high = ids.listed.length;
  const type = new Uint32Array(high);
  const space = new Uint32Array(high);
  const componentSet = new Uint32Array(high);
  const typeNames = new Interner<string>();
  const types: AnyEntityType[] = [];
  const spaceIds = new Interner<EntityId>();
  spaceIds.of(state.nil.id);
  const sets = new ComponentSets();
  // One-entry caches: consecutive eids nearly always share a type and a space.
  let lastType: AnyEntityType | undefined;
  let lastTi = 0;
  let lastSpace: SpaceRecord | undefined;
  let lastSi = 0;
  let lastSet: ReadonlySet<ComponentDef> | undefined;
  let lastCi = 0;
  const clients: EntityTableDump['clients'] = [];
  const pending: [number, TimerRecord][] = [];
  const rows = dir.pendingRows;
  const listed = ids.listed;
  for (let eid = 1; eid < high; eid++) {
    if (listed[eid] !== 1) continue;
    const rec = dir.peek(eid);
    const t = rec === undefined ? (rows as PendingRows).typeOf(eid) : rec.type;
    if (t !== lastType) {
      lastType = t;
      lastTi = typeNames.of(t.name);
      types[lastTi] = t;
    }
    type[eid] = lastTi;
    const sp = rec === undefined ? (rows as PendingRows).spaceOf(eid) : rec.space;
    if (sp !== lastSpace) {
      lastSpace = sp;
      lastSi = spaceIds.of(sp.id);
    }
    space[eid] = lastSi;
    const cs = rec === undefined ? (rows as PendingRows).componentsOf(eid) : rec.components;
    if (cs !== lastSet) {
      lastSet = cs;
      lastCi = sets.of(t, cs);
    }
    componentSet[eid] = lastCi;
    if (rec === undefined) continue;
    if (rec.client !== null || rec.clientSyncing) clients.push({ eid, client: rec.client, syncing: rec.clientSyncing });
    if (rec.timers !== null) for (const timer of rec.timers.values()) pending.push([eid, timer]);
  }
  return {
    length: ids.size,
    idSlots: ids.slots,
    idCodes: ids.codes,
    listed,
    typeNames: typeNames.list,
    type,
    spaceIds: spaceIds.list,
    space,
    componentSets: sets.lists,
    componentSet,
    attrs: eidsByType(listed, type, types.length).map((eids, ti) => dumpAttrs(state, types[ti], eids)),
    clients,
    timers: dumpTimers(state, pending),
  };
}

/** Each type's eids, ascending, from the type column: counted first, then filled (no growing arrays). */
function eidsByType(listed: Uint8Array, type: Uint32Array, typeCount: number): Int32Array[] {
  const counts = new Uint32Array(typeCount);
  for (let eid = 1; eid < listed.length; eid++) if (listed[eid] === 1) counts[type[eid]]++;
  const out = Array.from(counts, (n) => new Int32Array(n));
  const filled = new Uint32Array(typeCount);
  for (let eid = 1; eid < listed.length; eid++) if (listed[eid] === 1) out[type[eid]][filled[type[eid]]++] = eid;
  return out;
}

/** In firing order, ties in scheduling order: a load re-arms them in this order, so ties still break the same way. */
function dumpTimers(state: WorldState, pending: [number, TimerRecord][]): EntityTableDump['timers'] {
  // Indexed, not destructured: array destructuring runs the iterator protocol on every comparison.
  pending.sort((x, y) => x[1].due - y[1].due || x[1].seq - y[1].seq);
  return pending.map(([eid, t]) => ({ eid, ...timerDump(t, state.now) }));
}

/** One type's attribute columns over its entities in eid order, entity by entity (one record visit each). */
function dumpAttrs(state: WorldState, type: AnyEntityType, eids: Int32Array): AttrColumnsDump {
  const roots = [...type.attrLayout.keys()];
  const columns = roots.map(() => new Array<unknown>(eids.length));
  const dir = state.byId;
  const rows = dir.pendingRows;
  for (let k = 0; k < eids.length; k++) {
    const rec: EntityRecord | undefined = dir.peek(eids[k]);
    if (rec !== undefined) rec.readAttrs(roots, columns, k);
    else (rows as PendingRows).readAttrs(eids[k], roots, columns, k);
  }
  return { type: type.name, roots, columns };
}

/** The table as one object per entity, in eid order: for tools and tests, not for the swap path. */
export function entityRows(dump: WorldDump): EntityDump[] {
  const t = dump.state.entities;
  const attrRow = new Map(t.attrs.map((a) => [a.type, 0]));
  const attrCols = new Map(t.attrs.map((a) => [a.type, a]));
  const rows: EntityDump[] = [];
  for (let eid = 1; eid < t.listed.length; eid++) {
    if (t.listed[eid] !== 1) continue;
    const typeName = t.typeNames[t.type[eid]];
    const attrs: Record<string, unknown> = {};
    const cols = attrCols.get(typeName);
    if (cols !== undefined) {
      const k = attrRow.get(typeName) as number;
      cols.roots.forEach((root, r) => (attrs[root] = cols.columns[r][k]));
      attrRow.set(typeName, k + 1);
    }
    const client = t.clients.find((c) => c.eid === eid);
    rows.push({
      id: entityIdAt(t, eid),
      eid,
      type: typeName,
      space: t.spaceIds[t.space[eid]],
      client: client?.client ?? null,
      clientSyncing: client?.syncing ?? false,
      attrs,
      components: t.componentSets[t.componentSet[eid]],
      timers: t.timers.filter((x) => x.eid === eid).map(({ eid: _eid, ...timer }) => timer),
    });
  }
  return rows;
}

/** The id of the entity at `eid` in a dumped table. */
export function entityIdAt(table: EntityTableDump, eid: number): EntityId {
  return String.fromCharCode(...table.idCodes.subarray(eid * ENTITY_ID_LENGTH, (eid + 1) * ENTITY_ID_LENGTH));
}
