import { createRequire } from 'node:module';
import { loadNativeGridAoi } from '../../src/aoi/grid-aoi.ts';
import { loadGridNative, type SimdLevel } from '../../src/aoi/native-grid.ts';
import { RADIUS, RandomWalk } from './random-walk.ts';

/**
 * Per-kernel times of the native grid's tick: `npx tsx benchmarks/aoi/time-kernels.ts 10000 1 3000`
 * (entities, moving share, ticks). Wraps each addon call with a clock, so a change to one kernel is
 * measured on its own instead of inside a whole tick's noise; prints each kernel's median and p10 per tick.
 * AOI_SIMD=scalar|avx2|avx512 pins the level (scalar also runs the scatters' baseline build).
 */
const [n = 10_000, moving = 1, ticks = 3000] = process.argv.slice(2).map(Number);
const native = loadGridNative();
if (native === null) throw new Error('native grid not built: run native/build.sh');
const names = ['classify', 'scatter', 'scatterCoherent', 'scatterIncremental', 'sweep', 'moveMany', 'commit'] as const;
const spent = new Map<string, number[]>(names.map((k) => [k, []]));
const tick = new Map<string, number>();
// The addon's exports are read-only: the require cache gets a timed copy, which the grid then loads.
const require = createRequire(import.meta.url);
const timed: Record<string, unknown> = { ...native };
for (const name of names) {
  const fn = (native as unknown as Record<string, (...a: unknown[]) => unknown>)[name];
  timed[name] = (...a: unknown[]) => {
    const t0 = performance.now();
    const r = fn(...a);
    tick.set(name, (tick.get(name) ?? 0) + performance.now() - t0);
    return r;
  };
}
require.cache[require.resolve('../../native/build/aoi_grid.node')]!.exports = timed;
const factory = loadNativeGridAoi(process.env.AOI_SIMD as SimdLevel | undefined);
if (factory === null) throw new Error('native grid not built: run native/build.sh');
const aoi = factory({ defaultRadius: RADIUS });
const walk = new RandomWalk(n, moving, 1234 + n);
walk.populate(aoi);
aoi.update();
for (let t = 0; t < 50; t++) walk.tick(aoi);
const whole: number[] = [];
for (let t = 0; t < ticks; t++) {
  walk.step();
  tick.clear();
  const t0 = performance.now();
  walk.apply(aoi);
  whole.push(performance.now() - t0);
  for (const name of names) spent.get(name)!.push(tick.get(name) ?? 0);
}
const at = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))];
const row = (name: string, xs: number[]): string => `${name.padEnd(18)} median ${at(xs, 0.5).toFixed(4)} ms  p10 ${at(xs, 0.1).toFixed(4)}`;
console.log(`n=${n} moving=${moving}, ${ticks} ticks`);
console.log(row('tick', whole));
for (const name of names) if (at(spent.get(name)!, 0.99) > 0) console.log(row(name, spent.get(name)!));
