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
  sweep(...args: Arg[]): void;
}

/** The addon built by native/build.sh, or null when it was not built (the TypeScript grid is used). */
export function loadGridNative(): GridNative | null {
  try {
    const require = createRequire(import.meta.url);
    return require('../../native/build/aoi_grid.node') as GridNative;
  } catch {
    return null;
  }
}
