import type { AoiEntityTable } from './entity-table.ts';
import { type GridLayout, STENCIL } from './grid-layout.ts';
import type { GridNative } from './native-grid.ts';

/** At most this share of changed entities lets an update keep the previous cells (incremental build). */
const INCREMENTAL_SHARE = 0.35;
const SLACK = 1e-6;

/**
 * Builds a GridLayout with the C++ kernels, exploiting that consecutive layouts barely differ:
 * - full build: classify every handle, then scatter in the PREVIOUS layout's order (nearly sequential
 *   writes, unchanged entities copied from the previous layout);
 * - incremental build (few changes, everything still fits the previous cells): classify only the
 *   changed handles here, keep the geometry, and let unchanged entities keep their cells.
 * The previous layout's arrays are kept as back buffers and swapped with the front ones per build.
 */
export class NativeLayoutBuilder {
  private pH = new Int32Array(0);
  private pQX = new Float32Array(0);
  private pQZ = new Float32Array(0);
  private pR2 = new Float64Array(0);
  private pFlag = new Uint8Array(0);
  private pCell = new Int32Array(0);
  private work = new Int32Array(0);
  private seen = new Uint8Array(0);
  /** The front buffers hold a layout built here (not after a clear or an empty update). */
  private ready = false;

  constructor(
    private readonly native: GridNative,
    private readonly L: GridLayout,
  ) {}

  build(t: AoiEntityTable): void {
    if (this.seen.length < t.limit) this.seen = new Uint8Array(t.capacity);
    if (this.ready && this.L.count > 0 && t.changedCount < INCREMENTAL_SHARE * this.L.count && this.incremental(t)) {
      return;
    }
    this.full(t);
  }

  private full(t: AoiEntityTable): void {
    const L = this.L;
    const st = L.stats;
    const prevCount = this.ready ? L.count : 0;
    this.native.classify(t.limit, t.oPresent, t.nPresent, t.ox, t.oz, t.or, t.nx, t.nz, t.nr, t.changedFlag,
      L.hCell, L.bigHandles, L.bigRadius, L.fastMove * L.fastMove, st);
    const count = st[0];
    L.sweepRadius = st[5];
    L.maxMove = Math.sqrt(st[6]);
    L.smallRadius = st[7];
    L.bigCount = st[8];
    if (count === 0) {
      L.empty();
      this.ready = false;
      return;
    }
    L.count = count;
    L.fitCells(st[1], st[2], st[3], st[4], count);
    this.swap(count);
    const args = [t.limit, t.oPresent, t.nPresent, t.ox, t.oz, t.or, t.nx, t.nz, t.nr, t.changedFlag,
      L.hCell, L.cellStart, L.inv, L.cx0, L.cz0, L.width, L.width * L.height,
      L.sH, L.sCell, L.sFlag, L.qX, L.qZ, L.sX, L.sZ, L.sOX, L.sOZ, L.sR2, L.sOR2, L.changedIdx, L.specialIdx, count, st];
    this.native.scatterCoherent(...args, prevCount, this.pH, this.pQX, this.pQZ, this.pR2, t.changed, t.changedCount,
      this.work, this.seen);
    if (st[0] < 0) this.native.scatter(...args);
    L.changedCount = st[0];
    L.specialCount = st[1];
    this.ready = true;
  }

  /** Returns false (having changed nothing the full build relies on) when the old cells do not fit. */
  private incremental(t: AoiEntityTable): boolean {
    const L = this.L;
    const { changed, changedCount, changedFlag, oPresent, nPresent, ox, oz, nx, nz, or, nr } = t;
    const { hCell, inv, cx0, cz0, width, height, bigRadius: big } = L;
    const fast2 = L.fastMove * L.fastMove;
    let move2 = 0;
    let sweepR = L.sweepRadius;
    let smallR = L.smallRadius;
    let removed = 0;
    for (let k = 0; k < changedCount; k++) {
      const h = changed[k];
      const op = oPresent[h];
      const np = nPresent[h];
      if ((op | np) === 0) continue;
      if (np === 0) removed++;
      const x = np === 1 ? nx[h] : ox[h];
      const z = np === 1 ? nz[h] : oz[h];
      const col = Math.floor(x * inv) - cx0;
      const row = Math.floor(z * inv) - cz0;
      // Outside the interior the stencil would run off the grid: rebuild with new bounds.
      if (!(col >= STENCIL && col < width - STENCIL && row >= STENCIL && row < height - STENCIL)) return false;
      const ro = op === 1 ? or[h] : 0;
      const rn = np === 1 ? nr[h] : 0;
      let special = ro > big || rn > big;
      if ((op & np) === 1) {
        const dx = nx[h] - ox[h];
        const dz = nz[h] - oz[h];
        const d2 = dx * dx + dz * dz;
        if (d2 > fast2) special = true;
        else if (!special && d2 > move2) move2 = d2;
      }
      hCell[h] = special ? 1 : 0;
      if (!special) sweepR = Math.max(sweepR, ro, rn);
      if (np === 1 && rn <= big && rn > smallR) smallR = rn;
    }
    const reach = (sweepR + 2 * Math.sqrt(move2)) * (1 + SLACK);
    if (reach > STENCIL * L.cell) return false;
    // Big-radius handles: the unchanged ones stay, the changed ones are re-judged.
    const bigs = L.bigHandles;
    let bigCount = 0;
    for (let b = 0; b < L.bigCount; b++) if (changedFlag[bigs[b]] === 0) bigs[bigCount++] = bigs[b];
    for (let k = 0; k < changedCount; k++) {
      const h = changed[k];
      if (nPresent[h] === 1 && nr[h] > big) bigs[bigCount++] = h;
    }
    L.bigCount = bigCount;
    const prevCount = L.count;
    const count = t.size + removed;
    this.swap(count);
    const st = L.stats;
    this.native.scatterIncremental(prevCount, this.pH, this.pQX, this.pQZ, this.pR2, this.pFlag, this.pCell,
      oPresent, nPresent, ox, oz, or, nx, nz, nr, changedFlag, hCell, changed, changedCount,
      inv, cx0, cz0, width, width * height, big, L.cellStart, L.sH, L.sCell, L.sFlag, L.qX, L.qZ, L.sX, L.sZ,
      L.sOX, L.sOZ, L.sR2, L.sOR2, L.changedIdx, L.specialIdx, count, this.work, this.seen, st);
    if (st[0] < 0) {
      // Inconsistent with the previous layout (should not happen): the full build starts from scratch.
      this.ready = false;
      return false;
    }
    L.count = count;
    L.sweepRadius = sweepR;
    L.maxMove = Math.sqrt(move2);
    L.smallRadius = smallR;
    L.changedCount = st[0];
    L.specialCount = st[1];
    return true;
  }

  /** The front arrays become the back buffers (the previous layout) and vice versa, sized for count. */
  private swap(count: number): void {
    const L = this.L;
    let a = L.sH;
    L.sH = this.pH;
    this.pH = a;
    a = L.sCell;
    L.sCell = this.pCell;
    this.pCell = a;
    let f = L.qX;
    L.qX = this.pQX;
    this.pQX = f;
    f = L.qZ;
    L.qZ = this.pQZ;
    this.pQZ = f;
    const d = L.sR2;
    L.sR2 = this.pR2;
    this.pR2 = d;
    const u = L.sFlag;
    L.sFlag = this.pFlag;
    this.pFlag = u;
    const n = L.sX.length;
    if (L.sH.length !== n) {
      L.sH = new Int32Array(n);
      L.sCell = new Int32Array(n);
      L.qX = new Float32Array(n);
      L.qZ = new Float32Array(n);
      L.sR2 = new Float64Array(n);
      L.sFlag = new Uint8Array(n);
    }
    L.ensure(count);
    if (this.work.length < 3 * count) this.work = new Int32Array(3 * L.sX.length);
  }
}
