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
    for (let step = 0; step < 5000; step++) {
      const entity = id(randInt(rand, 0, 6));
      const roll = rand();
      if (roll < 0.45) {
        const handle = randInt(rand, 1, 100);
        table.set(entity, handle);
        map.set(entity, handle);
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
    }
  });

  it('takes its entries from a dump, in order', () => {
    const pairs: [EntityId, number][] = [[id(3), 7], [id(1), 2], [id(2), 9]];
    expect([...new ViewHandles(pairs)]).toEqual(pairs);
  });
});
