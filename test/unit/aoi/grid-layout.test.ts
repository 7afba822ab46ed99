import { describe, expect, it } from 'vitest';
import { tsKernels } from '../../../src/aoi/grid-kernels-ts.ts';
import { GridLayout, STENCIL } from '../../../src/aoi/grid-layout.ts';

/** A layout as grid-aoi.ts makes one for a space radius of 100, with its sweep radius set. */
function layout(): GridLayout {
  const L = new GridLayout(200, 50, 100, tsKernels);
  L.sweepRadius = 100;
  L.maxMove = 5;
  return L;
}

describe('GridLayout.fitCells', () => {
  it('uses cells of half the reach (a 5x5 stencil) where cells hold more than one entity', () => {
    const L = layout();
    L.fitCells(0, 0, 10_000, 10_000, 100_000);
    expect(L.stencil).toBe(STENCIL);
    expect(L.cell * L.stencil).toBeGreaterThanOrEqual(110);
    expect(L.cell).toBeLessThan(60);
  });

  it('uses one cell per reach (a 3x3 stencil) when cells would be sparse, still covering the reach', () => {
    const L = layout();
    L.fitCells(0, 0, 10_000, 10_000, 10_000);
    expect(L.stencil).toBe(1);
    expect(L.cell).toBeGreaterThanOrEqual(110);
    // The border stays STENCIL cells wide whatever the stencil, so every stencil stays on the grid.
    expect(L.cx0).toBe(Math.floor(0 * L.inv) - STENCIL);
    expect(L.width).toBe(Math.floor(10_000 * L.inv) + 1 + 2 * STENCIL);
  });

  it('caps the cell count for a far outlier with bigger cells, not more memory', () => {
    const L = layout();
    L.fitCells(-2_000_000, 0, 10_000, 10_000, 1_000);
    expect(L.width * L.height).toBeLessThanOrEqual(4096);
  });
});
