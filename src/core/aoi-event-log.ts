import type { Space } from './space.ts';

/**
 * AOI pairs waiting for the outbound layer, as eids in growable typed arrays: a crowded first tick
 * yields millions of pairs, and arrays of object pointers cost seconds of GC at that size. Pairs are
 * resolved to handles only when drained, so the eids they name must stay allocated until then (the
 * world holds back destroyed eids while the log is not empty).
 */
export interface AoiEventLog {
  readonly count: number;
  /** Starts a run of pairs from one space's update. */
  beginSpace(space: Space): void;
  push(enter: boolean, watcher: number, target: number): void;
  /** Calls fn for every pair in order, then empties the log. */
  drain(fn: (enter: boolean, watcher: number, target: number, space: Space) => void): void;
}

export function createAoiEventLog(initial = 1024): AoiEventLog {
  let kind = new Uint8Array(initial);
  let watchers = new Int32Array(initial);
  let targets = new Int32Array(initial);
  let count = 0;
  const segStart: number[] = [];
  const segSpace: Space[] = [];

  const grow = () => {
    const size = kind.length * 2;
    const k = new Uint8Array(size);
    k.set(kind);
    const w = new Int32Array(size);
    w.set(watchers);
    const t = new Int32Array(size);
    t.set(targets);
    kind = k;
    watchers = w;
    targets = t;
  };

  return {
    get count() {
      return count;
    },
    beginSpace(space) {
      if (segSpace.length > 0 && segStart[segStart.length - 1] === count) {
        segSpace[segSpace.length - 1] = space;
        return;
      }
      segStart.push(count);
      segSpace.push(space);
    },
    push(enter, watcher, target) {
      if (count === kind.length) grow();
      kind[count] = enter ? 1 : 0;
      watchers[count] = watcher;
      targets[count] = target;
      count++;
    },
    drain(fn) {
      // Handlers must not see pairs recorded while draining (they cannot: AOI runs only in its phase).
      const n = count;
      const segs = segStart.length;
      for (let s = 0; s < segs; s++) {
        const end = s + 1 < segs ? segStart[s + 1] : n;
        const space = segSpace[s];
        for (let i = segStart[s]; i < end; i++) fn(kind[i] === 1, watchers[i], targets[i], space);
      }
      count = 0;
      segStart.length = 0;
      segSpace.length = 0;
    },
  };
}
