import type { AoiEntityTable } from './entity-table.ts';
import { LayoutBuilder } from './grid-build.ts';
import type { BuildKernels } from './grid-kernels.ts';

export const CHANGED = 1;
/** Handled outside the cell sweep: a large radius, or moved further than the sweep's slack allows. */
export const SPECIAL = 2;

/** Relative slack so float rounding of cell indices and distances can never drop a boundary pair. */
const SLACK = 1e-6;

/**
 * The most cells per reach, and the grid's border: a pair that can flip lies within `stencil` cells on
 * each axis. Two (cells of half the reach, a 5x5 stencil) scans ~30% fewer candidates than 3x3 cells of
 * the full reach where cells are full; see fitCells for when one is chosen instead.
 */
export const STENCIL = 2;

/**
 * Below this many entities per cell (at two cells per reach) the grid uses one cell per reach: each
 * entity's scans are then two or three row ranges instead of three or five, and at low density the cost
 * is in the number of ranges, not in the candidates (10k entities on a 10,000² map: 0.5 per cell).
 */
const SPARSE_PER_CELL = 1;

/**
 * Every entity of one update, counting-sorted by grid cell (row-major, with a one-cell border so the
 * 3x3 stencil never needs bounds checks). A row of three neighbouring cells is one contiguous range, so
 * pair scans read memory sequentially.
 *
 * Cells are sized (by a full build) so that any pair interested before OR after the update lies within
 * STENCIL cells on each axis: cell = (max small radius + twice the largest move) / STENCIL. Entities
 * whose radius or move would blow that up are SPECIAL and handled per entity. An incremental build
 * keeps the cells while they still cover the reach.
 */
export class GridLayout {
  count = 0;
  cell = 1;
  /** Cells per reach for this layout: 1 or STENCIL (fitCells). The border is always STENCIL cells. */
  stencil = STENCIL;
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
  /**
   * The radius every non-special entry has on each side where it is present, or -1. The common case (a
   * space's default radius for all) lets a sweep test a pair with two comparisons instead of four.
   */
  uniformRadius = -1;
  maxMove = 0;
  /** For queries after the update: largest small radius, and handles with a big radius. */
  smallRadius = 0;
  bigHandles = new Int32Array(0);
  bigCount = 0;
  /** Per-handle scratch: the special bit, then the packed cell (internal to the builders). */
  hCell = new Int32Array(0);
  /** Bounds (minX, minZ, maxX, maxZ) and kernel outputs (internal to the builders). */
  readonly stats = new Float64Array(10);
  private readonly builder: LayoutBuilder;

  constructor(
    /** Radius above which an entity is SPECIAL (scans its own range instead of widening every cell). */
    readonly bigRadius: number,
    /** Move per update above which an entity is SPECIAL for that update. */
    readonly fastMove: number,
    readonly baseCell: number,
    /** The O(n) build passes: TypeScript, or the optional C++ port. */
    kernels: BuildKernels,
  ) {
    this.builder = new LayoutBuilder(kernels, this);
  }

  /** Sorts the table's entities (before and after the pending changes) into cells. */
  build(t: AoiEntityTable): void {
    this.builder.build(t);
  }

  /** Forgets everything (the table was cleared). */
  reset(): void {
    this.builder.reset();
    this.bigCount = 0;
  }

  empty(): void {
    this.count = 0;
    this.width = this.height = 0;
    this.changedCount = this.specialCount = 0;
  }

  fitCells(minX: number, minZ: number, maxX: number, maxZ: number, count: number): void {
    const reach = Math.max(this.sweepRadius + 2 * this.maxMove, this.baseCell) * (1 + SLACK);
    this.fitStencil(reach, STENCIL, minX, minZ, maxX, maxZ, count);
    if (count < SPARSE_PER_CELL * this.width * this.height) this.fitStencil(reach, 1, minX, minZ, maxX, maxZ, count);
  }

  private fitStencil(reach: number, stencil: number, minX: number, minZ: number, maxX: number, maxZ: number, count: number): void {
    let cell = reach / stencil;
    // Dense cells over the bounding box, capped so a far outlier costs bigger cells, not memory.
    const cap = Math.max(4096, 2 * count);
    for (;;) {
      const inv = 1 / cell;
      const cx0 = Math.floor(minX * inv);
      const cz0 = Math.floor(minZ * inv);
      const w = Math.floor(maxX * inv) - cx0 + 1 + 2 * STENCIL;
      const h = Math.floor(maxZ * inv) - cz0 + 1 + 2 * STENCIL;
      if (w * h <= cap) {
        this.stencil = stencil;
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
    if (this.sX.length < count + 8) {
      const n = Math.max(count, (this.sX.length - 8) * 2);
      // Native sweeps read up to seven entries past a range in groups of eight: keep a padded tail.
      const p = n + 8;
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
