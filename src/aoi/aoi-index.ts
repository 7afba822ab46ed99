/**
 * The AoiIndex seam: interest management for one space.
 *
 * Semantics (every implementation, and the brute-force oracle, agree on these exactly):
 * - Entities are points on the horizontal plane (x, z) identified by a small non-negative integer
 *   handle chosen by the caller (the game uses the local eid). Handles are dense and reusable after
 *   `remove` + `update`.
 * - A watcher W is interested in a target T iff W !== T, both are in the index, and
 *   (W.x - T.x)^2 + (W.z - T.z)^2 <= W.radius^2. The boundary is inclusive: an entity exactly at the
 *   radius is seen. Radius is per entity (a space passes its default); radius 0 watches nothing but can
 *   still be seen. With equal radii the relation is symmetric, as in GoWorld.
 * - `add`, `move`, `setRadius` and `remove` only record intent. `update()` is the one place where the
 *   interest relation changes; it returns every (watcher, target) pair that entered or left the relation
 *   since the previous `update()`. A removed entity leaves every pair it was part of, in both directions.
 *   An entity added and removed between two updates produces no events.
 * - Queries (`queryRadius`, `queryRect`) see positions as of the last `update()`.
 * - `has` and `size` reflect recorded intent immediately (so `add` after `remove` of the same handle is
 *   legal before the next `update()`; the handle is then simply the same handle at its new position, and
 *   `update()` reports the difference between the relation before and after).
 *
 * Arithmetic (one rule for every implementation and the oracle, so the exact-radius boundary agrees):
 * coordinates and radii are stored as float32 (`Math.fround`), the way ECS components hold them; the
 * test is then evaluated in float64 on those stored values: `dx = xW - xT; dz = zW - zT;
 * dx * dx + dz * dz <= r * r`. Query arguments are used as given (float64) against the stored float32
 * positions with the same expression.
 *
 * Errors: `add` of a present handle, or a handle/coordinate/radius that is not a non-negative integer /
 * finite number / finite non-negative number, throws TsworldError INVALID_ARGUMENT; `move`, `setRadius`
 * and `remove` of a handle that is not present throw TsworldError UNKNOWN_ENTITY.
 */
export interface AoiIndex {
  /** Implementation name, used in benchmarks and test names. */
  readonly name: string;

  /** Adds an entity. Throws TsworldError INVALID_ARGUMENT if the handle is already present. */
  add(handle: number, x: number, z: number, radius: number): void;
  /** Moves an entity. Must be cheap: it is called once per moving entity per tick. */
  move(handle: number, x: number, z: number): void;
  /**
   * Bulk move, the per-tick path: exactly `move(h, xs[h], zs[h])` for each of the first `count` entries
   * of `handles`, with the coordinate arrays indexed by handle (a Position column indexed by eid). An
   * entry whose position equals the recorded one is left alone, so callers hand over every entity of a
   * space and need not track which ones moved. Throws as `move` does, at the first bad entry.
   */
  moveMany(handles: ArrayLike<number>, count: number, xs: ArrayLike<number>, zs: ArrayLike<number>): void;
  setRadius(handle: number, radius: number): void;
  /** Removes an entity. Its leave events come out of the next `update()`. */
  remove(handle: number): void;
  has(handle: number): boolean;
  readonly size: number;

  /**
   * Applies all pending changes and computes the enter/leave pairs. The returned object and its arrays
   * are owned by the index and are valid until the next call to `update()`.
   */
  update(): AoiEvents;

  /**
   * Optional bulk load (hot-swap restore): applies pending changes like `update()` but computes no
   * events. Afterwards queries and `forEachInterestedIn/By` answer as after `update()`, and the NEXT
   * `update()` reports only what changes from this state. Callers without it use `update()` and
   * discard the events.
   */
  updateSilently?(): void;

  /** Calls `fn(target)` for every target the watcher is interested in (as of the last update). */
  forEachInterestedIn(watcher: number, fn: (target: number) => void): void;
  /** Calls `fn(watcher)` for every watcher interested in the target (as of the last update). */
  forEachInterestedBy(target: number, fn: (watcher: number) => void): void;

  /** Handles whose position is within `radius` of (x, z), inclusive. Appends to `out`, returns it. */
  queryRadius(x: number, z: number, radius: number, out?: number[]): number[];
  /** Handles whose position is inside the rectangle, edges inclusive. Appends to `out`, returns it. */
  queryRect(minX: number, minZ: number, maxX: number, maxZ: number, out?: number[]): number[];

  /** Drops every entity without producing events (used when a space is destroyed or restored). */
  clear(): void;
}

/**
 * Enter/leave pairs from one `update()`, as flat parallel arrays so the hot path allocates nothing:
 * pair i of the enter set is (enterWatcher[i], enterTarget[i]) for i < enterCount.
 */
export interface AoiEvents {
  enterCount: number;
  enterWatcher: Int32Array;
  enterTarget: Int32Array;
  leaveCount: number;
  leaveWatcher: Int32Array;
  leaveTarget: Int32Array;
}

/** Builds an index. `cellSize` is a hint for grid-like implementations (usually the space's radius). */
export type AoiIndexFactory = (options: AoiIndexOptions) => AoiIndex;

export interface AoiIndexOptions {
  /** The space's default AOI radius; grid implementations size their cells from it. */
  defaultRadius: number;
}
