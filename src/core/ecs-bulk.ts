import { $internal, addComponent, addEntity, registerComponent, type InternalWorld, type World } from 'bitecs';

/*
 * Restore-time bulk population of a FRESH bitecs world. The public calls cost about a microsecond
 * each (existence checks, several map lookups, query bookkeeping); a restore makes 100k entities and
 * 300k component adds, all before any query exists. With no queries or observers registered, the
 * public calls reduce to what is written here: the entity index, the per-entity component sets and
 * the component bit masks, all typed in bitecs' exported WorldContext. Any world that is not fresh
 * (queries, observers, versioning, existing entities) takes the public calls instead.
 */

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
  const sets = ctx.entityComponents;
  for (let eid = 1; eid <= count; eid++) {
    dense.push(eid);
    sparse[eid] = eid - 1;
    sets.set(eid, new Set());
  }
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
  for (const [generation, mask] of bits) {
    const masks = ctx.entityMasks[generation];
    for (const eid of eids) masks[eid] |= mask;
  }
  for (const eid of eids) {
    const set = sets.get(eid);
    if (set === undefined) throw new Error(`bitecs bulk load: entity ${eid} does not exist`);
    for (const ref of refs) set.add(ref);
  }
}
