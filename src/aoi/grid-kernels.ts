import type { AoiEntityTable } from './entity-table.ts';
import type { GridLayout } from './grid-layout.ts';

/** The previous layout's arrays (swapped with the front ones on each build) and per-build scratch. */
export class BackBuffers {
  pH = new Int32Array(0);
  pQX = new Float32Array(0);
  pQZ = new Float32Array(0);
  pR2 = new Float64Array(0);
  pFlag = new Uint8Array(0);
  pCell = new Int32Array(0);
  /** 5 x count ints: visit order, previous index, packed cell (and, for the coherent scatter, a changed entry's x and z). */
  work = new Int32Array(0);
  /** `work`'s memory as floats: the coherent scatter keeps a changed entry's x and z in its last 2 x count. */
  workF = new Float32Array(0);
  /** One byte per handle, zero between calls. */
  seen = new Uint8Array(0);
}

/**
 * The O(n) passes of a layout build. Two implementations run the same algorithm over the same arrays:
 * grid-kernels-ts.ts (the reference) and grid-kernels-native.ts (C++, optional).
 */
export interface BuildKernels {
  /**
   * Every handle: presence, SPECIAL bit (in L.hCell, -1 when absent), big-radius handles, and into L the
   * count, sweep/small radius, max move, big count; bounds into L.stats[1..4].
   */
  classify(t: AoiEntityTable, L: GridLayout): void;
  /** Sorts every entity into L's cells in handle order (needs classify's hCell). */
  scatter(t: AoiEntityTable, L: GridLayout): void;
  /**
   * The same result visiting entities in the previous layout's order (nearly sequential writes, and
   * unchanged entities copied from it). False when `back` is not the previous layout of `t`.
   */
  scatterCoherent(t: AoiEntityTable, L: GridLayout, back: BackBuffers, prevCount: number): boolean;
  /**
   * Sparse update with the previous geometry: unchanged entities keep their cells; only changed ones
   * (SPECIAL bit in L.hCell) are read from the table. False when inconsistent with the previous layout.
   */
  scatterIncremental(t: AoiEntityTable, L: GridLayout, back: BackBuffers, prevCount: number, count: number): boolean;
}
