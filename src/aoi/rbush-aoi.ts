import RBush from 'rbush';
import type { AoiEvents, AoiIndex, AoiIndexOptions } from './aoi-index.ts';
import { AoiEntityTable, evalTablePair, tableBackedIndex } from './entity-table.ts';
import { AoiEventBuffer } from './event-buffer.ts';

const NAME = 'rbush';

/** An entity's AOI box: its own point grown by its radius, so one tree answers both directions. */
interface Item {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
  h: number;
}

/** Boxes are padded by a hair so float rounding of `x ± r` can never drop an exact-boundary pair. */
function pad(x: number, z: number, r: number): number {
  return r + (Math.abs(x) + Math.abs(z) + r) * 1e-9 + 1e-9;
}

function setBox(item: Item, x: number, z: number, r: number): void {
  const p = pad(x, z, r);
  item.minX = x - p;
  item.minY = z - p;
  item.maxX = x + p;
  item.maxY = z + p;
}

/**
 * AOI over rbush (R-tree of each entity's AOI box), with a move being remove + insert. Meant for what
 * does not move, or has a large radius, and for region queries; also the benchmark's tree baseline.
 * Items hold the radius-grown box, so "whom does W see" searches W's box and "who sees T" searches the
 * point T: a big-radius watcher is found by the targets' searches without a special case.
 */
export function createRbushAoi(_options: AoiIndexOptions): AoiIndex {
  const table = new AoiEntityTable(NAME);
  const tree = new RBush<Item>();
  const items: (Item | undefined)[] = [];
  const events = new AoiEventBuffer();
  const probe: Item = { minX: 0, minY: 0, maxX: 0, maxY: 0, h: -1 };
  const pass: Pass = { table, tree, events, probe };

  function committedBox(h: number, fn: (other: Item) => void, x: number, z: number, r: number): void {
    if (!table.committed(h)) return;
    setBox(probe, x, z, r);
    for (const other of tree.search(probe)) if (other.h !== h) fn(other);
  }

  return tableBackedIndex(table, {
    update(): AoiEvents {
      events.reset();
      const { changed, changedCount, oPresent, nPresent } = table;
      for (let k = 0; k < changedCount; k++) {
        const h = changed[k];
        if (oPresent[h] === 1) pairOld(pass, h);
      }
      reinsertChanged(table, tree, items);
      for (let k = 0; k < changedCount; k++) {
        const h = changed[k];
        if (nPresent[h] === 1) pairNew(pass, h);
      }
      table.commit();
      return events;
    },
    forEachInterestedIn(w, fn) {
      const { ox, oz } = table;
      const x = ox[w];
      const z = oz[w];
      const r = table.or[w];
      committedBox(w, (o) => {
        const dx = x - ox[o.h];
        const dz = z - oz[o.h];
        if (dx * dx + dz * dz <= r * r) fn(o.h);
      }, x, z, r);
    },
    forEachInterestedBy(t, fn) {
      const { ox, oz, or } = table;
      const x = ox[t];
      const z = oz[t];
      committedBox(t, (o) => {
        const dx = ox[o.h] - x;
        const dz = oz[o.h] - z;
        const r = or[o.h];
        if (dx * dx + dz * dz <= r * r) fn(o.h);
      }, x, z, 0);
    },
    queryRadius(x, z, radius, out = []) {
      setBox(probe, x, z, radius);
      return searchWithin(table, tree, probe, x, z, radius, out);
    },
    queryRect: (minX, minZ, maxX, maxZ, out = []) => searchRect(table, tree, minX, minZ, maxX, maxZ, out),
    clear() {
      table.clear();
      tree.clear();
      items.length = 0;
      events.reset();
    },
  });
}

/** Whether the committed (old) boxes of a and b intersect, with the same arithmetic as the items. */
function oldBoxesMeet(table: AoiEntityTable, a: number, b: number): boolean {
  const { ox, oz, or } = table;
  const pa = pad(ox[a], oz[a], or[a]);
  const pb = pad(ox[b], oz[b], or[b]);
  return ox[a] - pa <= ox[b] + pb && ox[b] - pb <= ox[a] + pa && oz[a] - pa <= oz[b] + pb && oz[b] - pb <= oz[a] + pa;
}

/** The tree takes the changed entities' new boxes: removed, moved (remove + insert) or added. */
function reinsertChanged(table: AoiEntityTable, tree: RBush<Item>, items: (Item | undefined)[]): void {
  const { changed, changedCount, oPresent, nPresent, nx, nz, nr } = table;
  for (let k = 0; k < changedCount; k++) {
    const h = changed[k];
    const item = items[h];
    if (oPresent[h] === 1 && item !== undefined) tree.remove(item);
    if (nPresent[h] === 1) {
      const next = item ?? { minX: 0, minY: 0, maxX: 0, maxY: 0, h };
      setBox(next, nx[h], nz[h], nr[h]);
      items[h] = next;
      tree.insert(next);
    }
  }
}

/** Handles in `probe`'s box whose committed position is within `radius` of (x, z). */
function searchWithin(table: AoiEntityTable, tree: RBush<Item>, probe: Item, x: number, z: number, radius: number, out: number[]): number[] {
  const { ox, oz } = table;
  for (const o of tree.search(probe)) {
    const dx = ox[o.h] - x;
    const dz = oz[o.h] - z;
    if (dx * dx + dz * dz <= radius * radius) out.push(o.h);
  }
  return out;
}

function searchRect(table: AoiEntityTable, tree: RBush<Item>, minX: number, minZ: number, maxX: number, maxZ: number, out: number[]): number[] {
  const { ox, oz } = table;
  for (const o of tree.search({ minX, minY: minZ, maxX, maxY: maxZ })) {
    const x = ox[o.h];
    const z = oz[o.h];
    if (x >= minX && x <= maxX && z >= minZ && z <= maxZ) out.push(o.h);
  }
  return out;
}

/** What an update's pair passes read and write. */
interface Pass {
  table: AoiEntityTable;
  tree: RBush<Item>;
  events: AoiEventBuffer;
  /** A scratch box for searches. */
  probe: Item;
}

/**
 * Every pair that could flip has boxes that meet before or after the update, so each changed entity
 * searches the old tree (before applying moves) and the new one (after). A pair is evaluated once: a
 * pair of two changed entities by the smaller handle (box overlap is symmetric), and a pair whose old
 * boxes met only in the old pass.
 */
function pairOld({ table, tree, events, probe }: Pass, h: number): void {
  setBox(probe, table.ox[h], table.oz[h], table.or[h]);
  const changed = table.changedFlag;
  for (const o of tree.search(probe)) {
    const j = o.h;
    if (j === h || (changed[j] === 1 && j < h)) continue;
    evalTablePair(table, events, h, j);
  }
}

function pairNew({ table, tree, events, probe }: Pass, h: number): void {
  setBox(probe, table.nx[h], table.nz[h], table.nr[h]);
  const { changedFlag: changed, oPresent } = table;
  const hadOld = oPresent[h] === 1;
  for (const o of tree.search(probe)) {
    const j = o.h;
    if (j === h || (changed[j] === 1 && j < h)) continue;
    if (hadOld && oPresent[j] === 1 && oldBoxesMeet(table, h, j)) continue;
    evalTablePair(table, events, h, j);
  }
}
