import type { EntityId } from '../../core/entity-id.ts';

/**
 * One client view's entity → handle table, read like the Map it replaces (has, get, size, iteration in
 * insertion order). Its first entry sits in two fields and a Map is made only for a second one: most
 * views of idle clients hold their player alone, and a Map with one entry costs ~180 bytes, one per
 * connected client. The inline entry, when there is one, is always the oldest, so iteration order is
 * the Map's: an entry added while the inline slot is empty but the Map is not goes to the Map.
 */
export class ViewHandles implements Iterable<[EntityId, number]> {
  private firstEntity: EntityId | null = null;
  private firstHandle = 0;
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
    return this.more?.get(entity);
  }

  set(entity: EntityId, handle: number): void {
    if (entity === this.firstEntity) {
      this.firstHandle = handle;
    } else if (this.firstEntity === null && (this.more === null || this.more.size === 0)) {
      this.firstEntity = entity;
      this.firstHandle = handle;
    } else {
      (this.more ??= new Map()).set(entity, handle);
    }
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

  keys(): EntityId[] {
    const out: EntityId[] = [];
    for (const [entity] of this) out.push(entity);
    return out;
  }

  [Symbol.iterator](): Iterator<[EntityId, number]> {
    const rest = this.more === null ? EMPTY.entries() : this.more.entries();
    if (this.firstEntity === null) return rest;
    return new FirstThen([this.firstEntity, this.firstHandle], rest);
  }
}

const EMPTY: ReadonlyMap<EntityId, number> = new Map();

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
