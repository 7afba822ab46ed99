import {
  addComponent,
  addEntity,
  createWorld,
  entityExists,
  getAllEntities,
  getEntityComponents,
  hasComponent,
  query,
  removeComponent,
  removeEntity,
  type World,
} from 'bitecs';
import { describe, expect, it } from 'vitest';
import { bulkAddComponents, bulkAddEntities, bulkRestoreEntities } from '../../../src/core/ecs-bulk.ts';

const A = { name: 'A' };
const B = { name: 'B' };
const C = { name: 'C' };

/** The same world built through the public calls and through the bulk path must behave the same. */
function build(bulk: boolean, n: number, holes: number[]): World {
  const w = createWorld();
  if (bulk) bulkAddEntities(w, n);
  else for (let i = 0; i < n; i++) addEntity(w);
  for (const eid of holes) removeEntity(w, eid);
  const live = Array.from({ length: n }, (_, i) => i + 1).filter((e) => !holes.includes(e));
  const evens = live.filter((e) => e % 2 === 0);
  if (bulk) {
    bulkAddComponents(w, live, [A, B]);
    bulkAddComponents(w, evens, [C]);
  } else {
    for (const e of live) {
      addComponent(w, e, A);
      addComponent(w, e, B);
    }
    for (const e of evens) addComponent(w, e, C);
  }
  return w;
}

describe('bitecs bulk population', () => {
  it('gives the same entities, components, queries, recycling and removals as the public calls', () => {
    const holes = [3, 7, 20];
    const pub = build(false, 40, holes);
    const bulk = build(true, 40, holes);
    for (let eid = 0; eid <= 45; eid++) {
      expect(entityExists(bulk, eid), `exists ${eid}`).toBe(entityExists(pub, eid));
      for (const c of [A, B, C]) expect(hasComponent(bulk, eid, c), `${c.name} on ${eid}`).toBe(hasComponent(pub, eid, c));
    }
    const sorted = (a: ArrayLike<number>) => Array.from(a).sort((x, y) => x - y);
    expect(sorted(query(bulk, [A, C]))).toEqual(sorted(query(pub, [A, C])));
    expect(sorted(query(bulk, [B]))).toHaveLength(37);
    // Freed eids are recycled in the same order, then fresh ones follow.
    const next = (w: World) => [addEntity(w), addEntity(w), addEntity(w), addEntity(w)];
    expect(next(bulk)).toEqual(next(pub));
    // Queries created above stay live through later changes.
    for (const w of [pub, bulk]) {
      removeComponent(w, 4, C);
      removeEntity(w, 6);
      addComponent(w, 5, C);
    }
    expect(sorted(query(bulk, [A, C]))).toEqual(sorted(query(pub, [A, C])));
    expect(query(bulk, [A, C])).not.toContain(4);
  });

  it('falls back to the public calls on a world that already has entities or queries', () => {
    const w = createWorld();
    addEntity(w);
    query(w, [A]);
    expect(bulkAddEntities(w, 3)).toBe(false);
    bulkAddComponents(w, [2, 3], [A]);
    expect([...query(w, [A])].sort()).toEqual([2, 3]);
  });
  it('makes per-entity component sets on demand with the same contents as the public calls', () => {
    const holes = [2, 9];
    const pub = build(false, 12, holes);
    const bulk = build(true, 12, holes);
    const comps = (w: World, eid: number) => getEntityComponents(w, eid).map((c) => (c as { name: string }).name).sort();
    // One entity read (and changed) before the rest, so both the lazy and the made sets are compared.
    for (const w of [pub, bulk]) {
      addComponent(w, 5, C);
      removeComponent(w, 4, A);
    }
    expect(comps(bulk, 5)).toEqual(['A', 'B', 'C']);
    expect(comps(bulk, 4)).toEqual(['B', 'C']);
    removeEntity(bulk, 7);
    removeEntity(pub, 7);
    expect([...getAllEntities(bulk)].sort((x, y) => x - y)).toEqual([...getAllEntities(pub)].sort((x, y) => x - y));
    for (const eid of getAllEntities(pub)) expect(comps(bulk, eid), `components of ${eid}`).toEqual(comps(pub, eid));
    expect(addEntity(bulk)).toBe(addEntity(pub));
  });

  it('restores a whole population in one pass as the public calls would build it', () => {
    const holes = [1, 3, 7, 20, 40];
    const listed = new Uint8Array(41);
    const groupOf = new Uint32Array(41);
    for (let eid = 1; eid <= 40; eid++) {
      listed[eid] = holes.includes(eid) ? 0 : 1;
      groupOf[eid] = eid % 2 === 0 ? 1 : 0;
    }
    for (const prepared of [false, true]) {
      // Holes removed highest first, as the restore does: the lowest freed eid is handed out first.
      const pub = build(false, 40, [...holes].reverse());
      const w = createWorld();
      // A world that already has a query takes the public calls; the result must be the same.
      if (prepared) query(w, [B]);
      bulkRestoreEntities(w, listed, groupOf, [[A, B], [A, B, C]]);
      const comps = (x: World, eid: number) => getEntityComponents(x, eid).map((c) => (c as { name: string }).name).sort();
      for (let eid = 0; eid <= 42; eid++) {
        expect(entityExists(w, eid), `exists ${eid}`).toBe(entityExists(pub, eid));
        if (entityExists(pub, eid)) expect(comps(w, eid), `components of ${eid}`).toEqual(comps(pub, eid));
      }
      const sorted = (a: ArrayLike<number>) => Array.from(a).sort((x, y) => x - y);
      expect(sorted(query(w, [A, C]))).toEqual(sorted(query(pub, [A, C])));
      expect([addEntity(w), addEntity(w), addEntity(w)]).toEqual([addEntity(pub), addEntity(pub), addEntity(pub)]);
    }
  });
});
