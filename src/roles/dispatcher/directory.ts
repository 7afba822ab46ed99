import { ownedCopy } from '../../protocol/index.ts';
import { createPendingBudget, type PendingBudget, type PendingLimit, type PendingLimits } from './pending-budget.ts';

/**
 * The dispatcher's entity directory: which game owns each entity, and the frames held back while an
 * entity is not yet routable (being created or loaded, or saved). Frames for one entity are released in
 * arrival order, so calls to one entity arrive in the order they were sent.
 */
export interface HeldFrame {
  type: number;
  body: Uint8Array;
  /** The game that sent it, to be told if it is never delivered; absent for a gate's frames. */
  from?: number;
}

/** Directory game id of an entity that frames were sent to before any game announced it. */
export const UNPLACED = -1;

/**
 * ready: frames are forwarded. pending: being created or loaded, frames held (an unplaced entry is a
 * pending one no game has claimed yet). saving: destroyed
 * and being saved (persistent), frames held until the save is done, when a requested reload (if any)
 * places it again. migrating: being moved to another game (migration.ts), frames held until it arrives.
 */
export type EntityState = 'ready' | 'pending' | 'saving' | 'migrating';

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
  /** Drops every entity of a game that is gone; returns them with the frames they held. */
  removeGame(gameId: number): DroppedEntry[];
  /**
   * Holds a copy of the frame (the caller's buffer is only valid during its handler). Null when held,
   * else the limit that refused it.
   */
  hold(entry: DirectoryEntry, type: number, body: Uint8Array, maxHeld: number, from?: number): HoldRefusal | null;
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

/** The directory's books, which its functions take as their first argument. */
interface DirectoryState {
  readonly map: Map<string, DirectoryEntry>;
  // Unplaced entries in the order they were opened, which is also `since` order: they never move.
  readonly unplaced: Map<string, DirectoryEntry>;
  readonly budget: PendingBudget;
}

export function createEntityDirectory(limits: PendingLimits): EntityDirectory {
  const s: DirectoryState = { map: new Map(), unplaced: new Map(), budget: createPendingBudget(limits) };
  return {
    get: (id) => s.map.get(id),
    expect: (id, gameId, now) => expect(s, id, gameId, now),
    ready: (id, gameId) => ready(s, id, gameId),
    remove: (id) => remove(s, id),
    removeGame: (gameId) => removeGame(s, gameId),
    hold: (entry, type, body, maxHeld, from) => hold(s, entry, type, body, maxHeld, from),
    holdUnplaced: (id, sender, type, body, now, maxHeld) => holdUnplaced(s, id, sender, type, body, now, maxHeld),
    sweepUnplaced: (cutoff) => sweepUnplaced(s, cutoff),
    sweepPending: (cutoff) => sweepPending(s, cutoff),
    get size() {
      return s.map.size;
    },
    unplaced: s.budget,
    entries: () => s.map.entries(),
  };
}

/** Takes an entry off the unplaced books when a game claims it or it goes away. */
function settle(s: DirectoryState, id: string, entry: DirectoryEntry): void {
  if (entry.gameId !== UNPLACED) return;
  s.unplaced.delete(id);
  s.budget.removeEntry(entry.sender);
  let bytes = 0;
  for (const frame of entry.held ?? []) bytes += frame.body.length;
  s.budget.removeFrames(entry.held?.length ?? 0, bytes);
}

function drop(s: DirectoryState, id: string, entry: DirectoryEntry): DroppedEntry {
  settle(s, id, entry);
  s.map.delete(id);
  return { entityId: id, entry };
}

function expect(s: DirectoryState, id: string, gameId: number, now: number): DirectoryEntry {
  const existing = s.map.get(id);
  if (existing) {
    settle(s, id, existing);
    existing.gameId = gameId;
    existing.state = 'pending';
    existing.since = now;
    return existing;
  }
  const entry: DirectoryEntry = { gameId, state: 'pending', held: null, since: now, reloadType: null, sender: -1 };
  s.map.set(id, entry);
  return entry;
}

function ready(s: DirectoryState, id: string, gameId: number): HeldFrame[] {
  const entry = s.map.get(id);
  if (!entry) {
    s.map.set(id, { gameId, state: 'ready', held: null, since: 0, reloadType: null, sender: -1 });
    return [];
  }
  settle(s, id, entry);
  entry.gameId = gameId;
  entry.state = 'ready';
  const held = entry.held ?? [];
  entry.held = null;
  return held;
}

function remove(s: DirectoryState, id: string): DirectoryEntry | undefined {
  const entry = s.map.get(id);
  if (entry) drop(s, id, entry);
  return entry;
}

function removeGame(s: DirectoryState, gameId: number): DroppedEntry[] {
  const removed: DroppedEntry[] = [];
  for (const [id, entry] of s.map) if (entry.gameId === gameId) removed.push(drop(s, id, entry));
  return removed;
}

function hold(s: DirectoryState, entry: DirectoryEntry, type: number, body: Uint8Array, maxHeld: number, from?: number): HoldRefusal | null {
  if ((entry.held?.length ?? 0) >= maxHeld) return 'held-per-entity';
  if (entry.gameId === UNPLACED) {
    const refused = s.budget.checkFrame(body.length);
    if (refused) return refused;
    s.budget.addFrame(body.length);
  }
  (entry.held ??= []).push({ type, body: ownedCopy(body), from });
  return null;
}

function holdUnplaced(
  s: DirectoryState,
  id: string,
  sender: number,
  type: number,
  body: Uint8Array,
  now: number,
  maxHeld: number,
): HoldRefusal | null {
  const known = s.map.get(id);
  if (known) return hold(s, known, type, body, maxHeld, sender);
  const refused = s.budget.check(sender, body.length);
  if (refused) return refused;
  const entry: DirectoryEntry = {
    gameId: UNPLACED,
    state: 'pending',
    held: [{ type, body: ownedCopy(body), from: sender }],
    since: now,
    reloadType: null,
    sender,
  };
  s.map.set(id, entry);
  s.unplaced.set(id, entry);
  s.budget.addEntry(sender);
  s.budget.addFrame(body.length);
  return null;
}

function sweepUnplaced(s: DirectoryState, cutoff: number): DroppedEntry[] {
  const dropped: DroppedEntry[] = [];
  for (const [id, entry] of s.unplaced) {
    if (entry.since >= cutoff) break;
    dropped.push(drop(s, id, entry));
  }
  return dropped;
}

function sweepPending(s: DirectoryState, cutoff: number): DroppedEntry[] {
  const dropped: DroppedEntry[] = [];
  for (const [id, entry] of s.map) {
    const waiting = entry.state === 'pending' || entry.state === 'saving' || entry.state === 'migrating';
    if (waiting && entry.gameId !== UNPLACED && entry.since < cutoff) dropped.push(drop(s, id, entry));
  }
  return dropped;
}
