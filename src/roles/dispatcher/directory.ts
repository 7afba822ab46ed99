/**
 * The dispatcher's entity directory: which game owns each entity, and the frames held back while an
 * entity is not yet routable (being created or loaded, migrating). Frames for one entity are released in
 * arrival order, so calls to one entity arrive in the order they were sent.
 */
export interface HeldFrame {
  type: number;
  body: Uint8Array;
}

/**
 * ready: frames are forwarded. pending: being created or loaded, frames held. migrating: moving between
 * games, frames held. saving: destroyed and being saved (persistent), frames held until the save is done,
 * when a requested reload (if any) places it again.
 */
export type EntityState = 'ready' | 'pending' | 'migrating' | 'saving';

export interface DirectoryEntry {
  gameId: number;
  state: EntityState;
  /** Frames waiting for the entity to become ready; null when nothing waits. */
  held: HeldFrame[] | null;
  /** When the entity stopped being ready (ms), for the pending timeout. */
  since: number;
  /** Type to load again once a saving entity's save is done (a LOAD arrived meanwhile). */
  reloadType: string | null;
}

export interface EntityDirectory {
  get(entityId: string): DirectoryEntry | undefined;
  /** Records an entity that will exist on `gameId` soon: frames for it are held until `ready`. */
  expect(entityId: string, gameId: number, now: number): DirectoryEntry;
  /** The entity exists on `gameId`; returns the frames to release, in order. */
  ready(entityId: string, gameId: number): HeldFrame[];
  remove(entityId: string): DirectoryEntry | undefined;
  /** Drops every entity of a game that is gone; returns their ids. */
  removeGame(gameId: number): string[];
  /** Holds a copy of the frame (the caller's buffer is only valid during its handler). */
  hold(entry: DirectoryEntry, type: number, body: Uint8Array, maxHeld: number): boolean;
  readonly size: number;
  entries(): IterableIterator<[string, DirectoryEntry]>;
}

export function createEntityDirectory(): EntityDirectory {
  const map = new Map<string, DirectoryEntry>();
  return {
    get: (id) => map.get(id),
    expect(id, gameId, now) {
      const existing = map.get(id);
      if (existing) {
        existing.gameId = gameId;
        existing.state = 'pending';
        existing.since = now;
        return existing;
      }
      const entry: DirectoryEntry = { gameId, state: 'pending', held: null, since: now, reloadType: null };
      map.set(id, entry);
      return entry;
    },
    ready(id, gameId) {
      const entry = map.get(id);
      if (!entry) {
        map.set(id, { gameId, state: 'ready', held: null, since: 0, reloadType: null });
        return [];
      }
      entry.gameId = gameId;
      entry.state = 'ready';
      const held = entry.held ?? [];
      entry.held = null;
      return held;
    },
    remove(id) {
      const entry = map.get(id);
      map.delete(id);
      return entry;
    },
    removeGame(gameId) {
      const removed: string[] = [];
      for (const [id, entry] of map) {
        if (entry.gameId === gameId) {
          map.delete(id);
          removed.push(id);
        }
      }
      return removed;
    },
    hold(entry, type, body, maxHeld) {
      entry.held ??= [];
      if (entry.held.length >= maxHeld) return false;
      entry.held.push({ type, body: body.slice() });
      return true;
    },
    get size() {
      return map.size;
    },
    entries: () => map.entries(),
  };
}
