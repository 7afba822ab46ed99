import type { AoiIndexFactory } from './aoi-index.ts';
import { createBruteForceAoi } from './brute-force.ts';
import { createGridAoi, loadNativeGridAoi, nativeSimdLevels } from './grid-aoi.ts';
import { createRbushAoi } from './rbush-aoi.ts';

/**
 * Every AoiIndex implementation by name, for suites that must run them all: grid-native only when its
 * optional C++ kernels are built (native/build.sh), and then it must pass the very same suites, at every
 * vector level of its pair loop that this CPU runs.
 */
export function aoiImplementations(): [string, AoiIndexFactory][] {
  const list: [string, AoiIndexFactory][] = [
    ['brute-force', createBruteForceAoi],
    ['grid', createGridAoi],
    ['rbush', createRbushAoi],
  ];
  const nativeGrid = loadNativeGridAoi();
  if (nativeGrid === null) return list;
  list.push(['grid-native', nativeGrid]);
  // 'grid-native' runs the level picked at run time; every other level this CPU has is pinned and checked.
  const simd = nativeSimdLevels();
  for (const level of simd?.levels ?? []) {
    if (level !== simd?.auto) list.push([`grid-native-${level}`, loadNativeGridAoi(level) as AoiIndexFactory]);
  }
  return list;
}
