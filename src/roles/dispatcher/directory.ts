import { createPendingBudget, type PendingBudget, type PendingLimit, type PendingLimits } from './pending-budget.ts';

/**
 * The dispatcher's entity directory: which game owns each entity, and the frames held back while an
 * entity is not yet routable (being created or loaded, migrating). Frames for one entity are released in
 * arrival order, so calls to one entity arrive in the order they were sent.
 */
export interface HeldFrame {
  type: number;
  body: Uint8Array;
}

/** Directory game id of an entity that frames were sent to before any game announced it. */
export const UNPLACED = -1;

/**
 * ready: frames are forwarded. pending: being created or loaded, frames held (an unplaced entry is a
 * pending one no game has claimed yet). migrating: moving between games, frames held. saving: destroyed
 * and being saved (persistent), frames held until the save is done, when a requested reload (if any)
 * places it again.
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
  /** The game whose frame opened this entry while it was unplaced; meaningless once placed. */
  sender: number;
}

/** Why a frame was not held: the entity's own queue is full, or an unplaced bound was reached. */
export type HoldRefusal = 'held-per-entity' | PendingLimit;

/** An entry the sweep removed, with the frames that will never be delivered. */
export interface DroppedEntry {
  readonly entityId: string;
  readonly entry: DirectoryEntry;
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
  /**
   * Holds a copy of the frame (the caller's buffer is only valid during its handler). Null when held,
   * else the limit that refused it.
   */
  hold(entry: DirectoryEntry, type: number, body: Uint8Array, maxHeld: number): HoldRefusal | null;
  /**
   * Holds a frame `sender` (a game) sent to an id the directory does not know, opening an unplaced
   * entry for it, unless a pending bound refuses it; then nothing is recorded. A known id is `hold`.
   */
  holdUnplaced(entityId: string, sender: number, type: number, body: Uint8Array, now: number, maxHeld: number): HoldRefusal | null;
  /** Removes unplaced entries opened before `cutoff`. Oldest first, so the cost is what expired. */
  sweepUnplaced(cutoff: number): DroppedEntry[];
  /** Removes placed entries that have been pending or saving since before `cutoff` (a full scan). */
  sweepPending(cutoff: number): DroppedEntry[];
  readonly size: number;
  /** What unplaced entries hold now (entries, frames, bytes), against the pending bounds. */
  readonly unplaced: Pick<PendingBudget, 'entries' | 'frames' | 'bytes' | 'entriesOf'>;
  entries(): IterableIterator<[string, DirectoryEntry]>;
}

export function createEntityDirectory(limits: PendingLimits): EntityDirectory {
  const map = new Map<string, DirectoryEntry>();
  // Unplaced entries in the order they were opened, which is also `since` order: they never move.
  const unplaced = new Map<string, DirectoryEntry>();
  const budget = createPendingBudget(limits);

  /** Takes an entry off the unplaced books when a game claims it or it goes away. */
  function settle(id: string, entry: DirectoryEntry): void {
    if (entry.gameId !== UNPLACED) return;
    unplaced.delete(id);
    budget.removeEntry(entry.sender);
    let bytes = 0;
    for (const frame of entry.held ?? []) bytes += frame.body.length;
    budget.removeFrames(entry.held?.length ?? 0, bytes);
  }

  function drop(id: string, entry: DirectoryEntry): DroppedEntry {
    settle(id, entry);
    map.delete(id);
    return { entityId: id, entry };
  }

  function hold(entry: DirectoryEntry, type: number, body: Uint8Array, maxHeld: number): HoldRefusal | null {
    if ((entry.held?.length ?? 0) >= maxHeld) return 'held-per-entity';
    if (entry.gameId === UNPLACED) {
      const refused = budget.checkFrame(body.length);
      if (refused) return refused;
      budget.addFrame(body.length);
    }
    (entry.held ??= []).push({ type, body: body.slice() });
    return null;
  }

  return {
    get: (id) => map.get(id),
    expect(id, gameId, now) {
      const existing = map.get(id);
      if (existing) {
        settle(id, existing);
        existing.gameId = gameId;
        existing.state = 'pending';
        existing.since = now;
        return existing;
      }
      const entry: DirectoryEntry = { gameId, state: 'pending', held: null, since: now, reloadType: null, sender: -1 };
      map.set(id, entry);
      return entry;
    },
    ready(id, gameId) {
      const entry = map.get(id);
      if (!entry) {
        map.set(id, { gameId, state: 'ready', held: null, since: 0, reloadType: null, sender: -1 });
        return [];
      }
      settle(id, entry);
      entry.gameId = gameId;
      entry.state = 'ready';
      const held = entry.held ?? [];
      entry.held = null;
      return held;
    },
    remove(id) {
      const entry = map.get(id);
      if (entry) drop(id, entry);
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
    hold,
    holdUnplaced(id, sender, type, body, now, maxHeld) {
      const known = map.get(id);
      if (known) return hold(known, type, body, maxHeld);
      const refused = budget.check(sender, body.length);
      if (refused) return refused;
      const entry: DirectoryEntry = {
        gameId: UNPLACED,
        state: 'pending',
        held: [{ type, body: body.slice() }],
        since: now,
        reloadType: null,
        sender,
      };
      map.set(id, entry);
      unplaced.set(id, entry);
      budget.addEntry(sender);
      budget.addFrame(body.length);
      return null;
    },
    sweepUnplaced(cutoff) {
      const dropped: DroppedEntry[] = [];
      for (const [id, entry] of unplaced) {
        if (entry.since >= cutoff) break;
        dropped.push(drop(id, entry));
      }
      return dropped;
    },
    sweepPending(cutoff) {
      const dropped: DroppedEntry[] = [];
      for (const [id, entry] of map) {
        const waiting = entry.state === 'pending' || entry.state === 'saving';
        if (waiting && entry.gameId !== UNPLACED && entry.since < cutoff) dropped.push(drop(id, entry));
      }
      return dropped;
    },
    get size() {
      return map.size;
    },
    unplaced: budget,
    entries: () => map.entries(),
  };
}
