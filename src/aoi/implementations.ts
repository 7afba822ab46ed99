import type { AoiIndexFactory } from './aoi-index.ts';
import { createBruteForceAoi } from './brute-force.ts';
import { createGridAoi, loadNativeGridAoi } from './grid-aoi.ts';
import { createRbushAoi } from './rbush-aoi.ts';

/**
 * Every AoiIndex implementation by name, for suites that must run them all: grid-native only when its
 * optional C++ kernels are built (native/build.sh), and then it must pass the very same suites.
 */
export function aoiImplementations(): [string, AoiIndexFactory][] {
  const list: [string, AoiIndexFactory][] = [
    ['brute-force', createBruteForceAoi],
    ['grid', createGridAoi],
    ['rbush', createRbushAoi],
  ];
  const nativeGrid = loadNativeGridAoi();
  if (nativeGrid !== null) list.push(['grid-native', nativeGrid]);
  return list;
}
