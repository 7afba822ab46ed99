import type { AoiEntityTable } from './entity-table.ts';
import { BackBuffers, type BuildKernels } from './grid-kernels.ts';
import { type GridLayout, STENCIL } from './grid-layout.ts';

/** At most this share of changed entities lets an update keep the previous cells (incremental build). */
const INCREMENTAL_SHARE = 0.35;
const SLACK = 1e-6;

/**
 * Builds a GridLayout per update, exploiting that consecutive layouts barely differ:
 * - full build: classify every handle, size the cells, then scatter in the PREVIOUS layout's order
 *   (nearly sequential writes; unchanged entities copied from it instead of read by handle);
 * - incremental build (few changes, and everything still fits the previous cells): classify only the
 *   changed handles here, keep the geometry, and let unchanged entities keep their cells.
 * The previous layout's arrays are back buffers, swapped with the front ones on every build.
 */
export class LayoutBuilder {
  private readonly back = new BackBuffers();
  /** The front buffers hold the layout of the last update (not after a clear or an empty update). */
  private ready = false;

  constructor(
    private readonly kernels: BuildKernels,
    private readonly L: GridLayout,
  ) {}

  build(t: AoiEntityTable): void {
    const L = this.L;
    if (L.hCell.length < t.limit) {
      L.hCell = new Int32Array(t.capacity);
      L.bigHandles = new Int32Array(t.capacity);
    }
    if (this.back.seen.length < t.limit) this.back.seen = new Uint8Array(t.capacity);
    if (this.ready && L.count > 0 && t.changedCount < INCREMENTAL_SHARE * L.count && this.incremental(t)) return;
    this.full(t);
  }

  /** Forgets the previous layout (the table was cleared). */
  reset(): void {
    this.ready = false;
    this.L.empty();
  }

  private full(t: AoiEntityTable): void {
    const L = this.L;
    const prevCount = this.ready ? L.count : 0;
    this.kernels.classify(t, L);
    const count = L.count;
    if (count === 0) {
      L.empty();
      this.ready = false;
      return;
    }
    const st = L.stats;
    L.fitCells(st[1], st[2], st[3], st[4], count);
    this.swap(count);
    if (!this.kernels.scatterCoherent(t, L, this.back, prevCount)) this.kernels.scatter(t, L);
    this.ready = true;
  }

  /** False (having changed nothing the full build relies on) when the previous cells do not fit. */
  private incremental(t: AoiEntityTable): boolean {
    const L = this.L;
    const { changed, changedCount, changedFlag, oPresent, nPresent, ox, oz, nx, nz, or, nr } = t;
    const { hCell, inv, cx0, cz0, width, height, bigRadius: big } = L;
    const fast2 = L.fastMove * L.fastMove;
    let move2 = 0;
    const rejoin = this.rejoining(t);
    let sweepR = Math.max(L.sweepRadius, rejoin.maxRadius);
    let smallR = L.smallRadius;
    let uniform = rejoin.uniform;
    let removed = 0;
    // classify's per-handle test (grid-kernels-ts.ts) over the changed handles only; not folded, as classify
    // stays line-for-line with its C++ port (native/aoi-grid.cc) and runs over every handle per full build.
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
      if (!special) {
        sweepR = Math.max(sweepR, ro, rn);
        if ((op === 1 && ro !== uniform) || (np === 1 && rn !== uniform)) uniform = -1;
      }
      if (np === 1 && rn <= big && rn > smallR) smallR = rn;
    }
    // Radii only ever grow here (a safe over-estimate); the cells must still cover the reach.
    if ((sweepR + 2 * Math.sqrt(move2)) * (1 + SLACK) > L.stencil * L.cell) return false;
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
    L.count = count;
    if (!this.kernels.scatterIncremental(t, L, this.back, prevCount, count)) {
      // Inconsistent with the previous layout (should not happen): the full build starts from scratch.
      this.ready = false;
      return false;
    }
    L.sweepRadius = sweepR;
    L.uniformRadius = uniform;
    L.maxMove = Math.sqrt(move2);
    L.smallRadius = smallR;
    return true;
  }

  /**
   * Unchanged entries that were SPECIAL in the previous layout for a long move rejoin the sweep now
   * (their radius is not big), and their radius was in neither the previous sweep radius nor its uniform
   * radius: both must take it, or the kept cells would not cover their reach.
   */
  private rejoining(t: AoiEntityTable): { maxRadius: number; uniform: number } {
    const L = this.L;
    let maxRadius = 0;
    let uniform = L.uniformRadius;
    for (let n = 0; n < L.specialCount; n++) {
      const h = L.sH[L.specialIdx[n]];
      if (t.changedFlag[h] === 1 || t.nPresent[h] === 0 || t.nr[h] > L.bigRadius) continue;
      maxRadius = Math.max(maxRadius, t.nr[h]);
      if (t.nr[h] !== uniform) uniform = -1;
    }
    return { maxRadius, uniform };
  }

  /** The front arrays become the back buffers (the previous layout) and vice versa, sized for count. */
  private swap(count: number): void {
    const L = this.L;
    const b = this.back;
    [L.sH, b.pH] = [b.pH, L.sH];
    [L.sCell, b.pCell] = [b.pCell, L.sCell];
    [L.qX, b.pQX] = [b.pQX, L.qX];
    [L.qZ, b.pQZ] = [b.pQZ, L.qZ];
    [L.sR2, b.pR2] = [b.pR2, L.sR2];
    [L.sFlag, b.pFlag] = [b.pFlag, L.sFlag];
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
    // Three ints per entry for the incremental scatters, five for the coherent ones (grid-kernels.ts).
    if (b.work.length < 5 * count) {
      b.work = new Int32Array(5 * L.sX.length);
      b.workF = new Float32Array(b.work.buffer);
    }
  }
}
