import type { AoiEvents, AoiIndex, AoiIndexOptions } from './aoi-index.ts';
import { AoiEntityTable } from './entity-table.ts';
import { AoiEventBuffer } from './event-buffer.ts';
import { SweepScratch, sweepAll, sweepChanged, sweepSpecials } from './grid-events.ts';
import { GridLayout } from './grid-layout.ts';

const NAME = 'grid';

/** Above this share of changed entities one half-stencil pass over every cell beats per-entity scans. */
const SWEEP_ALL_SHARE = 0.35;

/**
 * The production AOI for moving entities: a uniform grid rebuilt by counting sort on every update that
 * has changes, with events computed as "interested before XOR interested after" for pairs touching a
 * changed entity (see grid-events.ts). Radii up to twice the space default ride the grid; larger ones
 * and long jumps are handled per entity, so they stay exact without widening every cell.
 */
export function createGridAoi(options: AoiIndexOptions): AoiIndex {
  const base = options.defaultRadius > 0 ? options.defaultRadius : 1;
  const table = new AoiEntityTable(NAME);
  const layout = new GridLayout(2 * base, 0.5 * base, base);
  const events = new AoiEventBuffer();
  const scratch = new SweepScratch();
  let stamp = new Int32Array(0);
  let mark = 0;

  return {
    name: NAME,
    get size() {
      return table.size;
    },
    add: (h, x, z, r) => table.add(h, x, z, r),
    move: (h, x, z) => table.move(h, x, z),
    setRadius: (h, r) => table.setRadius(h, r),
    remove: (h) => table.remove(h),
    has: (h) => table.has(h),
    update(): AoiEvents {
      events.reset();
      if (table.changedCount === 0) return events;
      layout.build(table);
      if (layout.count > 0) {
        if (layout.changedCount >= SWEEP_ALL_SHARE * layout.count) sweepAll(layout, events, scratch);
        else sweepChanged(layout, events, scratch);
        if (layout.specialCount > 0) {
          if (stamp.length < layout.count) stamp = new Int32Array(layout.sH.length);
          mark = sweepSpecials(layout, table, events, stamp, mark);
        }
      }
      table.commit();
      return events;
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
      for (const w of layout.bigHandles) {
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
      layout.count = 0;
      layout.bigHandles.length = 0;
      events.reset();
    },
  };
}
