import type { EntityId } from '../../core/entity-id.ts';

/** A Map value: the handle in the low 16 bits, eid + 1 above them (0 there: eid not known yet). */
const EID_UNIT = 0x10000;

/**
 * One client view's entity → handle table, read like the Map it replaces (has, get, size, iteration in
 * insertion order). Its first entry sits in fields and a Map is made only for a second one: most
 * views of idle clients hold their player alone, and a Map with one entry costs ~180 bytes, one per
 * connected client. The inline entry, when there is one, is always the oldest, so iteration order is
 * the Map's: an entry added while the inline slot is empty but the Map is not goes to the Map.
 *
 * Each entry also remembers its entity's eid (-1 until known: a restored view learns it at the first
 * sync), so a position sync finds the entity by eid instead of hashing its id, per entry, per view,
 * every sync (a sixth of a game's CPU with AOI at 1000 players). Packed into the Map's number with the
 * handle, it costs no second Map.
 */
export class ViewHandles implements Iterable<[EntityId, number]> {
  private firstEntity: EntityId | null = null;
  private firstHandle = 0;
  private firstEid = -1;
  private more: Map<EntityId, number> | null = null;

  constructor(entries?: Iterable<readonly [EntityId, number]>) {
    if (entries !== undefined) for (const [entity, handle] of entries) this.set(entity, handle);
  }

  get size(): number {
    return (this.firstEntity === null ? 0 : 1) + (this.more?.size ?? 0);
  }

  has(entity: EntityId): boolean {
    return entity === this.firstEntity || (this.more !== null && this.more.has(entity));
  }

  get(entity: EntityId): number | undefined {
    if (entity === this.firstEntity) return this.firstHandle;
    const packed = this.more?.get(entity);
    // `& 0xffff` on a safe integer keeps its low 16 bits (ToInt32 is exact modulo 2^32).
    return packed === undefined ? undefined : packed & 0xffff;
  }

  /** Adds or replaces an entry; `eid` -1 when the caller does not know it. */
  set(entity: EntityId, handle: number, eid = -1): void {
    if (entity === this.firstEntity) {
      this.firstHandle = handle;
      this.firstEid = eid;
    } else if (this.firstEntity === null && (this.more === null || this.more.size === 0)) {
      this.firstEntity = entity;
      this.firstHandle = handle;
      this.firstEid = eid;
    } else {
      (this.more ??= new Map()).set(entity, handle + (eid + 1) * EID_UNIT);
    }
  }

  /** Records the eid of an entry already there (a restored view, found by id once). */
  learnEid(entity: EntityId, eid: number): void {
    const handle = this.get(entity);
    if (handle !== undefined) this.set(entity, handle, eid);
  }

  delete(entity: EntityId): boolean {
    if (entity === this.firstEntity) {
      this.firstEntity = null;
      return true;
    }
    const deleted = this.more !== null && this.more.delete(entity);
    // Back to no Map once it is empty: a view that saw others for a while returns to costing nothing.
    if (deleted && this.more!.size === 0) this.more = null;
    return deleted;
  }

  clear(): void {
    this.firstEntity = null;
    this.more = null;
  }

  /**
   * Every entry in iteration order, with its eid (-1 if not known), without the [entity, handle] pair
   * the iterator makes per entry. `fn` may learnEid the entry it is given.
   */
  forEach(fn: (handle: number, entity: EntityId, eid: number) => void): void {
    if (this.firstEntity !== null) fn(this.firstHandle, this.firstEntity, this.firstEid);
    this.more?.forEach((packed, entity) => {
      const handle = packed & 0xffff;
      fn(handle, entity, (packed - handle) / EID_UNIT - 1);
    });
  }

  keys(): EntityId[] {
    const out: EntityId[] = [];
    for (const [entity] of this) out.push(entity);
    return out;
  }

  [Symbol.iterator](): Iterator<[EntityId, number]> {
    const rest = new Unpacked(this.more === null ? EMPTY.entries() : this.more.entries());
    if (this.firstEntity === null) return rest;
    return new FirstThen([this.firstEntity, this.firstHandle], rest);
  }
}

const EMPTY: ReadonlyMap<EntityId, number> = new Map();

/** The Map's entries as [entity, handle], its eids left out. */
class Unpacked implements Iterator<[EntityId, number]> {
  constructor(private readonly packed: Iterator<[EntityId, number]>) {}

  next(): IteratorResult<[EntityId, number]> {
    const r = this.packed.next();
    if (r.done === true) return r;
    return { value: [r.value[0], r.value[1] & 0xffff], done: false };
  }
}

/** The inline entry, then the Map's: a class rather than a generator, since position syncs walk views every round. */
class FirstThen implements Iterator<[EntityId, number]> {
  private first: [EntityId, number] | null;

  constructor(
    first: [EntityId, number],
    private readonly rest: Iterator<[EntityId, number]>,
  ) {
    this.first = first;
  }

  next(): IteratorResult<[EntityId, number]> {
    const first = this.first;
    if (first === null) return this.rest.next();
    this.first = null;
    return { value: first, done: false };
  }
}
