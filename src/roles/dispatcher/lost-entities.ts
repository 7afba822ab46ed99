/**
 * Entities of a game that was declared down, remembered for a while so that a call to one fails at once
 * with UNREACHABLE instead of being held as if for an entity about to exist (that hold is what left
 * callers waiting a minute for an answer that could never come). A mark goes when the entity is placed
 * again (a persistent one loaded elsewhere) or when it expires; after that, a call to the id is
 * treated like a call to any unknown id.
 */
export interface LostMark {
  readonly gameId: number;
  readonly since: number;
}

export interface LostEntities {
  mark(entityIds: readonly string[], gameId: number, now: number): void;
  get(entityId: string): LostMark | undefined;
  forget(entityId: string): void;
  /** Drops marks older than `cutoff`, oldest first, so a pass costs what expired. Returns how many. */
  sweep(cutoff: number): number;
  readonly size: number;
}

export function createLostEntities(): LostEntities {
  // Insertion order is `since` order: a re-mark deletes first so the order holds.
  const marks = new Map<string, LostMark>();
  return {
    mark(entityIds, gameId, now) {
      const mark: LostMark = { gameId, since: now };
      for (const id of entityIds) {
        marks.delete(id);
        marks.set(id, mark);
      }
    },
    get: (entityId) => marks.get(entityId),
    forget(entityId) {
      marks.delete(entityId);
    },
    sweep(cutoff) {
      let n = 0;
      for (const [id, mark] of marks) {
        if (mark.since >= cutoff) break;
        marks.delete(id);
        n++;
      }
      return n;
    },
    get size() {
      return marks.size;
    },
  };
}
