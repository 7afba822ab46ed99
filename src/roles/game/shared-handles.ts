import type { EntityId } from '../../core/entity-id.ts';

/**
 * Handles below this are the game's: one per entity, the same in every client view that holds it, so a
 * space's position records can be encoded once and sent to every client that sees the whole space
 * (outbound-shared.ts). Handles from here up to 0xffff are each view's own, for an entity whose shared
 * handle it cannot use (none left, or a snapshot of older numbering).
 */
export const PRIVATE_HANDLE_MIN = 0xc000;

/**
 * The game's shared handles, counted by how many views hold each: a handle goes back to the free list
 * only once no view holds it and its entity is gone, so two entities never share one in any view.
 */
export interface SharedHandles {
  /** The entity's shared handle, assigned now if it has none; -1 when all are taken. */
  take(entity: EntityId): number;
  /** The entity's shared handle, or -1: never assigns one. */
  peek(entity: EntityId): number;
  /** A view started (`+1`) or stopped (`-1`) using handle `h` for `entity`. */
  use(h: number, delta: 1 | -1): void;
  /** Releases the handles of entities `alive` says are gone and that no view holds any more. */
  sweep(alive: (entity: EntityId) => boolean): void;
  /** Rebuilds the table from restored views' (entity, handle) pairs; returns the pairs that are not aligned. */
  restore(pairs: Iterable<readonly [EntityId, number]>): Set<string>;
  readonly size: number;
}

export function createSharedHandles(): SharedHandles {
  const byEntity = new Map<EntityId, number>();
  // Indexed by handle: how many views hold it, and whether views hold it for different entities (a
  // restored older numbering), which keeps it from being given out until none does.
  const refs = new Uint32Array(PRIVATE_HANDLE_MIN);
  const poisoned = new Uint8Array(PRIVATE_HANDLE_MIN);
  const free: number[] = [];
  let next = 1;
  const release = (h: number) => {
    poisoned[h] = 0;
    free.push(h);
  };
  return {
    take(entity) {
      const have = byEntity.get(entity);
      if (have !== undefined) return have;
      const h = free.pop() ?? (next < PRIVATE_HANDLE_MIN ? next++ : -1);
      if (h === -1) return -1;
      byEntity.set(entity, h);
      return h;
    },
    peek: (entity) => byEntity.get(entity) ?? -1,
    use(h, delta) {
      if (h <= 0 || h >= PRIVATE_HANDLE_MIN) return;
      refs[h] += delta;
      if (refs[h] === 0 && poisoned[h] === 1) release(h);
    },
    sweep(alive) {
      for (const [entity, h] of byEntity) {
        if (refs[h] > 0 || alive(entity)) continue;
        byEntity.delete(entity);
        release(h);
      }
    },
    restore(pairs) {
      return restoreTable(pairs, { byEntity, refs, poisoned, free, setNext: (n) => (next = n) });
    },
    get size() {
      return byEntity.size;
    },
  };
}

interface Table {
  byEntity: Map<EntityId, number>;
  refs: Uint32Array;
  poisoned: Uint8Array;
  free: number[];
  setNext(n: number): void;
}

/**
 * A handle is the entity's shared one when every view that holds the handle holds it for that entity and
 * the entity has no other handle in the shared range; anything else (a snapshot numbered per client)
 * is poisoned until no view holds it. Returns `${entity} ${handle}` for every pair that is not aligned.
 */
function restoreTable(pairs: Iterable<readonly [EntityId, number]>, t: Table): Set<string> {
  const entitiesOf = new Map<number, Set<EntityId>>();
  const handlesOf = new Map<EntityId, Set<number>>();
  const misaligned = new Set<string>();
  let max = 0;
  for (const [entity, h] of pairs) {
    if (h <= 0 || h >= PRIVATE_HANDLE_MIN) {
      misaligned.add(`${entity} ${h}`);
      continue;
    }
    t.refs[h]++;
    max = Math.max(max, h);
    (entitiesOf.get(h) ?? entitiesOf.set(h, new Set()).get(h)!).add(entity);
    (handlesOf.get(entity) ?? handlesOf.set(entity, new Set()).get(entity)!).add(h);
  }
  for (const [h, entities] of entitiesOf) {
    const [entity] = entities;
    if (entities.size === 1 && handlesOf.get(entity!)!.size === 1) {
      t.byEntity.set(entity!, h);
      continue;
    }
    t.poisoned[h] = 1;
    for (const e of entities) misaligned.add(`${e} ${h}`);
  }
  for (let h = 1; h <= max; h++) if (t.refs[h] === 0) t.free.push(h);
  t.setNext(max + 1);
  return misaligned;
}
