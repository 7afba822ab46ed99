/**
 * Clients in transit. A client handed to an entity on another game (GIVE_CLIENT) may disconnect before
 * that game binds it; a client may disconnect before its boot entity exists. Both are remembered for a
 * short while so the disconnect is not lost: the first is forwarded behind the hand-off, the second
 * unbinds the entity as soon as it is created.
 */
export interface ClientHandoffs {
  /** This game gave `clientId` away to `to` (an entity on another game). */
  handedOff(clientId: string, to: string, now: number): void;
  /** Where a client given away went, once; undefined if it was not given away from here. */
  takeHandOff(clientId: string): string | undefined;
  /** The client disconnected before this game bound it. */
  markGone(clientId: string, now: number): void;
  /** True once for a client that disconnected before it was bound here. */
  takeGone(clientId: string): boolean;
  /** Forgets entries older than `maxAgeMs`: a hand-off completes or fails well within it. */
  sweep(now: number, maxAgeMs: number): void;
}

export function createClientHandoffs(): ClientHandoffs {
  const handed = new Map<string, { to: string; at: number }>();
  const gone = new Map<string, number>();
  return {
    handedOff(clientId, to, now) {
      handed.set(clientId, { to, at: now });
    },
    takeHandOff(clientId) {
      const entry = handed.get(clientId);
      handed.delete(clientId);
      return entry?.to;
    },
    markGone(clientId, now) {
      gone.set(clientId, now);
    },
    takeGone(clientId) {
      return gone.delete(clientId);
    },
    sweep(now, maxAgeMs) {
      for (const [id, e] of handed) if (now - e.at > maxAgeMs) handed.delete(id);
      for (const [id, at] of gone) if (now - at > maxAgeMs) gone.delete(id);
    },
  };
}
