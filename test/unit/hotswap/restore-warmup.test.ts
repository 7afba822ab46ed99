import { describe, expect, it } from 'vitest';
import { createBruteForceAoi } from '../../../src/aoi/brute-force.ts';
import { createGridAoi } from '../../../src/aoi/grid-aoi.ts';
import { warmRestorePath } from '../../../src/hotswap/restore-warmup.ts';

describe('warmRestorePath', () => {
  it('runs the whole swap path on a practice world of its own, for any AOI', () => {
    for (const aoiFactory of [createGridAoi, createBruteForceAoi]) {
      const ms = warmRestorePath({ aoiFactory, entities: 300, rounds: 2 });
      expect(ms).toBeGreaterThan(0);
    }
  });
});
