import type { ComponentDef } from '../ecs/schema.ts';
import type { AttrRootInfo } from './attr-decl.ts';
import { createAttrTree, initialAttrValues, snapshotAttrValues, type AttrOp, type AttrTree } from './attrs.ts';
import type { AnyEntity } from './entity.ts';
import { makeEntityHandle } from './entity-handle.ts';
import type { EntityId } from './entity-id.ts';
import type { AnyEntityType } from './entity-type.ts';
import type { TimerRecord } from './timer-queue.ts';
import { cloneValue } from './value-types.ts';
import type { AttrDelta } from './world-api.ts';
import type { AttrColumn } from './world-dump.ts';
import type { EntityRecord, EntityState, SpaceRecord, WorldState } from './world-state.ts';

/**
 * One entity's record. A restore makes a hundred thousand of these in one go, and every object made
 * per entity survives into the old generation (young-GC copying dominated restores), so the record
 * holds only what every entity needs: the handle and the attribute tree are built on first use, the
 * timer map and delta list exist only while there is something in them, and the component set may
 * be shared by every record restored with the same components (copied before its first change).
 * Snapshots (a client's, a save's) read the values without the tree, and a type without attributes
 * gets its values object only if something asks for it: an idle client's boot entity never does.
 */
const CLIENT_SYNCING = 1;
const RECORDING = 2;
const COMPONENTS_SHARED = 4;

export class EntityRecordImpl implements EntityRecord {
  readonly id: EntityId;
  readonly eid: number;
  type: AnyEntityType;
  state: EntityState = 'creating';
  space: SpaceRecord;
  client: string | null = null;
  deltas: AttrDelta[] | null = null;
  timers: Map<number, TimerRecord> | null = null;
  components: ReadonlySet<ComponentDef>;
  /** clientSyncing, recording and componentsShared as bits: one field instead of three, per entity. */
  private flags = 0;
  private readonly world: WorldState;
  /** Null until first use when the record was made without values (restored, or a type without attributes). */
  private values: Record<string, unknown> | null;
  /** Restored values not yet copied out of their type's columns (null once `values` exists). */
  private columns: AttrColumns | null = null;
  private row = 0;
  private tree: AttrTree | null = null;
  private entityHandle: AnyEntity | null = null;

  constructor(
    world: WorldState,
    type: AnyEntityType,
    id: EntityId,
    eid: number,
    attrValues: Record<string, unknown> | null,
    components: ReadonlySet<ComponentDef> | null,
  ) {
    this.world = world;
    this.id = id;
    this.eid = eid;
    this.type = type;
    this.space = world.nil;
    this.values = attrValues;
    // No components: the world's one empty set, shared like a type's set (ownComponents copies it on
    // change), so a bare entity (an idle client's boot entity, say) does not pay a Set of its own.
    this.components = components ?? world.noComponents;
    this.componentsShared = true;
  }

  get clientSyncing(): boolean {
    return (this.flags & CLIENT_SYNCING) !== 0;
  }
  set clientSyncing(on: boolean) {
    this.flags = on ? this.flags | CLIENT_SYNCING : this.flags & ~CLIENT_SYNCING;
  }
  get recording(): boolean {
    return (this.flags & RECORDING) !== 0;
  }
  set recording(on: boolean) {
    this.flags = on ? this.flags | RECORDING : this.flags & ~RECORDING;
  }
  get componentsShared(): boolean {
    return (this.flags & COMPONENTS_SHARED) !== 0;
  }
  set componentsShared(on: boolean) {
    this.flags = on ? this.flags | COMPONENTS_SHARED : this.flags & ~COMPONENTS_SHARED;
  }

  /** Takes row `row` of `columns` as this record's values, copied out on first use. */
  restoreAttrColumns(columns: AttrColumns, row: number): void {
    this.values = null;
    this.columns = columns;
    this.row = row;
  }

  get attrValues(): Record<string, unknown> {
    if (this.values === null && this.columns === null) this.values = initialAttrValues(this.type.attrLayout);
    if (this.values === null) {
      const { names, columns } = this.columns as AttrColumns;
      const values: Record<string, unknown> = {};
      for (let r = 0; r < names.length; r++) {
        const v = columns[r][this.row];
        // Leaves are immutable; containers are copied because one dump may be loaded more than once.
        values[names[r]] = typeof v === 'object' && v !== null ? cloneValue(v) : v;
      }
      this.values = values;
      this.columns = null;
    }
    return this.values;
  }

  readAttrs(names: readonly string[], out: unknown[][], k: number): void {
    if (this.columns !== null) return readAttrColumns(this.columns, this.row, names, out, k);
    if (names.length === 0) return;
    const values = this.attrValues;
    for (let r = 0; r < names.length; r++) out[r][k] = copyOut(values[names[r]]);
  }

  attrSnapshot(filter: (root: AttrRootInfo) => boolean): Record<string, unknown> {
    if (this.tree !== null) return this.tree.snapshot(filter);
    return snapshotAttrValues(this.type.attrLayout, () => this.attrValues, filter);
  }

  get handle(): AnyEntity {
    return (this.entityHandle ??= makeEntityHandle(this.world, this));
  }

  get attrs(): AttrTree {
    if (this.tree === null) {
      const world = this.world;
      this.tree = createAttrTree(this.type.attrLayout, (root, op) => recordOp(world, this, root, op), this.attrValues);
    }
    return this.tree;
  }
}

/** One restored type's attribute values, checked: `columns[r][k]` is root `names[r]` of its k-th entity. */
export interface AttrColumns {
  readonly names: readonly string[];
  readonly columns: readonly AttrColumn[];
}

/** Row `row` of restored `columns`, root by root as `names` orders them, into out[r][k]. */
export function readAttrColumns(columns: AttrColumns, row: number, names: readonly string[], out: unknown[][], k: number): void {
  const same = columns.names.length === names.length && columns.names.every((n, r) => n === names[r]);
  for (let r = 0; r < names.length; r++) {
    const column = same ? columns.columns[r] : columns.columns[columns.names.indexOf(names[r])];
    out[r][k] = column === undefined ? undefined : copyOut(column[row]);
  }
}

/** Leaves are immutable; containers are copied so a dump never aliases the live world (or one dump another). */
function copyOut(v: unknown): unknown {
  return typeof v === 'object' && v !== null ? cloneValue(v) : v;
}

/** The record's component set, its own from here on (a shared one is copied first). */
export function ownComponents(rec: EntityRecord): Set<ComponentDef> {
  if (rec.componentsShared) {
    rec.components = new Set(rec.components);
    rec.componentsShared = false;
  }
  return rec.components as Set<ComponentDef>;
}

/** The record's timer map, made on its first timer. */
export function ownTimers(rec: EntityRecord): Map<number, TimerRecord> {
  return (rec.timers ??= new Map());
}

function recordOp(state: WorldState, rec: EntityRecord, root: AttrRootInfo, op: AttrOp): void {
  if (root.persistent) state.saveDirty.add(rec);
  if (root.sync === 'server' || !rec.recording) return;
  if (rec.deltas === null || rec.deltas.length === 0) {
    state.deltaOrder.push(rec);
    rec.deltas ??= [];
  }
  rec.deltas.push({ ...op, sync: root.sync, root: typeof op.path[0] === 'string' ? op.path[0] : (op.key as string) });
}
