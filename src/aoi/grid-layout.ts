import type { AoiEntityTable } from './entity-table.ts';
import { NativeLayoutBuilder } from './grid-native-build.ts';
import type { GridNative } from './native-grid.ts';

export const CHANGED = 1;
/** Handled outside the cell sweep: a large radius, or moved further than the sweep's slack allows. */
export const SPECIAL = 2;

/** Relative slack so float rounding of cell indices and distances can never drop a boundary pair. */
const SLACK = 1e-6;

/**
 * Cells per reach: a pair that can flip lies within STENCIL cells on each axis. Two (cells of half the
 * reach, a 5x5 stencil) scans ~30% fewer candidates than 3x3 cells of the full reach.
 */
export const STENCIL = 2;

/**
 * Every entity of one update, counting-sorted by grid cell (row-major, with a one-cell border so the
 * 3x3 stencil never needs bounds checks). A row of three neighbouring cells is one contiguous range, so
 * pair scans read memory sequentially.
 *
 * Cell size is chosen per update: large enough that any pair interested before OR after the update
 * lies in neighbouring cells (max small radius + twice the largest move). Entities whose radius or move
 * would blow that up are SPECIAL and handled per entity.
 */
export class GridLayout {
  count = 0;
  cell = 1;
  /** 1 / cell: every cell index is floor(coordinate * inv), in TypeScript and C++ alike. */
  inv = 1;
  cx0 = 0;
  cz0 = 0;
  width = 0;
  height = 0;
  cellStart = new Int32Array(2);
  sH = new Int32Array(0);
  sCell = new Int32Array(0);
  sFlag = new Uint8Array(0);
  /**
   * Sweep data. Positions are NaN on an absent side (added: old; removed: new) so every comparison with
   * them is false, and NaN on both sides for SPECIAL entries, which sweeps must never pair. Radii are
   * squared in float64, exactly as the seam's expression computes them.
   */
  sX = new Float32Array(0);
  sZ = new Float32Array(0);
  sOX = new Float32Array(0);
  sOZ = new Float32Array(0);
  sR2 = new Float64Array(0);
  sOR2 = new Float64Array(0);
  /** Positions for queries after the update: the new position, NaN when removed. */
  qX = new Float32Array(0);
  qZ = new Float32Array(0);
  /** Sorted indices of changed non-special entries, and of special entries. */
  changedIdx = new Int32Array(0);
  changedCount = 0;
  specialIdx = new Int32Array(0);
  specialCount = 0;
  /** Largest radius (before or after) of a non-special entry, and largest non-special move. */
  sweepRadius = 0;
  maxMove = 0;
  /** For queries after the update: largest small radius, and handles with a big radius. */
  smallRadius = 0;
  bigHandles = new Int32Array(0);
  bigCount = 0;
  /** Per-handle scratch: the special bit, then the packed cell (internal to the builders). */
  hCell = new Int32Array(0);
  /** Bounds (minX, minZ, maxX, maxZ) and kernel outputs (internal to the builders). */
  readonly stats = new Float64Array(9);
  private readonly nativeBuilder: NativeLayoutBuilder | null;

  constructor(
    /** Radius above which an entity is SPECIAL (scans its own range instead of widening every cell). */
    readonly bigRadius: number,
    /** Move per update above which an entity is SPECIAL for that update. */
    readonly fastMove: number,
    readonly baseCell: number,
    /** Optional C++ kernels (see grid-native-build.ts); null runs the TypeScript below. */
    native: GridNative | null,
  ) {
    this.nativeBuilder = native === null ? null : new NativeLayoutBuilder(native, this);
  }

  build(t: AoiEntityTable): void {
    if (this.hCell.length < t.limit) {
      this.hCell = new Int32Array(t.capacity);
      this.bigHandles = new Int32Array(t.capacity);
    }
    if (this.nativeBuilder !== null) {
      this.nativeBuilder.build(t);
      return;
    }
    this.classify(t);
    const count = this.count;
    if (count === 0) {
      this.empty();
      return;
    }
    const st = this.stats;
    this.fitCells(st[0], st[1], st[2], st[3], count);
    this.ensure(count);
    this.scatter(t);
  }

  empty(): void {
    this.count = 0;
    this.width = this.height = 0;
    this.changedCount = this.specialCount = 0;
  }

  /** First pass: who is present, special, the bounds and the radii/moves that size the cells. */
  private classify(t: AoiEntityTable): void {
    const { oPresent, nPresent, ox, oz, nx, nz, or, nr, changedFlag, limit } = t;
    const big = this.bigRadius;
    const fast2 = this.fastMove * this.fastMove;
    const { hCell, bigHandles } = this;
    let bigCount = 0;
    let count = 0;
    let minX = Infinity;
    let minZ = Infinity;
    let maxX = -Infinity;
    let maxZ = -Infinity;
    let sweepR = 0;
    let move2 = 0;
    let smallR = 0;
    for (let h = 0; h < limit; h++) {
      const op = oPresent[h];
      const np = nPresent[h];
      if ((op | np) === 0) {
        hCell[h] = -1;
        continue;
      }
      count++;
      const x = np === 1 ? nx[h] : ox[h];
      const z = np === 1 ? nz[h] : oz[h];
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (z < minZ) minZ = z;
      if (z > maxZ) maxZ = z;
      const ro = op === 1 ? or[h] : 0;
      const rn = np === 1 ? nr[h] : 0;
      if (np === 1) {
        if (rn > big) bigHandles[bigCount++] = h;
        else if (rn > smallR) smallR = rn;
      }
      let special = ro > big || rn > big;
      if (changedFlag[h] === 1 && (op & np) === 1) {
        const dx = nx[h] - ox[h];
        const dz = nz[h] - oz[h];
        const d2 = dx * dx + dz * dz;
        if (d2 > fast2) special = true;
        else if (!special && d2 > move2) move2 = d2;
      }
      // hCell temporarily carries the special bit; the cell index is written in the second pass.
      hCell[h] = special ? 1 : 0;
      if (!special) {
        if (ro > sweepR) sweepR = ro;
        if (rn > sweepR) sweepR = rn;
      }
    }
    this.count = count;
    this.sweepRadius = sweepR;
    this.maxMove = Math.sqrt(move2);
    this.smallRadius = smallR;
    this.bigCount = bigCount;
    const st = this.stats;
    st[0] = minX;
    st[1] = minZ;
    st[2] = maxX;
    st[3] = maxZ;
  }

  fitCells(minX: number, minZ: number, maxX: number, maxZ: number, count: number): void {
    let cell = (Math.max(this.sweepRadius + 2 * this.maxMove, this.baseCell) * (1 + SLACK)) / STENCIL;
    // Dense cells over the bounding box, capped so a far outlier costs bigger cells, not memory.
    const cap = Math.max(4096, 2 * count);
    for (;;) {
      const inv = 1 / cell;
      const cx0 = Math.floor(minX * inv);
      const cz0 = Math.floor(minZ * inv);
      const w = Math.floor(maxX * inv) - cx0 + 1 + 2 * STENCIL;
      const h = Math.floor(maxZ * inv) - cz0 + 1 + 2 * STENCIL;
      if (w * h <= cap) {
        this.cell = cell;
        this.inv = inv;
        this.cx0 = cx0 - STENCIL;
        this.cz0 = cz0 - STENCIL;
        this.width = w;
        this.height = h;
        return;
      }
      cell *= Math.max(1.01, Math.sqrt((w * h) / cap));
    }
  }

  ensure(count: number): void {
    if (this.sX.length < count + 4) {
      const n = Math.max(count, (this.sX.length - 4) * 2);
      // Native sweeps read up to three entries past a range in groups of four: keep a padded tail.
      const p = n + 4;
      this.sH = new Int32Array(p);
      this.sCell = new Int32Array(p);
      this.sFlag = new Uint8Array(p);
      this.qX = new Float32Array(p);
      this.qZ = new Float32Array(p);
      this.sX = new Float32Array(p);
      this.sZ = new Float32Array(p);
      this.sOX = new Float32Array(p);
      this.sOZ = new Float32Array(p);
      this.sR2 = new Float64Array(p);
      this.sOR2 = new Float64Array(p);
      this.changedIdx = new Int32Array(n);
      this.specialIdx = new Int32Array(n);
    }
    const cells = this.width * this.height + 1;
    if (this.cellStart.length < cells) this.cellStart = new Int32Array(Math.max(cells, this.cellStart.length * 2));
    else this.cellStart.fill(0, 0, cells);
  }

  private scatter(t: AoiEntityTable): void {
    const { oPresent, nPresent, ox, oz, nx, nz, or, nr, changedFlag, limit } = t;
    const { hCell, cellStart, inv, cx0, cz0, width, sH, sCell, sFlag, sX, sZ, sOX, sOZ, sR2, sOR2, qX, qZ } = this;
    const cells = width * this.height;
    for (let h = 0; h < limit; h++) {
      const flag = hCell[h];
      if (flag < 0) continue;
      const np = nPresent[h];
      const x = np === 1 ? nx[h] : ox[h];
      const z = np === 1 ? nz[h] : oz[h];
      const c = (Math.floor(z * inv) - cz0) * width + (Math.floor(x * inv) - cx0);
      // Pack the cell and the special bit; both come back out in the scatter below.
      hCell[h] = c * 2 + flag;
      cellStart[c + 1]++;
    }
    for (let c = 0; c < cells; c++) cellStart[c + 1] += cellStart[c];
    let changedCount = 0;
    let specialCount = 0;
    const { changedIdx, specialIdx } = this;
    // cellStart[c] doubles as the fill cursor of cell c, then is restored by a shift below.
    for (let h = 0; h < limit; h++) {
      const packed = hCell[h];
      if (packed < 0) continue;
      const c = packed >> 1;
      const i = cellStart[c]++;
      const op = oPresent[h];
      const np = nPresent[h];
      const special = packed & 1;
      const changed = changedFlag[h];
      sH[i] = h;
      sCell[i] = c;
      sFlag[i] = changed | (special << 1);
      const x = np === 1 ? nx[h] : Number.NaN;
      const z = np === 1 ? nz[h] : Number.NaN;
      qX[i] = x;
      qZ[i] = z;
      const sweepNew = special === 0 && np === 1;
      const sweepOld = special === 0 && op === 1;
      sX[i] = sweepNew ? x : Number.NaN;
      sZ[i] = sweepNew ? z : Number.NaN;
      sOX[i] = sweepOld ? ox[h] : Number.NaN;
      sOZ[i] = sweepOld ? oz[h] : Number.NaN;
      let r = nr[h];
      sR2[i] = r * r;
      r = or[h];
      sOR2[i] = r * r;
      hCell[h] = -1;
    }
    for (let c = cells; c > 0; c--) cellStart[c] = cellStart[c - 1];
    cellStart[0] = 0;
    // Index lists in sorted order, so per-entity scans also walk memory forward.
    for (let i = 0; i < this.count; i++) {
      const f = sFlag[i];
      if ((f & SPECIAL) !== 0) specialIdx[specialCount++] = i;
      else if ((f & CHANGED) !== 0) changedIdx[changedCount++] = i;
    }
    this.changedCount = changedCount;
    this.specialCount = specialCount;
  }

  /** Cell column of x, clamped to the grid. */
  col(x: number): number {
    const c = Math.floor(x * this.inv) - this.cx0;
    return c < 0 ? 0 : c >= this.width ? this.width - 1 : c;
  }

  row(z: number): number {
    const c = Math.floor(z * this.inv) - this.cz0;
    return c < 0 ? 0 : c >= this.height ? this.height - 1 : c;
  }

  /**
   * Calls fn(sortedIndex) for every entry whose NEW position is within `radius` of (x, z) with the
   * seam's exact expression. Scans the covering cells, widened by a hair for rounding.
   */
  forEachWithin(x: number, z: number, radius: number, fn: (i: number) => void): void {
    if (this.count === 0) return;
    const pad = radius + (Math.abs(x) + Math.abs(z) + radius) * SLACK;
    const c0 = this.col(x - pad);
    const c1 = this.col(x + pad);
    const r0 = this.row(z - pad);
    const r1 = this.row(z + pad);
    const { cellStart, qX, qZ, width } = this;
    const r2 = radius * radius;
    for (let row = r0; row <= r1; row++) {
      const end = cellStart[row * width + c1 + 1];
      for (let i = cellStart[row * width + c0]; i < end; i++) {
        const dx = qX[i] - x;
        const dz = qZ[i] - z;
        if (dx * dx + dz * dz <= r2) fn(i);
      }
    }
  }

  queryRect(minX: number, minZ: number, maxX: number, maxZ: number, out: number[]): number[] {
    if (this.count === 0 || !(minX <= maxX && minZ <= maxZ)) return out;
    const c0 = this.col(minX);
    const c1 = this.col(maxX);
    const r0 = this.row(minZ);
    const r1 = this.row(maxZ);
    const { cellStart, qX, qZ, sH, width } = this;
    for (let row = r0; row <= r1; row++) {
      const end = cellStart[row * width + c1 + 1];
      for (let i = cellStart[row * width + c0]; i < end; i++) {
        const x = qX[i];
        const z = qZ[i];
        if (x >= minX && x <= maxX && z >= minZ && z <= maxZ) out.push(sH[i]);
      }
    }
    return out;
  }
}
