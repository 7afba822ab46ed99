import type { AoiEvents, AoiIndex, AoiIndexOptions } from './aoi-index.ts';
import { checkHandle, checkPosition, checkRadius, duplicateHandle, unknownHandle } from './aoi-validate.ts';
import { AoiEventBuffer } from './event-buffer.ts';

interface Point {
  x: number;
  z: number;
  r: number;
}

const NAME = 'brute-force';

/**
 * The O(n²) oracle that defines AOI correctness: every update recomputes the whole relation from
 * scratch and diffs it against the previous one. Deliberately plain (Maps and Sets, no incremental
 * tricks) so it is obviously right; every other implementation must produce exactly its event sets.
 */
export function createBruteForceAoi(_options: AoiIndexOptions): AoiIndex {
  let committed = new Map<number, Point>();
  // Intent since the last update: a Point to (re)place the entity, null to remove it.
  const pending = new Map<number, Point | null>();
  let interestedIn = new Map<number, Set<number>>();
  let interestedBy = new Map<number, Set<number>>();
  let size = 0;
  const events = new AoiEventBuffer();

  function current(handle: number): Point | undefined {
    if (pending.has(handle)) return pending.get(handle) ?? undefined;
    return committed.get(handle);
  }

  function present(handle: number): Point {
    const p = current(handle);
    if (p === undefined) throw unknownHandle(NAME, handle);
    return p;
  }

  function link(map: Map<number, Set<number>>, a: number, b: number): void {
    let set = map.get(a);
    if (set === undefined) {
      set = new Set();
      map.set(a, set);
    }
    set.add(b);
  }

  return {
    name: NAME,
    get size() {
      return size;
    },
    add(handle, x, z, radius) {
      checkHandle(handle);
      checkPosition(x, z);
      checkRadius(radius);
      if (current(handle) !== undefined) throw duplicateHandle(NAME, handle);
      pending.set(handle, { x: Math.fround(x), z: Math.fround(z), r: Math.fround(radius) });
      size++;
    },
    move(handle, x, z) {
      checkPosition(x, z);
      const p = present(handle);
      pending.set(handle, { x: Math.fround(x), z: Math.fround(z), r: p.r });
    },
    moveMany(handles, count, xs, zs) {
      for (let k = 0; k < count; k++) this.move(handles[k], xs[handles[k]], zs[handles[k]]);
    },
    setRadius(handle, radius) {
      checkRadius(radius);
      const p = present(handle);
      pending.set(handle, { x: p.x, z: p.z, r: Math.fround(radius) });
    },
    remove(handle) {
      present(handle);
      pending.set(handle, null);
      size--;
    },
    has(handle) {
      return current(handle) !== undefined;
    },
    update(): AoiEvents {
      const next = new Map(committed);
      for (const [handle, p] of pending) {
        if (p === null) next.delete(handle);
        else next.set(handle, p);
      }
      pending.clear();
      committed = next;

      const nextIn = new Map<number, Set<number>>();
      const nextBy = new Map<number, Set<number>>();
      for (const [w, pw] of committed) {
        for (const [t, pt] of committed) {
          if (w === t) continue;
          const dx = pw.x - pt.x;
          const dz = pw.z - pt.z;
          if (dx * dx + dz * dz <= pw.r * pw.r) {
            link(nextIn, w, t);
            link(nextBy, t, w);
          }
        }
      }

      events.reset();
      for (const [w, targets] of nextIn) {
        const before = interestedIn.get(w);
        for (const t of targets) if (before === undefined || !before.has(t)) events.pushEnter(w, t);
      }
      for (const [w, targets] of interestedIn) {
        const after = nextIn.get(w);
        for (const t of targets) if (after === undefined || !after.has(t)) events.pushLeave(w, t);
      }
      interestedIn = nextIn;
      interestedBy = nextBy;
      return events;
    },
    forEachInterestedIn(watcher, fn) {
      const set = interestedIn.get(watcher);
      if (set !== undefined) for (const t of [...set]) fn(t);
    },
    forEachInterestedBy(target, fn) {
      const set = interestedBy.get(target);
      if (set !== undefined) for (const w of [...set]) fn(w);
    },
    queryRadius(x, z, radius, out = []) {
      for (const [handle, p] of committed) {
        const dx = p.x - x;
        const dz = p.z - z;
        if (dx * dx + dz * dz <= radius * radius) out.push(handle);
      }
      return out;
    },
    queryRect(minX, minZ, maxX, maxZ, out = []) {
      for (const [handle, p] of committed) {
        if (p.x >= minX && p.x <= maxX && p.z >= minZ && p.z <= maxZ) out.push(handle);
      }
      return out;
    },
    clear() {
      committed = new Map();
      pending.clear();
      interestedIn = new Map();
      interestedBy = new Map();
      size = 0;
      events.reset();
    },
  };
}
