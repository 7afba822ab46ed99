import { createRequire } from 'node:module';

type Arg = number | Int32Array | Uint8Array | Float32Array | Float64Array;

/**
 * The optional C++ kernels (native/aoi-grid.cc): the grid's classify, scatter and sweep over the same
 * typed arrays, same arithmetic. Every argument list mirrors the TypeScript function it replaces.
 */
export interface GridNative {
  classify(...args: Arg[]): void;
  scatter(...args: Arg[]): void;
  /** scatter plus (prevCount, prevH, prevQX, prevQZ, prevR2, changedList, changedCount). */
  scatterCoherent(...args: Arg[]): void;
  /** Sparse update keeping the previous cells; see NativeLayoutBuilder. */
  scatterIncremental(...args: Arg[]): void;
  /** sweep(mode, ..., stats, count, level, stencil): level -1 is simdAuto(), else clamped to the CPU's. */
  sweep(...args: Arg[]): void;
  /** The entity table's moveMany over Int32Array handles and Float32Array columns; see entity-table.ts. */
  moveMany(...args: Arg[]): void;
  /** The entity table's commit (entity-table.ts), same argument order as its fields. */
  commit(...args: Arg[]): void;
  /** The best vector level of this CPU's pair loop: 0 scalar, 1 AVX2, 2 AVX-512 (detected at run time). */
  simdLevel(): number;
  /** The level a sweep uses unless pinned: AVX2 where available (see autoLevel in aoi-grid.cc). */
  simdAuto(): number;
}

/** The pair loop's vector levels, by the number the addon uses. */
export const SIMD_LEVELS = ['scalar', 'avx2', 'avx512'] as const;
export type SimdLevel = (typeof SIMD_LEVELS)[number];

/** The addon built by native/build.sh, or null when it was not built (the TypeScript grid is used). */
export function loadGridNative(): GridNative | null {
  try {
    const require = createRequire(import.meta.url);
    return require('../../native/build/aoi_grid.node') as GridNative;
  } catch {
    return null;
  }
}
