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

  const current = (handle: number): Point | undefined => intent(pending, committed, handle);

  function present(handle: number): Point {
    const p = current(handle);
    if (p === undefined) throw unknownHandle(NAME, handle);
    return p;
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
      committed = applied(committed, pending);
      pending.clear();

      const rel = relation(committed);
      events.reset();
      pushDiff(events, interestedIn, rel.interestedIn);
      interestedIn = rel.interestedIn;
      interestedBy = rel.interestedBy;
      return events;
    },
    forEachInterestedIn: (watcher, fn) => forEachOf(interestedIn, watcher, fn),
    forEachInterestedBy: (target, fn) => forEachOf(interestedBy, target, fn),
    queryRadius: (x, z, radius, out = []) =>
      pushWhere(committed, out, (p) => {
        const dx = p.x - x;
        const dz = p.z - z;
        return dx * dx + dz * dz <= radius * radius;
      }),
    queryRect: (minX, minZ, maxX, maxZ, out = []) =>
      pushWhere(committed, out, (p) => p.x >= minX && p.x <= maxX && p.z >= minZ && p.z <= maxZ),
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

function link(map: Map<number, Set<number>>, a: number, b: number): void {
  let set = map.get(a);
  if (set === undefined) {
    set = new Set();
    map.set(a, set);
  }
  set.add(b);
}

/** The whole interest relation of `points`, from scratch, both ways. */
function relation(points: Map<number, Point>): { interestedIn: Map<number, Set<number>>; interestedBy: Map<number, Set<number>> } {
  const interestedIn = new Map<number, Set<number>>();
  const interestedBy = new Map<number, Set<number>>();
  for (const [w, pw] of points) {
    for (const [t, pt] of points) {
      if (w === t) continue;
      const dx = pw.x - pt.x;
      const dz = pw.z - pt.z;
      if (dx * dx + dz * dz <= pw.r * pw.r) {
        link(interestedIn, w, t);
        link(interestedBy, t, w);
      }
    }
  }
  return { interestedIn, interestedBy };
}

/** Enter for each pair only in `after`, leave for each pair only in `before`. */
function pushDiff(events: AoiEventBuffer, before: Map<number, Set<number>>, after: Map<number, Set<number>>): void {
  for (const [w, targets] of after) {
    const was = before.get(w);
    for (const t of targets) if (was === undefined || !was.has(t)) events.pushEnter(w, t);
  }
  for (const [w, targets] of before) {
    const is = after.get(w);
    for (const t of targets) if (is === undefined || !is.has(t)) events.pushLeave(w, t);
  }
}

/** Appends the handles of the points that pass `test`. */
function pushWhere(points: Map<number, Point>, out: number[], test: (p: Point) => boolean): number[] {
  for (const [handle, p] of points) if (test(p)) out.push(handle);
  return out;
}

/** An entity's recorded intent: pending if any (null: removed), else as committed. */
function intent(pending: Map<number, Point | null>, committed: Map<number, Point>, handle: number): Point | undefined {
  if (pending.has(handle)) return pending.get(handle) ?? undefined;
  return committed.get(handle);
}

/** The committed state after the pending intent. */
function applied(committed: Map<number, Point>, pending: Map<number, Point | null>): Map<number, Point> {
  const next = new Map(committed);
  for (const [handle, p] of pending) {
    if (p === null) next.delete(handle);
    else next.set(handle, p);
  }
  return next;
}

/** Calls fn for each member of key's set, on a copy (fn may change the index). */
function forEachOf(map: Map<number, Set<number>>, key: number, fn: (other: number) => void): void {
  const set = map.get(key);
  if (set !== undefined) for (const o of [...set]) fn(o);
}
