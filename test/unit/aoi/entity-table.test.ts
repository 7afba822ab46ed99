import { describe, expect, it } from 'vitest';
import { AoiEntityTable } from '../../../src/aoi/entity-table.ts';

describe('AoiEntityTable', () => {
  it('records intent apart from the committed state until commit', () => {
    const t = new AoiEntityTable('test');
    t.add(3, 1.1, 2, 10);
    expect(t.has(3)).toBe(true);
    expect(t.committed(3)).toBe(false);
    expect(t.nx[3]).toBe(Math.fround(1.1));
    t.commit();
    expect(t.committed(3)).toBe(true);
    expect(t.ox[3]).toBe(Math.fround(1.1));
    t.move(3, 5, 6);
    expect(t.ox[3]).toBe(Math.fround(1.1));
    expect(t.nx[3]).toBe(5);
  });

  it('lists a handle once per update however often it changes, and a removed one stays committed', () => {
    const t = new AoiEntityTable('test');
    t.add(1, 0, 0, 1);
    t.commit();
    t.move(1, 1, 1);
    t.setRadius(1, 2);
    t.remove(1);
    t.add(1, 4, 4, 3);
    expect(t.changedCount).toBe(1);
    expect(Array.from(t.changed.subarray(0, t.changedCount))).toEqual([1]);
    t.remove(1);
    expect(t.has(1)).toBe(false);
    expect(t.committed(1)).toBe(true);
    expect(t.size).toBe(0);
    t.commit();
    expect(t.committed(1)).toBe(false);
    expect(t.changedCount).toBe(0);
  });

  it('grows past its initial capacity for large handles', () => {
    const t = new AoiEntityTable('test');
    t.add(100_000, 1, 2, 3);
    expect(t.capacity).toBeGreaterThan(100_000);
    expect(t.limit).toBe(100_001);
    expect(t.has(99_999)).toBe(false);
  });
});
