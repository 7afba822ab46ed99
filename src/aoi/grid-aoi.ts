import type { AoiEvents, AoiIndex, AoiIndexFactory, AoiIndexOptions } from './aoi-index.ts';
import { AoiEntityTable, tableBackedIndex } from './entity-table.ts';
import { AoiEventBuffer } from './event-buffer.ts';
import { SweepScratch, sweepAll, sweepChanged, sweepSpecials } from './grid-events.ts';
import { GridLayout } from './grid-layout.ts';
import { nativeKernels } from './grid-kernels-native.ts';
import { tsKernels } from './grid-kernels-ts.ts';
import { type GridNative, loadGridNative, SIMD_LEVELS, type SimdLevel } from './native-grid.ts';

/** Above this share of changed entities one half-stencil pass over every cell beats per-entity scans. */
const SWEEP_ALL_SHARE = 0.35;

/**
 * The production AOI for moving entities. Design, and why:
 * - State is the entity table (entity-table.ts): committed (as of the last update) and intended
 *   positions/radii per handle, float32. Interest before/after an update is then a pure function of the
 *   two states, so the enter/leave events are "before XOR after" per direction for every pair touching
 *   a changed entity. Nothing per pair is stored, so there is no neighbour-set diff at all.
 * - Each update with changes sorts the entities into a uniform grid of cells half the reach wide
 *   (reach = largest small radius + twice the largest move), row-major with a border (grid-layout.ts).
 *   A 5x5 stencil then covers every pair that can flip, and a row of five cells is ONE contiguous range,
 *   so pair scans stream through memory. Building is a counting sort that visits entities in the
 *   previous layout's order, or, when few changed, keeps the previous cells and only re-sorts by
 *   copying (grid-build.ts).
 * - Many changed: each cell once with the half stencil (each pair tested once). Few changed: each
 *   changed entity scans its full stencil, and the pair belongs to whichever changed side sorts first.
 *   The pair test is branch-free (grid-events.ts); only flips reach the emitting branch.
 * - Radii above twice the space default, and moves above half of it, are SPECIAL: handled per entity
 *   (grid-events.ts sweepSpecials) so a few big watchers or teleports never widen every cell.
 * - The O(n) loops have an optional C++ port (native/aoi-grid.cc, AVX2 pair test); the TypeScript is
 *   the reference, and both run the same contract suite against the brute-force oracle.
 */
export function createGridAoi(options: AoiIndexOptions): AoiIndex {
  return buildGridAoi(options, null, 'grid');
}

/**
 * The same grid with the optional C++ kernels (native/build.sh), or null when they are not built.
 * Loaded once per call: no module-level cache, so tests can compare both in one process. `simd` pins the
 * pair loop's vector level (the contract suite runs every level this CPU has); by default the addon picks
 * one at run time from the CPU's features (simdAuto), so the one portable build is fast where it runs.
 */
export function loadNativeGridAoi(simd?: SimdLevel): AoiIndexFactory | null {
  const native = loadGridNative();
  if (native === null) return null;
  const level = simd === undefined ? -1 : SIMD_LEVELS.indexOf(simd);
  return (options) => buildGridAoi(options, native, simd === undefined ? 'grid-native' : `grid-native-${simd}`, level);
}

/**
 * The vector levels this CPU runs the native pair loop at, lowest first, and the one used unless pinned;
 * null when the addon is not built.
 */
export function nativeSimdLevels(): { levels: SimdLevel[]; auto: SimdLevel } | null {
  const native = loadGridNative();
  if (native === null) return null;
  return { levels: SIMD_LEVELS.slice(0, native.simdLevel() + 1), auto: SIMD_LEVELS[native.simdAuto()] };
}

function buildGridAoi(options: AoiIndexOptions, native: GridNative | null, name: string, simd = -1): AoiIndex {
  const base = options.defaultRadius > 0 ? options.defaultRadius : 1;
  const table = new AoiEntityTable(name);
  const layout = new GridLayout(2 * base, 0.5 * base, base, native === null ? tsKernels : nativeKernels(native, simd));
  const stats = new Float64Array(2);
  const events = new AoiEventBuffer();
  const scratch = new SweepScratch();
  let stamp = new Int32Array(0);
  let mark = 0;
  // The same commit, in C++ when built: at 10k all-moving it is a tenth of the tick in TypeScript.
  const commit = native === null ? () => table.commit() : nativeCommit(native, table);

  return tableBackedIndex(table, {
    ...(native === null ? {} : { moveMany: nativeMoveMany(native, table) }),
    update(): AoiEvents {
      events.reset();
      if (table.changedCount === 0) return events;
      layout.build(table);
      if (layout.count > 0) {
        const all = layout.changedCount >= SWEEP_ALL_SHARE * layout.count;
        if (native !== null) nativeSweep(native, layout, all, events, stats, simd);
        else if (all) sweepAll(layout, events, scratch);
        else sweepChanged(layout, events, scratch);
        if (layout.specialCount > 0) {
          if (stamp.length < layout.count) stamp = new Int32Array(layout.sH.length);
          mark = sweepSpecials(layout, table, events, stamp, mark);
        }
      }
      commit();
      return events;
    },
    updateSilently() {
      events.reset();
      if (table.changedCount === 0) return;
      // The layout is all later updates and queries need; the sweeps only produce events.
      layout.build(table);
      commit();
    },
    forEachInterestedIn(watcher, fn) {
      if (!table.committed(watcher)) return;
      const { sH } = layout;
      layout.forEachWithin(table.ox[watcher], table.oz[watcher], table.or[watcher], (i) => {
        if (sH[i] !== watcher) fn(sH[i]);
      });
    },
    forEachInterestedBy(target, fn) {
      if (!table.committed(target)) return;
      const { sH } = layout;
      const x = table.ox[target];
      const z = table.oz[target];
      layout.forEachWithin(x, z, layout.smallRadius, (i) => {
        const w = sH[i];
        const r = table.or[w];
        if (w === target || r > layout.bigRadius) return;
        const dx = table.ox[w] - x;
        const dz = table.oz[w] - z;
        if (dx * dx + dz * dz <= r * r) fn(w);
      });
      for (let b = 0; b < layout.bigCount; b++) {
        const w = layout.bigHandles[b];
        if (w === target) continue;
        const dx = table.ox[w] - x;
        const dz = table.oz[w] - z;
        const r = table.or[w];
        if (dx * dx + dz * dz <= r * r) fn(w);
      }
    },
    queryRadius(x, z, radius, out = []) {
      const { sH } = layout;
      layout.forEachWithin(x, z, radius, (i) => out.push(sH[i]));
      return out;
    },
    queryRect: (minX, minZ, maxX, maxZ, out = []) => layout.queryRect(minX, minZ, maxX, maxZ, out),
    clear() {
      table.clear();
      layout.reset();
      events.reset();
    },
  });
}

/** AoiIndex.moveMany in C++ for typed columns (the engine's Position arrays), else the table's own. */
function nativeMoveMany(native: GridNative, table: AoiEntityTable): AoiIndex['moveMany'] {
  const moved = new Float64Array(2);
  return (handles, count, xs, zs) => {
    if (!(handles instanceof Int32Array && xs instanceof Float32Array && zs instanceof Float32Array)) {
      table.moveMany(handles, count, xs, zs);
      return;
    }
    native.moveMany(handles, count, xs, zs, table.nx, table.nz, table.nPresent, table.changedFlag, table.changed,
      table.changedCount, table.capacity, moved);
    table.changedCount = moved[0];
    // A bad entry stopped the C++ loop after the ones before it: the TypeScript path throws its error.
    if (moved[1] >= 0) table.moveMany(handles.subarray(moved[1]), 1, xs, zs);
  };
}

/** The table's commit with its changed-list loop in C++ (column copies are memcpy from either side). */
function nativeCommit(native: GridNative, t: AoiEntityTable): () => void {
  const scattered = (): void => {
    native.commit(t.changed, t.changedCount, t.changedFlag, t.oPresent, t.nPresent, t.ox, t.oz, t.or, t.nx, t.nz, t.nr);
  };
  return () => t.commit(scattered);
}

/** The C++ sweep writes into the event arrays and reports the counts it needed; too small means rerun. */
function nativeSweep(native: GridNative, L: GridLayout, all: boolean, ev: AoiEventBuffer, stats: Float64Array, simd: number): void {
  for (;;) {
    native.sweep(all ? 0 : 1, L.cellStart, L.width, L.height, L.sFlag, L.sX, L.sZ, L.sOX, L.sOZ, L.sR2, L.sOR2, L.sH,
      L.sCell, L.changedIdx, L.changedCount, ev.enterWatcher, ev.enterTarget, ev.leaveWatcher, ev.leaveTarget, stats,
      L.count, simd, L.stencil, L.uniformRadius >= 0 ? L.uniformRadius * L.uniformRadius : -1);
    if (stats[0] <= ev.enterWatcher.length && stats[1] <= ev.leaveWatcher.length) break;
    ev.reserve(stats[0], stats[1]);
  }
  ev.enterCount = stats[0];
  ev.leaveCount = stats[1];
}
