import { createGridAoi, loadNativeGridAoi } from '../../src/aoi/grid-aoi.ts';
import type { SimdLevel } from '../../src/aoi/native-grid.ts';
import { createRbushAoi } from '../../src/aoi/rbush-aoi.ts';
import { RADIUS, RandomWalk } from './random-walk.ts';

/**
 * Profiling driver: `node --cpu-prof --import tsx benchmarks/aoi/profile-aoi.ts 100000 1 50`
 * (entities, moving share, ticks; AOI_IMPL=rbush|native, AOI_SIMD=scalar|avx2|avx512 pins the native level). Prints per-tick times of the index's part
 * (moveMany + update(), as the bench times it) to match a profile.
 */
const [n = 100_000, moving = 1, ticks = 50] = process.argv.slice(2).map(Number);
const walk = new RandomWalk(n, moving, 1234 + n);
const factory = process.env.AOI_IMPL === 'rbush' ? createRbushAoi : process.env.AOI_IMPL === 'native' ? loadNativeGridAoi(process.env.AOI_SIMD as SimdLevel | undefined) : createGridAoi;
if (factory === null) throw new Error('native grid not built: run native/build.sh');
const aoi = factory({ defaultRadius: RADIUS });
walk.populate(aoi);
aoi.update();
for (let t = 0; t < 3; t++) walk.tick(aoi);
const times: number[] = [];
let events = 0;
for (let t = 0; t < ticks; t++) {
  walk.step();
  const t0 = performance.now();
  events += walk.apply(aoi);
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
console.log(`n=${n} moving=${moving}: median ${times[times.length >> 1].toFixed(3)} ms, min ${times[0].toFixed(3)}, events/tick ${Math.round(events / ticks)}`);
