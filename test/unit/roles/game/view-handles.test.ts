import { describe, expect, it } from 'vitest';
import type { EntityId } from '../../../../src/core/entity-id.ts';
import { ViewHandles } from '../../../../src/roles/game/view-handles.ts';
import { mulberry32, randInt } from '../../../../src/testing/prng.ts';

const id = (n: number) => `ent-${String(n).padStart(12, '0')}` as EntityId;

describe('a view handle table', () => {
  it('reads like a Map under any mix of sets and deletes, iteration order included', () => {
    const rand = mulberry32(13);
    const table = new ViewHandles();
    const map = new Map<EntityId, number>();
    const eids = new Map<EntityId, number>();
    for (let step = 0; step < 5000; step++) {
      const entity = id(randInt(rand, 0, 6));
      const roll = rand();
      if (roll < 0.45) {
        // Handles up to the u16 limit, eids up to 2^24 (packed above the handle) or unknown (-1).
        const handle = randInt(rand, 1, 0xffff);
        const eid = rand() < 0.2 ? -1 : randInt(rand, 0, 1 << 24);
        table.set(entity, handle, eid);
        map.set(entity, handle);
        eids.set(entity, eid);
      } else if (roll < 0.55 && map.has(entity)) {
        const eid = randInt(rand, 0, 1 << 24);
        table.learnEid(entity, eid);
        eids.set(entity, eid);
      } else if (roll < 0.9) {
        expect(table.delete(entity)).toBe(map.delete(entity));
      } else if (roll < 0.93) {
        table.clear();
        map.clear();
      }
      expect(table.size).toBe(map.size);
      expect(table.has(entity)).toBe(map.has(entity));
      expect(table.get(entity)).toBe(map.get(entity));
      expect([...table]).toEqual([...map]);
      expect(table.keys()).toEqual([...map.keys()]);
      const walked: [EntityId, number, number][] = [];
      table.forEach((handle, e, eid) => walked.push([e, handle, eid]));
      expect(walked).toEqual([...map].map(([e, handle]) => [e, handle, eids.get(e)]));
    }
  });

  it('takes its entries from a dump, in order', () => {
    const pairs: [EntityId, number][] = [[id(3), 7], [id(1), 2], [id(2), 9]];
    expect([...new ViewHandles(pairs)]).toEqual(pairs);
  });

  it('lets forEach record an eid it found while walking, without changing the order', () => {
    const table = new ViewHandles([[id(1), 5], [id(2), 6], [id(3), 7]]);
    table.forEach((_handle, e, eid) => {
      expect(eid).toBe(-1);
      table.learnEid(e, Number(e.slice(-1)) * 1000);
    });
    const walked: [EntityId, number, number][] = [];
    table.forEach((handle, e, eid) => walked.push([e, handle, eid]));
    expect(walked).toEqual([[id(1), 5, 1000], [id(2), 6, 2000], [id(3), 7, 3000]]);
  });
});
