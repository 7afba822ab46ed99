import { describe, expect, it } from 'vitest';
import { AoiEntityTable } from '../../../src/aoi/entity-table.ts';
import { nativeKernels } from '../../../src/aoi/grid-kernels-native.ts';
import { tsKernels } from '../../../src/aoi/grid-kernels-ts.ts';
import { GridLayout } from '../../../src/aoi/grid-layout.ts';
import { loadGridNative } from '../../../src/aoi/native-grid.ts';
import { mulberry32 } from '../../../src/testing/prng.ts';

const native = loadGridNative();

/** Every sorted column of a layout up to its count, and its index lists: what a sweep reads. */
function snapshot(L: GridLayout): Record<string, number[]> {
  const n = L.count;
  const cols = { sH: L.sH, sCell: L.sCell, sFlag: L.sFlag, qX: L.qX, qZ: L.qZ, sX: L.sX, sZ: L.sZ, sOX: L.sOX, sOZ: L.sOZ, sR2: L.sR2, sOR2: L.sOR2 };
  const out: Record<string, number[]> = Object.fromEntries(Object.entries(cols).map(([k, c]) => [k, Array.from(c.subarray(0, n))]));
  out.cellStart = Array.from(L.cellStart.subarray(0, L.width * L.height + 1));
  out.changedIdx = Array.from(L.changedIdx.subarray(0, L.changedCount));
  out.specialIdx = Array.from(L.specialIdx.subarray(0, L.specialCount));
  return out;
}

/**
 * The TypeScript build kernels are the reference for native/aoi-grid.cc: the same table, built by each
 * over many updates (all moving, a few moving, adds, removes, radius changes, long moves and big radii),
 * must give the same layout entry for entry, not only the same events.
 */
describe.skipIf(native === null)('TypeScript and C++ build kernels', () => {
  it('build identical layouts update after update', () => {
    const rand = mulberry32(77);
    const t = new AoiEntityTable('agree');
    const ts = new GridLayout(200, 50, 100, tsKernels);
    const cc = new GridLayout(200, 50, 100, nativeKernels(native!));
    for (let h = 0; h < 600; h++) t.add(h, rand() * 3000, rand() * 3000, 100);
    for (let update = 0; update < 60; update++) {
      // Mostly all moving (the coherent scatter), every fifth update a few (the incremental one).
      const share = update % 5 === 4 ? 0.03 : 1;
      for (let h = 0; h < t.limit; h++) {
        if (!t.has(h) || rand() >= share) continue;
        const step = rand() < 0.01 ? 400 : 5;
        t.move(h, Math.max(0, t.nx[h] + (rand() - 0.5) * step), Math.max(0, t.nz[h] + (rand() - 0.5) * step));
      }
      if (update % 7 === 3) {
        const gone = Math.floor(rand() * 600);
        if (t.has(gone)) t.remove(gone);
        if (!t.has(600 + update)) t.add(600 + update, rand() * 3000, rand() * 3000, 100);
      }
      const resized = Math.floor(rand() * 600);
      if (update % 11 === 5 && t.has(resized)) t.setRadius(resized, rand() < 0.5 ? 500 : 60);
      ts.build(t);
      cc.build(t);
      expect(snapshot(cc), `update ${update}`).toEqual(snapshot(ts));
      t.commit();
    }
  });
});
