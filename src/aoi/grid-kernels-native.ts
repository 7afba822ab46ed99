import type { AoiEntityTable } from './entity-table.ts';
import type { BackBuffers, BuildKernels } from './grid-kernels.ts';
import type { GridLayout } from './grid-layout.ts';
import type { GridNative } from './native-grid.ts';

/**
 * BuildKernels over the C++ addon: the argument lists mirror native/aoi-grid.cc. `simd` is the vector
 * level (-1: the addon's choice), so a pinned level pins the classify and scatter passes too.
 */
export function nativeKernels(native: GridNative, simd = -1): BuildKernels {
  // The scatters take the level last (0: their baseline build; else the SSE4.1 one where the CPU has it).
  const scatterArgs = (t: AoiEntityTable, L: GridLayout) => [t.limit, t.oPresent, t.nPresent, t.ox, t.oz, t.or, t.nx,
    t.nz, t.nr, t.changedFlag, L.hCell, L.cellStart, L.inv, L.cx0, L.cz0, L.width, L.width * L.height, L.sH, L.sCell,
    L.sFlag, L.qX, L.qZ, L.sX, L.sZ, L.sOX, L.sOZ, L.sR2, L.sOR2, L.changedIdx, L.specialIdx, L.count, L.stats];
  const lists = (L: GridLayout): boolean => {
    if (L.stats[0] < 0) return false;
    L.changedCount = L.stats[0];
    L.specialCount = L.stats[1];
    return true;
  };
  return {
    classify(t, L) {
      const st = L.stats;
      native.classify(t.limit, t.oPresent, t.nPresent, t.ox, t.oz, t.or, t.nx, t.nz, t.nr, t.changedFlag,
        L.hCell, L.bigHandles, L.bigRadius, L.fastMove * L.fastMove, st, simd);
      L.count = st[0];
      L.sweepRadius = st[5];
      L.uniformRadius = st[9] === st[5] ? st[5] : -1;
      L.maxMove = Math.sqrt(st[6]);
      L.smallRadius = st[7];
      L.bigCount = st[8];
    },
    scatter(t, L) {
      native.scatter(...scatterArgs(t, L), simd);
      lists(L);
    },
    scatterCoherent(t, L, back: BackBuffers, prevCount) {
      native.scatterCoherent(...scatterArgs(t, L), prevCount, back.pH, back.pQX, back.pQZ, back.pR2, t.changed,
        t.changedCount, back.work, back.seen, L.uniformRadius >= 0 ? L.uniformRadius * L.uniformRadius : -1, simd);
      return lists(L);
    },
    scatterIncremental(t, L, back, prevCount, count) {
      native.scatterIncremental(prevCount, back.pH, back.pQX, back.pQZ, back.pR2, back.pFlag, back.pCell,
        t.oPresent, t.nPresent, t.ox, t.oz, t.or, t.nx, t.nz, t.nr, t.changedFlag, L.hCell, t.changed, t.changedCount,
        L.inv, L.cx0, L.cz0, L.width, L.width * L.height, L.bigRadius, L.cellStart, L.sH, L.sCell, L.sFlag, L.qX,
        L.qZ, L.sX, L.sZ, L.sOX, L.sOZ, L.sR2, L.sOR2, L.changedIdx, L.specialIdx, count, back.work, back.seen, L.stats,
        simd);
      return lists(L);
    },
  };
}
