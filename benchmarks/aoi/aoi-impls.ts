import type { AoiIndexFactory } from '../../src/aoi/aoi-index.ts';
import { createBruteForceAoi } from '../../src/aoi/brute-force.ts';
import { createGridAoi, loadNativeGridAoi } from '../../src/aoi/grid-aoi.ts';
import { createRbushAoi } from '../../src/aoi/rbush-aoi.ts';
import type { BenchRow } from '../bench-types.ts';
import { measure, type MeasureOptions } from '../measure.ts';
import { RADIUS, RandomWalk } from './random-walk.ts';

export interface Impl {
  name: string;
  factory: AoiIndexFactory;
  baseline: boolean;
  /** Largest population worth timing (the O(n²) oracle is hopeless at 100k). */
  maxEntities: number;
  /** Expected to be slow: a handful of iterations is enough. */
  slow: boolean;
}

/** Every implementation the AOI suite times, in table order; grid-native only when built. */
export function aoiImpls(): Impl[] {
  const list: Impl[] = [{ name: 'grid', factory: createGridAoi, baseline: false, maxEntities: Infinity, slow: false }];
  const native = loadNativeGridAoi();
  if (native !== null) list.push({ name: 'grid-native', factory: native, baseline: false, maxEntities: Infinity, slow: false });
  list.push(
    { name: 'rbush', factory: createRbushAoi, baseline: true, maxEntities: Infinity, slow: true },
    { name: 'brute-force', factory: createBruteForceAoi, baseline: false, maxEntities: 1_000, slow: true },
  );
  return list;
}

export const SIZES = [1_000, 10_000, 100_000];
export const MOVING = [1, 0.1];
const PREWARM_TICKS = 3;

function budget(impl: Impl, n: number): MeasureOptions {
  if (impl.slow && n >= 100_000) return { iterations: 1, timeMs: 0 };
  if (impl.slow && n >= 10_000) return { iterations: 8, timeMs: 0 };
  if (impl.slow) return { iterations: 10, timeMs: 500 };
  return { iterations: 30, timeMs: n >= 100_000 ? 3_000 : 1_500 };
}

/** One row: a pre-warmed world of n entities, then ticks of (moveMany + update()) timed by tinybench. */
export async function measureRow(impl: Impl, n: number, moving: number): Promise<BenchRow> {
  // Same seed for every impl: identical worlds and identical walks.
  const walk = new RandomWalk(n, moving, 1234 + n);
  const aoi = impl.factory({ defaultRadius: RADIUS });
  walk.populate(aoi);
  aoi.update();
  // Slow baselines are already JIT-warm from the smaller sizes, and the first update (the enter storm)
  // is outside the timing anyway; at 100k one of their ticks takes seconds.
  const prewarm = impl.slow && n >= 100_000 ? 0 : PREWARM_TICKS;
  for (let t = 0; t < prewarm; t++) walk.tick(aoi);
  let events = 0;
  // The walk's step runs before each timed call: the row times the index (moveMany + update()), not the
  // workload's random numbers, for every implementation alike.
  const timing = await measure(`${impl.name} ${n} ${moving}`, () => {
    events += walk.apply(aoi);
  }, budget(impl, n), () => walk.step());
  return {
    entities: n,
    moving,
    impl: impl.name,
    baseline: impl.baseline,
    msPerTick: timing.medianMs,
    meanMs: timing.meanMs,
    p95Ms: timing.p95Ms,
    samples: timing.samples,
    eventsPerTick: Math.round(events / timing.samples),
  };
}
