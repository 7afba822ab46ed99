import { $internal, addComponent, addEntity, registerComponent, removeEntity, type InternalWorld, type World } from 'bitecs';

/*
 * Restore-time bulk population of a FRESH bitecs world. The public calls cost about a microsecond
 * each (existence checks, several map lookups, query bookkeeping); a restore makes 100k entities and
 * 300k component adds, all before any query exists. With no queries or observers registered, the
 * public calls reduce to what is written here: the entity index, the per-entity component sets and
 * the component bit masks, all typed in bitecs' exported WorldContext. Any world that is not fresh
 * (queries, observers, versioning, existing entities) takes the public calls instead.
 *
 * bitecs keeps one Set of components per entity, which a restore would build 100k of and few are
 * ever read: the bulk path installs LazyComponentSets, which holds one shared component list per
 * entity and makes that entity's Set only when bitecs (or anyone) asks for it.
 */

type Ref = object;

/**
 * bitecs' eid → component Set map, with bulk-loaded entries kept as shared lists until first read.
 * Every Map method bitecs or a caller may use sees the same contents as an eager map would.
 */
export class LazyComponentSets extends Map<number, Set<Ref>> {
  /** eid → its components, for entries not made into a Set yet. Lists are shared: never mutated. */
  private pending: (readonly Ref[] | undefined)[] = [];
  private pendingCount = 0;

  /** Puts `eid` in the map with `refs` (not copied: the caller must not change the list). */
  setPending(eid: number, refs: readonly Ref[]): void {
    if (this.pending[eid] === undefined) {
      super.delete(eid);
      this.pendingCount++;
    }
    this.pending[eid] = refs;
  }

  /** Replaces every pending list at once: `pending[eid]` for eids 1..count (the array is taken over). */
  adoptPending(pending: (readonly Ref[] | undefined)[], count: number): void {
    if (super.size > 0 || this.pendingCount !== count) throw new Error('bitecs bulk load: adoptPending needs a map of exactly the pending eids 1..count');
    this.pending = pending;
  }

  /** Makes eids 1..count pending with `refs`, on a map that is still empty (one fill, not count calls). */
  fillPending(count: number, refs: readonly Ref[]): void {
    if (super.size > 0 || this.pendingCount > 0) {
      for (let eid = 1; eid <= count; eid++) this.setPending(eid, refs);
      return;
    }
    this.pending = new Array<readonly Ref[] | undefined>(count + 1).fill(refs);
    this.pending[0] = undefined;
    this.pendingCount = count;
  }

  /** The pending list of `eid`, or undefined if it has none (absent or already a Set). */
  pendingOf(eid: number): readonly Ref[] | undefined {
    return this.pending[eid];
  }

  private materialize(eid: number): void {
    const refs = this.pending[eid];
    if (refs === undefined) return;
    this.pending[eid] = undefined;
    this.pendingCount--;
    super.set(eid, new Set(refs));
  }

  private materializeAll(): void {
    if (this.pendingCount === 0) return;
    for (let eid = 0; eid < this.pending.length; eid++) this.materialize(eid);
  }

  override get(eid: number): Set<Ref> | undefined {
    this.materialize(eid);
    return super.get(eid);
  }
  override has(eid: number): boolean {
    return this.pending[eid] !== undefined || super.has(eid);
  }
  override set(eid: number, set: Set<Ref>): this {
    if (this.pending[eid] !== undefined) {
      this.pending[eid] = undefined;
      this.pendingCount--;
    }
    return super.set(eid, set);
  }
  override delete(eid: number): boolean {
    if (this.pending[eid] !== undefined) {
      this.pending[eid] = undefined;
      this.pendingCount--;
      return true;
    }
    return super.delete(eid);
  }
  override clear(): void {
    this.pending.length = 0;
    this.pendingCount = 0;
    super.clear();
  }
  override get size(): number {
    return super.size + this.pendingCount;
  }
  override keys(): MapIterator<number> {
    this.materializeAll();
    return super.keys();
  }
  override values(): MapIterator<Set<Ref>> {
    this.materializeAll();
    return super.values();
  }
  override entries(): MapIterator<[number, Set<Ref>]> {
    this.materializeAll();
    return super.entries();
  }
  override [Symbol.iterator](): MapIterator<[number, Set<Ref>]> {
    return this.entries();
  }
  override forEach(fn: (value: Set<Ref>, key: number, map: Map<number, Set<Ref>>) => void, thisArg?: unknown): void {
    this.materializeAll();
    super.forEach(fn, thisArg);
  }
}

function contextOf(ecs: World) {
  return (ecs as InternalWorld)[$internal];
}

function pristine(ecs: World): boolean {
  const ctx = contextOf(ecs);
  return ctx.queries.size === 0 && ctx.notQueries.size === 0 && ctx.entitiesWithRelations.size === 0;
}

/** Adds eids 1..count to a world that has never had an entity; returns false if it took the public path. */
export function bulkAddEntities(ecs: World, count: number): boolean {
  const ctx = contextOf(ecs);
  const index = ctx.entityIndex;
  if (!pristine(ecs) || index.maxId !== 0 || index.dense.length !== 0 || index.versioning) {
    for (let i = 0; i < count; i++) addEntity(ecs);
    return false;
  }
  const { dense, sparse } = index;
  const sets = new LazyComponentSets();
  for (let eid = 1; eid <= count; eid++) {
    dense.push(eid);
    sparse[eid] = eid - 1;
  }
  sets.fillPending(count, []);
  ctx.entityComponents = sets;
  index.aliveCount = count;
  index.maxId = count;
  return true;
}

/** Adds the same components to each of `eids` (which must exist and not have them yet). */
export function bulkAddComponents(ecs: World, eids: readonly number[], refs: readonly object[]): void {
  const ctx = contextOf(ecs);
  if (!pristine(ecs)) {
    for (const eid of eids) for (const ref of refs) addComponent(ecs, eid, ref);
    return;
  }
  const bits = new Map<number, number>();
  for (const ref of refs) {
    const data = ctx.componentMap.get(ref) ?? registerComponent(ecs, ref);
    bits.set(data.generationId, (bits.get(data.generationId) ?? 0) | data.bitflag);
  }
  const sets = ctx.entityComponents;
  const lazy = sets instanceof LazyComponentSets ? sets : null;
  const gens = [...bits].map(([generation, mask]) => ({ masks: ctx.entityMasks[generation], mask }));
  // Entities that had the same list get the same longer list: one array per distinct combination.
  const extended = new Map<readonly Ref[], readonly Ref[]>();
  // Consecutive entities nearly always had the same list: the last pair is checked before the map.
  let lastBefore: readonly Ref[] | undefined;
  let lastAfter: readonly Ref[] = [];
  // One indexed pass per entity: a restore runs this on a cold process, where every extra pass shows.
  for (let i = 0; i < eids.length; i++) {
    const eid = eids[i];
    const before = lazy?.pendingOf(eid);
    if (before === undefined) {
      const set = sets.get(eid);
      if (set === undefined) throw new Error(`bitecs bulk load: entity ${eid} does not exist`);
      for (const ref of refs) set.add(ref);
    } else {
      if (before !== lastBefore) {
        let after = extended.get(before);
        if (after === undefined) {
          after = [...before, ...refs.filter((ref) => !before.includes(ref))];
          extended.set(before, after);
        }
        lastBefore = before;
        lastAfter = after;
      }
      (lazy as LazyComponentSets).setPending(eid, lastAfter);
    }
    for (let g = 0; g < gens.length; g++) gens[g].masks[eid] |= gens[g].mask;
  }
}

/**
 * A restore's whole entity population in one pass: eids 1..listed.length-1 exist, each listed eid
 * with the components of `groups[groupOf[eid]]`, every other one removed (its slot freed for reuse, as
 * bitecs would after removeEntity). Same result as bulkAddEntities plus one bulkAddComponents per
 * group, without a method call per entity per group (a cold successor process pays for each).
 */
export function bulkRestoreEntities(ecs: World, listed: Uint8Array, groupOf: Uint32Array, groups: readonly (readonly object[])[]): void {
  const count = listed.length - 1;
  if (!bulkAddEntities(ecs, count)) {
    groups.forEach((refs, g) => bulkAddComponents(ecs, eidsWhere(listed, groupOf, g), refs));
    removeUnlisted(ecs, listed);
    return;
  }
  const ctx = contextOf(ecs);
  const lists = groups.map((refs) => [...new Set(refs)] as readonly Ref[]);
  // Per group, its (mask array, bits) pairs: usually one generation of masks.
  const masks = groups.map((refs) => {
    const bits = new Map<number, number>();
    for (const ref of refs) {
      const data = ctx.componentMap.get(ref) ?? registerComponent(ecs, ref);
      bits.set(data.generationId, (bits.get(data.generationId) ?? 0) | data.bitflag);
    }
    return [...bits].map(([generation, mask]) => ({ masks: ctx.entityMasks[generation], mask }));
  });
  const pending = new Array<readonly Ref[] | undefined>(count + 1).fill([]);
  pending[0] = undefined;
  for (let eid = 1; eid <= count; eid++) {
    if (listed[eid] !== 1) continue;
    const g = groupOf[eid];
    pending[eid] = lists[g];
    const m = masks[g];
    for (let k = 0; k < m.length; k++) m[k].masks[eid] |= m[k].mask;
  }
  (ctx.entityComponents as LazyComponentSets).adoptPending(pending, count);
  removeUnlisted(ecs, listed);
}

function eidsWhere(listed: Uint8Array, groupOf: Uint32Array, g: number): number[] {
  const eids: number[] = [];
  for (let eid = 1; eid < listed.length; eid++) if (listed[eid] === 1 && groupOf[eid] === g) eids.push(eid);
  return eids;
}

/** Holes, highest first: bitecs then hands the lowest freed eid out first, as a world that removed them would. */
function removeUnlisted(ecs: World, listed: Uint8Array): void {
  for (let eid = listed.length - 1; eid >= 1; eid--) if (listed[eid] !== 1) removeEntity(ecs, eid);
}

/**
 * hasComponent with the lookups hoisted: a test for one component over many eids (a restore's AOI
 * rebuild asks it of every entity). Reads the world's masks as they are when called.
 */
export function componentTest(ecs: World, ref: object): (eid: number) => boolean {
  const ctx = contextOf(ecs);
  const data = ctx.componentMap.get(ref);
  if (data === undefined) return () => false;
  const { generationId, bitflag } = data;
  return (eid) => ((ctx.entityMasks[generationId][eid] ?? 0) & bitflag) === bitflag;
}
