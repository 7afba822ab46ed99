import type { AoiEvents, AoiIndex, AoiIndexOptions } from './aoi-index.ts';
import { checkHandle, checkPosition, checkRadius, duplicateHandle, unknownHandle } from './aoi-validate.ts';
import { AoiEventBuffer } from './event-buffer.ts';

interface Point {
  x: number;
  z: number;
  r: number;
}

const NAME = 'brute-force';

/** The oracle's whole state: the last committed positions and relation, and the intent since. */
interface Oracle {
  committed: Map<number, Point>;
  // Intent since the last update: a Point to (re)place the entity, null to remove it.
  readonly pending: Map<number, Point | null>;
  interestedIn: Map<number, Set<number>>;
  interestedBy: Map<number, Set<number>>;
  size: number;
  readonly events: AoiEventBuffer;
}

/**
 * The O(n²) oracle that defines AOI correctness: every update recomputes the whole relation from
 * scratch and diffs it against the previous one. Deliberately plain (Maps and Sets, no incremental
 * tricks) so it is obviously right; every other implementation must produce exactly its event sets.
 */
export function createBruteForceAoi(_options: AoiIndexOptions): AoiIndex {
  const s: Oracle = {
    committed: new Map(),
    pending: new Map(),
    interestedIn: new Map(),
    interestedBy: new Map(),
    size: 0,
    events: new AoiEventBuffer(),
  };

  return {
    name: NAME,
    get size() {
      return s.size;
    },
    add: (handle, x, z, radius) => recordAdd(s, handle, x, z, radius),
    move: (handle, x, z) => recordMove(s, handle, x, z),
    moveMany(handles, count, xs, zs) {
      for (let k = 0; k < count; k++) this.move(handles[k], xs[handles[k]], zs[handles[k]]);
    },
    setRadius: (handle, radius) => recordRadius(s, handle, radius),
    remove: (handle) => recordRemove(s, handle),
    has: (handle) => current(s, handle) !== undefined,
    update: () => commit(s),
    forEachInterestedIn: (watcher, fn) => forEachOf(s.interestedIn, watcher, fn),
    forEachInterestedBy: (target, fn) => forEachOf(s.interestedBy, target, fn),
    queryRadius: (x, z, radius, out = []) =>
      pushWhere(s.committed, out, (p) => {
        const dx = p.x - x;
        const dz = p.z - z;
        return dx * dx + dz * dz <= radius * radius;
      }),
    queryRect: (minX, minZ, maxX, maxZ, out = []) =>
      pushWhere(s.committed, out, (p) => p.x >= minX && p.x <= maxX && p.z >= minZ && p.z <= maxZ),
    clear: () => reset(s),
  };
}

function recordAdd(s: Oracle, handle: number, x: number, z: number, radius: number): void {
  checkHandle(handle);
  checkPosition(x, z);
  checkRadius(radius);
  if (current(s, handle) !== undefined) throw duplicateHandle(NAME, handle);
  s.pending.set(handle, { x: Math.fround(x), z: Math.fround(z), r: Math.fround(radius) });
  s.size++;
}

function recordMove(s: Oracle, handle: number, x: number, z: number): void {
  checkPosition(x, z);
  const p = present(s, handle);
  s.pending.set(handle, { x: Math.fround(x), z: Math.fround(z), r: p.r });
}

function recordRadius(s: Oracle, handle: number, radius: number): void {
  checkRadius(radius);
  const p = present(s, handle);
  s.pending.set(handle, { x: p.x, z: p.z, r: Math.fround(radius) });
}

function recordRemove(s: Oracle, handle: number): void {
  present(s, handle);
  s.pending.set(handle, null);
  s.size--;
}

/** Applies the intent, recomputes the relation and reports its difference from the previous one. */
function commit(s: Oracle): AoiEvents {
  s.committed = applied(s.committed, s.pending);
  s.pending.clear();

  const rel = relation(s.committed);
  s.events.reset();
  pushDiff(s.events, s.interestedIn, rel.interestedIn);
  s.interestedIn = rel.interestedIn;
  s.interestedBy = rel.interestedBy;
  return s.events;
}

function reset(s: Oracle): void {
  s.committed = new Map();
  s.pending.clear();
  s.interestedIn = new Map();
  s.interestedBy = new Map();
  s.size = 0;
  s.events.reset();
}

function current(s: Oracle, handle: number): Point | undefined {
  return intent(s.pending, s.committed, handle);
}

function present(s: Oracle, handle: number): Point {
  const p = current(s, handle);
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
