export type { AoiEvents, AoiIndex, AoiIndexFactory, AoiIndexOptions } from './aoi-index.ts';
export { createBruteForceAoi } from './brute-force.ts';
export { createGridAoi, loadNativeGridAoi } from './grid-aoi.ts';
export { createRbushAoi } from './rbush-aoi.ts';
