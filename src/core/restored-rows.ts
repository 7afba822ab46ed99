import type { ComponentDef } from '../ecs/schema.ts';
import type { AttrRootInfo } from './attr-decl.ts';
import type { PendingRows } from './entity-directory.ts';
import type { EntityId } from './entity-id.ts';
import { EntityRecordImpl, readAttrColumns, type AttrColumns } from './entity-record.ts';
import type { AnyEntityType } from './entity-type.ts';
import { TsworldError } from './errors.ts';
import { checkValue, cloneValue } from './value-types.ts';
import type { AttrColumn, EntityTableDump, LoadReport } from './world-dump.ts';
import { entityComponents } from './world-lifecycle.ts';
import type { EntityRecord, SpaceRecord, WorldState } from './world-state.ts';

/** Which components an entity of one type with one dumped component list gets, and which start fresh. */
export interface ComponentPlan {
  attach: ComponentDef[];
  /** Not in the dump for this entity (or not dumped at all): written with defaults, not a stale slot. */
  fresh: ComponentDef[];
  /** attach as a set, shared by all those entities' records until one of them changes its components. */
  set: ReadonlySet<ComponentDef>;
}

/** One entity type's attribute columns; an entity's row is its rank among its type's eids. */
export interface AttrPlan {
  roots: AttrRootInfo[];
  /** The dumped column of each root (undefined: the dump lacks it). */
  columns: (AttrColumn | undefined)[];
  /** Roots in the dump the code no longer declares. */
  dropped: string[];
  /**
   * Set when every dumped value still fits and the type has no onInit (which must see initial
   * values): the records then read their values straight from these columns, copied on first use.
   */
  lazy: AttrColumns | null;
}

/**
 * A restore's per-eid plan, and the PendingRows of the entities whose records are made on demand.
 * Everything here is indexed by eid, straight from the dumped columns; nothing is made per entity but
 * the attribute row number.
 */
export class RestoredRows implements PendingRows {
  readonly pending: Uint8Array;
  /** Each eid's row in its type's attribute columns. */
  readonly attrRow: Uint32Array;
  /** Records made while the load is still running: it finishes them with the others (alive, recording). */
  made: EntityRecord[] | null = [];
  /** Each eid's index in `plans`. */
  readonly planIndex: Uint32Array;
  /**
   * The table's type and space columns, copied: they may be views on a snapshot file's buffer, which
   * a restored world would otherwise keep whole for as long as any entity is pending.
   */
  private readonly typeCol: Uint32Array;
  private readonly spaceCol: Uint32Array;

  constructor(
    private readonly state: WorldState,
    table: EntityTableDump,
    readonly types: readonly AnyEntityType[],
    readonly spaces: readonly SpaceRecord[],
    readonly plans: readonly ComponentPlan[],
    readonly attrPlans: readonly AttrPlan[],
  ) {
    const high = table.listed.length;
    this.pending = new Uint8Array(high);
    this.attrRow = new Uint32Array(high);
    this.planIndex = new Uint32Array(high);
    this.typeCol = table.type.slice();
    this.spaceCol = table.space.slice();
  }

  /** Plan and attribute row of every listed eid (the caller fills `plans` with planFor). */
  assign(eid: number, plan: number, row: number): void {
    this.planIndex[eid] = plan;
    this.attrRow[eid] = row;
  }

  planOf(eid: number): ComponentPlan {
    return this.plans[this.planIndex[eid]];
  }

  typeOf(eid: number): AnyEntityType {
    return this.types[this.typeCol[eid]];
  }

  spaceOf(eid: number): SpaceRecord {
    return this.spaces[this.spaceCol[eid]];
  }

  componentsOf(eid: number): ReadonlySet<ComponentDef> {
    return this.planOf(eid).set;
  }

  readAttrs(eid: number, names: readonly string[], out: unknown[][], k: number): void {
    readAttrColumns(this.attrPlans[this.typeCol[eid]].lazy as AttrColumns, this.attrRow[eid], names, out, k);
  }

  /** A pending entity's record: alive in its space, attributes read from the columns on first use. */
  make(eid: number): EntityRecord {
    const rec = this.record(eid, null);
    rec.restoreAttrColumns(this.attrPlans[this.typeCol[eid]].lazy as AttrColumns, this.attrRow[eid]);
    rec.space = this.spaceOf(eid);
    if (this.made !== null) {
      this.made.push(rec);
    } else {
      rec.state = 'alive';
      rec.recording = true;
    }
    return rec;
  }

  /** A bare record at `eid` (state 'creating', not placed), with its plan's shared component set. */
  record(eid: number, values: Record<string, unknown> | null): EntityRecordImpl {
    return new EntityRecordImpl(this.state, this.typeOf(eid), this.state.byId.ids.idAt(eid), eid, values, this.planOf(eid).set);
  }
}

export function componentPlan(state: WorldState, type: AnyEntityType, names: readonly string[], dumped: ReadonlySet<string>): ComponentPlan {
  const had = new Set(names);
  const attach = [...entityComponents(type)];
  const fresh = attach.filter((def) => !had.has(def.name) || !dumped.has(def.name));
  // Components added at runtime that this code still declares come back too; unknown ones are dropped.
  for (const name of names) {
    const def = state.storage.defByName(name);
    if (def !== undefined && !attach.includes(def)) attach.push(def);
  }
  return { attach, fresh, set: new Set(attach) };
}

export function attrPlan(type: AnyEntityType, table: EntityTableDump, rows: number): AttrPlan {
  const cols = table.attrs.find((a) => a.type === type.name) ?? { type: type.name, roots: [], columns: [] };
  if (cols.columns.length !== cols.roots.length || cols.columns.some((c) => c.length !== rows)) {
    throw new TsworldError('INVALID_STATE', `attribute columns of ${type.name} do not match its ${rows} entities`);
  }
  const roots = [...type.attrLayout.values()];
  // Raw columns are copied out of the file buffer they may view (see typeCol): a restored world holds them.
  const columns = roots.map((info) => {
    const column = cols.columns[cols.roots.indexOf(info.name)] as AttrColumn | undefined;
    return column instanceof Int32Array || column instanceof Float64Array ? column.slice() : column;
  });
  const dropped = cols.roots.filter((root) => !type.attrLayout.has(root));
  const lazy =
    type.hooks.onInit === undefined && dropped.length === 0 && roots.every((info, r) => columnFits(info, columns[r]))
      ? { names: roots.map((info) => info.name), columns: columns as AttrColumn[] }
      : null;
  return { roots, columns, dropped, lazy };
}

/** Whether every value of a dumped column still fits its root's spec; a raw int32 column fits a number root as a whole. */
function columnFits(info: AttrRootInfo, column: AttrColumn | undefined): boolean {
  if (column === undefined) return false;
  const kind = info.spec.kind;
  if (column instanceof Int32Array && (kind === 'int' || kind === 'float')) return true;
  for (let k = 0; k < column.length; k++) if (column[k] === undefined || checkValue(info.spec, column[k]) !== null) return false;
  return true;
}

/**
 * Row `k`'s values: a value that no longer fits its root's spec (or a root the dump lacks) takes the
 * initial value; roots the code no longer declares are dropped. Both are reported per entity.
 */
export function restoredValues(plan: AttrPlan, k: number, id: EntityId, report: LoadReport): Record<string, unknown> {
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
