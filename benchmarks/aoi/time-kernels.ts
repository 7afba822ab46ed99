import { createRequire } from 'node:module';
import type { AoiIndexFactory } from '../../src/aoi/aoi-index.ts';
import { AoiEntityTable } from '../../src/aoi/entity-table.ts';
import { createGridAoi, loadNativeGridAoi } from '../../src/aoi/grid-aoi.ts';
import { tsKernels } from '../../src/aoi/grid-kernels-ts.ts';
import { loadGridNative, type SimdLevel } from '../../src/aoi/native-grid.ts';
import { RADIUS, RandomWalk } from './random-walk.ts';

/**
 * Per-kernel times of a grid tick: `npx tsx benchmarks/aoi/time-kernels.ts 10000 1 3000` (entities,
 * moving share, ticks). Wraps each kernel call with a clock, so a change to one kernel is measured on its
 * own instead of inside a whole tick's noise; prints each one's median and p10 per tick.
 * - Default: the C++ kernels (each addon call). AOI_SIMD=scalar|avx2|avx512 pins the level (scalar also
 *   runs the scatters' baseline build).
 * - AOI_IMPL=ts: the TypeScript grid (its build kernels and the table's moveMany and commit; the sweep is
 *   the tick's remainder, as its functions are module-internal).
 */
type Fn = (...a: unknown[]) => unknown;

/** Replaces each named method of `target` with a timed call of the original. */
function timeMethods(target: Record<string, unknown>, source: Record<string, unknown>, names: readonly string[], tick: Map<string, number>): void {
  for (const name of names) {
    const fn = source[name] as Fn;
    target[name] = function timed(this: unknown, ...a: unknown[]) {
      const t0 = performance.now();
      const r = fn.apply(this, a);
      tick.set(name, (tick.get(name) ?? 0) + performance.now() - t0);
      return r;
    };
  }
}

function nativeFactory(tick: Map<string, number>): { factory: AoiIndexFactory; names: string[] } {
  const native = loadGridNative();
  if (native === null) throw new Error('native grid not built: run native/build.sh');
  const names = ['classify', 'scatter', 'scatterCoherent', 'scatterIncremental', 'sweep', 'moveMany', 'commit'];
  // The addon's exports are read-only: the require cache gets a timed copy, which the grid then loads.
  const require = createRequire(import.meta.url);
  const timed: Record<string, unknown> = { ...native };
  timeMethods(timed, native as unknown as Record<string, unknown>, names, tick);
  require.cache[require.resolve('../../native/build/aoi_grid.node')]!.exports = timed;
  const factory = loadNativeGridAoi(process.env.AOI_SIMD as SimdLevel | undefined);
  if (factory === null) throw new Error('native grid not built: run native/build.sh');
  return { factory, names };
}

function tsFactory(tick: Map<string, number>): { factory: AoiIndexFactory; names: string[] } {
  const kernels = ['classify', 'scatter', 'scatterCoherent', 'scatterIncremental'];
  timeMethods(tsKernels as unknown as Record<string, unknown>, { ...tsKernels }, kernels, tick);
  const proto = AoiEntityTable.prototype as unknown as Record<string, unknown>;
  timeMethods(proto, { ...Object.fromEntries(['moveMany', 'commit'].map((k) => [k, proto[k]])) }, ['moveMany', 'commit'], tick);
  return { factory: createGridAoi, names: [...kernels, 'moveMany', 'commit'] };
}

const [n = 10_000, moving = 1, ticks = 3000] = process.argv.slice(2).map(Number);
const tick = new Map<string, number>();
const { factory, names } = process.env.AOI_IMPL === 'ts' ? tsFactory(tick) : nativeFactory(tick);
const spent = new Map<string, number[]>(names.map((k) => [k, []]));
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
console.log(`${process.env.AOI_IMPL === 'ts' ? 'TypeScript' : 'native'} n=${n} moving=${moving}, ${ticks} ticks`);
console.log(row('tick', whole));
for (const name of names) if (at(spent.get(name)!, 0.99) > 0) console.log(row(name, spent.get(name)!));
