import { describe, expect, it } from 'vitest';
import { AoiEntityTable } from '../../../src/aoi/entity-table.ts';
import { createGridAoi, loadNativeGridAoi } from '../../../src/aoi/grid-aoi.ts';

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

  it('commits the same state by whole columns (many changed) as by the changed list (few)', () => {
    // 3 of 64 changed (the loop), then 41 of 64 (the column copies); each checked against the changed
    // list applied by hand.
    const edits = [
      (t: AoiEntityTable): void => {
        t.move(5, 50, 51);
        t.remove(9);
        t.setRadius(20, 7);
      },
      (t: AoiEntityTable): void => {
        for (let h = 10; h < 50; h++) if (h !== 30) t.move(h, h * 2, h * 3);
        t.remove(30);
        t.add(9, 1, 2, 3);
      },
    ];
    const state = (t: AoiEntityTable): unknown[] =>
      [t.oPresent, t.ox, t.oz, t.or, t.changedFlag].map((c) => Array.from(c.subarray(0, t.limit)));
    const t = new AoiEntityTable('test');
    for (let h = 0; h < 64; h++) t.add(h, h, -h, 1 + (h % 3));
    t.commit();
    const byColumns: boolean[] = [];
    for (const edit of edits) {
      edit(t);
      byColumns.push(t.commitsColumns());
      const o = state(t) as number[][];
      for (const h of t.changed.subarray(0, t.changedCount)) {
        o[0][h] = t.nPresent[h];
        o[1][h] = t.nx[h];
        o[2][h] = t.nz[h];
        o[3][h] = t.nr[h];
        o[4][h] = 0;
      }
      t.commit();
      expect(state(t)).toEqual(o);
      expect(t.changedCount).toBe(0);
    }
    expect(byColumns).toEqual([false, true]);
    expect(t.committed(9)).toBe(true);
    expect(t.committed(30)).toBe(false);
    // Moved in the second update, its radius from the first kept.
    expect(t.ox[20]).toBe(40);
    expect(t.or[20]).toBe(7);
  });

  it('grows past its initial capacity for large handles', () => {
    const t = new AoiEntityTable('test');
    t.add(100_000, 1, 2, 3);
    expect(t.capacity).toBeGreaterThan(100_000);
    expect(t.limit).toBe(100_001);
    expect(t.has(99_999)).toBe(false);
  });

  it('moveMany moves from columns indexed by handle, skips unchanged positions and lists each handle once', () => {
    const t = new AoiEntityTable('test');
    for (const h of [0, 1, 2]) t.add(h, h, 0, 5);
    t.commit();
    const xs = new Float32Array([0, 7.3, 2]);
    const zs = new Float32Array([0, 1, 0]);
    t.moveMany(Int32Array.from([0, 1, 2]), 3, xs, zs);
    // Only handle 1 moved; 0 and 2 are where they were recorded.
    expect(Array.from(t.changed.subarray(0, t.changedCount))).toEqual([1]);
    expect(t.nx[1]).toBe(Math.fround(7.3));
    t.moveMany([1, 1], 2, xs, zs);
    expect(t.changedCount).toBe(1);
  });

  it('moveMany throws at the first unknown handle or bad coordinate, keeping the moves before it', () => {
    const t = new AoiEntityTable('test');
    t.add(0, 0, 0, 5);
    t.add(1, 0, 0, 5);
    t.commit();
    const xs = new Float64Array([4, Number.NaN, 0, 0, 0, 0, 0, 0, 0, 0]);
    const zs = new Float64Array(10);
    expect(() => t.moveMany([0, 1], 2, xs, zs)).toThrow(/finite|INVALID/i);
    expect(Array.from(t.changed.subarray(0, t.changedCount))).toEqual([0]);
    expect(t.nx[1]).toBe(0);
    expect(() => t.moveMany([9], 1, xs, zs)).toThrow(/9/);
    expect(t.changedCount).toBe(1);
  });
});

describe('the native grid moveMany', () => {
  const native = loadNativeGridAoi();
  it.skipIf(native === null)('applies the entries before a bad one and throws for it, as the TypeScript path does', () => {
    for (const factory of [native!, createGridAoi]) {
      const aoi = factory({ defaultRadius: 10 });
      aoi.add(0, 0, 0, 10);
      aoi.add(1, 50, 0, 10);
      aoi.update();
      const xs = new Float32Array([5, Number.NaN]);
      const zs = new Float32Array(2);
      expect(() => aoi.moveMany(Int32Array.from([0, 1]), 2, xs, zs)).toThrow(/finite|INVALID/i);
      // Handle 0 moved: entering 1's view needs x within 10 of 50; it did not, so no events, but queries see it.
      aoi.update();
      expect(aoi.queryRadius(5, 0, 0.5)).toEqual([0]);
      // A handle past the columns' end has no position: refused, never read out of bounds.
      expect(() => aoi.moveMany(Int32Array.from([1]), 1, new Float32Array(1), new Float32Array(1))).toThrow();
      expect(() => aoi.moveMany(Int32Array.from([7]), 1, xs, zs)).toThrow(/7/);
    }
  });
});
