import { describe, expect, it } from 'vitest';
import type { AoiIndex } from '../../src/aoi/aoi-index.ts';
import { createBruteForceAoi } from '../../src/aoi/brute-force.ts';
import { aoiImplementations } from '../../src/aoi/implementations.ts';
import { mulberry32 } from '../../src/testing/prng.ts';
import { enterPairs, leavePairs } from './aoi/harness.ts';

/**
 * The optional bulk-load path of the AoiIndex seam (`updateSilently`, used by hot-swap restore): after
 * it, neighbour lists and queries must equal the oracle's after a normal update, and the NEXT update
 * must report exactly the real changes. Implementations without it are listed so a new one is noticed.
 */
const IMPLEMENTATIONS = aoiImplementations();

function neighbours(aoi: AoiIndex, h: number, dir: 'in' | 'by'): number[] {
  const out: number[] = [];
  if (dir === 'in') aoi.forEachInterestedIn(h, (t) => out.push(t));
  else aoi.forEachInterestedBy(h, (w) => out.push(w));
  return out.sort((a, b) => a - b);
}

describe.each(IMPLEMENTATIONS)('AoiIndex bulk load: %s', (name, factory) => {
  const supported = factory({ defaultRadius: 10 }).updateSilently !== undefined;

  it.runIf(supported)('answers like the oracle after updateSilently, and the next update emits only real changes', () => {
    const rand = mulberry32(77);
    const impl = factory({ defaultRadius: 10 });
    const oracle = createBruteForceAoi({ defaultRadius: 10 });
    const n = 600;
    const radii = [0, 5, 10, 10, 10, 25, 60];
    for (let h = 1; h <= n; h++) {
      const x = Math.round(rand() * 300 - 150);
      const z = Math.round(rand() * 300 - 150);
      const r = radii[Math.floor(rand() * radii.length)];
      impl.add(h, x, z, r);
      oracle.add(h, x, z, r);
    }
    impl.updateSilently?.();
    const full = oracle.update();
    expect(full.enterCount).toBeGreaterThan(n); // the pairs a bulk load must not have to emit
    expect(impl.size).toBe(n);
    for (let h = 1; h <= n; h++) {
      expect(neighbours(impl, h, 'in'), `interestedIn(${h})`).toEqual(neighbours(oracle, h, 'in'));
      expect(neighbours(impl, h, 'by'), `interestedBy(${h})`).toEqual(neighbours(oracle, h, 'by'));
    }
    expect(impl.queryRadius(0, 0, 40).sort((a, b) => a - b)).toEqual(oracle.queryRadius(0, 0, 40).sort((a, b) => a - b));

    for (let tick = 0; tick < 5; tick++) {
      for (let h = 1; h <= n; h++) {
        if (!oracle.has(h)) continue;
        const p = rand();
        if (p < 0.3) {
          const x = Math.round(rand() * 300 - 150);
          const z = Math.round(rand() * 300 - 150);
          impl.move(h, x, z);
          oracle.move(h, x, z);
        } else if (p < 0.32) {
          impl.remove(h);
          oracle.remove(h);
        }
      }
      const got = impl.update();
      const want = oracle.update();
      expect(enterPairs(got), `${name} tick ${tick} enter`).toEqual(enterPairs(want));
      expect(leavePairs(got), `${name} tick ${tick} leave`).toEqual(leavePairs(want));
      expect(want.enterCount + want.leaveCount).toBeGreaterThan(0);
    }
  });

  it.runIf(supported)('a bulk load with nothing pending changes nothing', () => {
    const impl = factory({ defaultRadius: 10 });
    impl.add(1, 0, 0, 10);
    impl.add(2, 3, 0, 10);
    impl.update();
    impl.updateSilently?.();
    expect(neighbours(impl, 1, 'in')).toEqual([2]);
    impl.move(2, 50, 0);
    expect(leavePairs(impl.update())).toEqual(['1>2', '2>1']);
  });
});
