import { TsworldError } from './errors.ts';
import type { ComponentDef } from '../ecs/schema.ts';
import type { EntityId } from './entity-id.ts';
import type { AnyEntityType } from './entity-type.ts';
import { IdIndex, type IdIndexDump } from './id-index.ts';
import type { EntityRecord, SpaceRecord } from './world-state.ts';

/**
 * Entities a restore brought back without making their records: a record (and its handle) is made
 * from the restored columns the first time anything asks for the entity. Rows whose entity needs a
 * record at once (hooks, client, timers) are made by the restore itself.
 */
export interface PendingRows {
  /** 1 for an eid whose record is not made yet. Cleared by the directory as it makes each one. */
  readonly pending: Uint8Array;
  /** Makes the record of a pending eid (no side effects beyond the record itself). */
  make(eid: number): EntityRecord;
  /** The entity type of a pending eid, without making its record. */
  typeOf(eid: number): AnyEntityType;
  /** Its space (a pending entity is alive, in a live space, with no client, timers or deltas). */
  spaceOf(eid: number): SpaceRecord;
  componentsOf(eid: number): ReadonlySet<ComponentDef>;
  /** As EntityRecord.readAttrs, for a pending eid. */
  readAttrs(eid: number, names: readonly string[], out: unknown[][], k: number): void;
}

/**
 * The world's entity directory: ids in an IdIndex (typed-array columns plus a hash table over them),
 * records by eid, made on demand for restored entities. Shaped like the Map it replaces (get, has,
 * delete, size, values) so the world's modules read it the same way. Records of destroyed entities
 * stay reachable by eid (at) until `release`, as the AOI quarantine needs; by id they are gone at once.
 */
export class EntityDirectory {
  private index = new IdIndex();
  private records: (EntityRecord | undefined)[] = [];
  private rows: PendingRows | null = null;

  get ids(): IdIndex {
    return this.index;
  }

  get size(): number {
    return this.ids.size;
  }

  get(id: EntityId): EntityRecord | undefined {
    const eid = this.ids.get(id);
    return eid === 0 ? undefined : this.at(eid);
  }

  has(id: EntityId): boolean {
    return this.ids.get(id) !== 0;
  }

  /** The record at `eid`, listed or still quarantined; made first if it is pending. */
  at(eid: number): EntityRecord | undefined {
    const rec = this.records[eid];
    if (rec !== undefined) return rec;
    const rows = this.rows;
    if (rows === null || rows.pending[eid] !== 1) return undefined;
    rows.pending[eid] = 0;
    const made = rows.make(eid);
    this.records[eid] = made;
    return made;
  }

  /** The record at `eid` if it is made; never makes one. */
  peek(eid: number): EntityRecord | undefined {
    return this.records[eid];
  }

  /** Whether `eid` is a restored entity whose record is not made yet. */
  isPending(eid: number): boolean {
    return this.rows !== null && this.rows.pending[eid] === 1;
  }

  /** The type at `eid` without making a record; undefined when there is no entity there. */
  typeAt(eid: number): AnyEntityType | undefined {
    const rec = this.records[eid];
    if (rec !== undefined) return rec.type;
    return this.isPending(eid) ? (this.rows as PendingRows).typeOf(eid) : undefined;
  }

  /** The id of the alive entity at `eid`, without making its record (neighbour lists name thousands). */
  aliveIdAt(eid: number): EntityId | undefined {
    const rec = this.records[eid];
    if (rec !== undefined) return rec.state === 'alive' ? rec.id : undefined;
    return this.isPending(eid) ? this.ids.idAt(eid) : undefined;
  }

  /** Lists a new record under its id and eid; the caller has checked the id is free. */
  add(rec: EntityRecord): void {
    this.ids.set(rec.id, rec.eid);
    this.records[rec.eid] = rec;
  }

  /** Puts a restored record in place, its id already listed (the index was restored with the ids). */
  place(rec: EntityRecord): void {
    this.records[rec.eid] = rec;
  }

  /** Unlists the id; the record stays reachable by eid until `release`. */
  delete(id: EntityId): boolean {
    return this.ids.delete(id);
  }

  /** Forgets the record at a freed eid. */
  release(eid: number): void {
    this.records[eid] = undefined;
  }

  /** A restore's rows: the id index as dumped, and the entities whose records wait to be made. */
  restore(ids: IdIndexDump, rows: PendingRows): void {
    if (this.ids.size !== 0 || this.rows !== null) throw new TsworldError('INVALID_STATE', 'a directory is restored only while empty');
    this.index = new IdIndex(ids);
    this.rows = rows;
    // Dense from the start: records placed at scattered eids would otherwise turn the array into a
    // dictionary (a hash lookup on every `at`, measured at ~10 ms a restore in the AOI rebuild alone).
    this.records = new Array<EntityRecord | undefined>(ids.listed.length).fill(undefined);
  }

  /** The rows of a restore (for the dump, which reads pending entities without making records). */
  get pendingRows(): PendingRows | null {
    return this.rows;
  }

  /** Every listed entity's record, in eid order, made where pending. */
  *values(): IterableIterator<EntityRecord> {
    for (const eid of this.ids.eids()) yield this.at(eid) as EntityRecord;
  }

  /** Every record by eid, destroyed ones not yet released included (in-place code swap rewrites them all). */
  *allRecords(): IterableIterator<EntityRecord> {
    const high = Math.max(this.records.length, this.ids.highWater);
    for (let eid = 1; eid < high; eid++) {
      const rec = this.at(eid);
      if (rec !== undefined) yield rec;
    }
  }
}
