import { describe, expect, it } from 'vitest';
import { AoiEntityTable } from '../../../src/aoi/entity-table.ts';
import { nativeKernels } from '../../../src/aoi/grid-kernels-native.ts';
import { tsKernels } from '../../../src/aoi/grid-kernels-ts.ts';
import { GridLayout } from '../../../src/aoi/grid-layout.ts';
import { loadGridNative } from '../../../src/aoi/native-grid.ts';
import { mulberry32 } from '../../../src/testing/prng.ts';

const native = loadGridNative();

/**
 * A table with every case classify tells apart, mixed so that blocks of eight are sometimes all common
 * (the vector path) and sometimes not: absent handles, added and removed ones, radii at and around the
 * big-radius cut, moves at and around the fast-move cut, unchanged handles.
 */
function table(seed: number, n: number, big: number, fast: number): AoiEntityTable {
  const rand = mulberry32(seed);
  const t = new AoiEntityTable('test');
  const radius = () => {
    const p = rand();
    if (p < 0.8) return 10;
    if (p < 0.86) return 12;
    if (p < 0.9) return 7;
    return p < 0.93 ? big : p < 0.96 ? Math.fround(big) : p < 0.98 ? big * 1.5 : 0;
  };
  for (let h = 0; h < n; h++) if (rand() < 0.97) t.add(h, rand() * 1000 - 500, rand() * 1000 - 500, radius());
  t.commit();
  for (let h = 0; h < n; h++) {
    if (!t.has(h)) {
      if (rand() < 0.2) t.add(h, rand() * 100, rand() * 100, radius());
      continue;
    }
    const p = rand();
    if (p < 0.02) t.remove(h);
    else if (p < 0.7) {
      // Moves of every length around the cut, exactly at it included (3-4-5 scaled).
      const step = rand() < 0.1 ? fast : rand() < 0.05 ? fast * 3 : rand() * fast;
      t.move(h, t.nx[h] + step * 0.6, t.nz[h] + step * 0.8);
    } else if (p < 0.8) t.setRadius(h, radius());
  }
  return t;
}

/** classify's outputs for a space of default radius `base` (big radius 2x, fast move 0.5x, as grid-aoi.ts). */
function classifyWith(kernels: typeof tsKernels, t: AoiEntityTable, base = 10): { stats: number[]; hCell: number[]; bigs: number[] } {
  const L = new GridLayout(2 * base, 0.5 * base, base, kernels);
  L.hCell = new Int32Array(t.capacity);
  L.bigHandles = new Int32Array(t.capacity);
  kernels.classify(t, L);
  const stats = [...L.stats.subarray(0, 5), L.sweepRadius, L.maxMove, L.smallRadius, L.bigCount, L.uniformRadius];
  return { stats, hCell: [...L.hCell.subarray(0, t.limit)], bigs: [...L.bigHandles.subarray(0, L.bigCount)] };
}

describe.skipIf(native === null)('native classify', () => {
  it('gives the TypeScript classify results at every vector level, block path or not', () => {
    const levels = [0, ...Array.from({ length: native!.simdLevel() }, (_, k) => k + 1)];
    for (const [seed, n] of [[1, 1000], [2, 4096], [3, 37], [4, 8], [5, 20_000]] as const) {
      const t = table(seed, n, 20, 5);
      const want = classifyWith(tsKernels, t);
      for (const level of levels) {
        expect(classifyWith(nativeKernels(native!, level), t), `seed ${seed}, level ${level}`).toEqual(want);
      }
    }
  });

  it('gives the same results on a uniform crowd, where every block takes the vector path', () => {
    const rand = mulberry32(9);
    const t = new AoiEntityTable('test');
    for (let h = 0; h < 10_000; h++) t.add(h, rand() * 10_000, rand() * 10_000, 100);
    t.commit();
    for (let h = 0; h < 10_000; h += 2) t.move(h, t.nx[h] + rand() * 3, t.nz[h] - rand() * 3);
    const want = classifyWith(tsKernels, t, 100);
    expect(want.stats[9]).toBe(100);
    expect(classifyWith(nativeKernels(native!), t, 100)).toEqual(want);
    // Each extreme only in one lane of one block, on the side (old or new) and in the half of the block
    // where a vector reduction could drop it: the largest and smallest radius on the new side, the
    // longest move in the upper four lanes.
    t.setRadius(5, 130);
    t.setRadius(17, 60);
    t.move(37, t.nx[37] + 40, t.nz[37] + 30);
    const edited = classifyWith(tsKernels, t, 100);
    expect(edited.stats.slice(5, 8)).toEqual([130, 50, 130]);
    expect(classifyWith(nativeKernels(native!), t, 100)).toEqual(edited);
    // A radius only on the old side: every new radius is 100 again, and one old one is 40, so the crowd
    // is not uniform (a sweep taking it as uniform would test that entity's before-state with 100).
    t.commit();
    t.setRadius(5, 100);
    t.setRadius(17, 100);
    t.setRadius(21, 40);
    t.commit();
    t.setRadius(21, 100);
    const oldSide = classifyWith(tsKernels, t, 100);
    expect(oldSide.stats[9]).toBe(-1);
    expect(classifyWith(nativeKernels(native!), t, 100)).toEqual(oldSide);
  });
});
