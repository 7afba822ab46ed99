import { concatClientPositions } from '../../protocol/index.ts';
import { readId } from '../../protocol/routing-key.ts';

/**
 * Client positions on their way to one dispatcher. Normally they go out as one SYNC_POSITIONS_FROM_CLIENTS
 * batch with the turn's other frames for that dispatcher, or, when there are none, at most every
 * `flushIntervalMs`: a thousand clients at 10 Hz would otherwise cost the gate, the dispatcher and the
 * game a socket write and a read per turn for a handful of records each, and the game only reads them
 * at its tick anyway. While the link is degraded they are coalesced instead (each
 * entity's newest record, once) and sent at most every `degradedIntervalMs`: a position supersedes the
 * last, so only intermediate ones are lost. Calls from clients take another path and are never held.
 */
export interface LinkPositions {
  /** A client's record (32 bytes, owned), for this turn's batch. */
  push(record: Uint8Array): void;
  /**
   * The batch to send now, or null; `coalesced` counts records superseded before they were sent, and
   * `waiting` says records are held for a later send (the caller comes back after the interval).
   */
  take(degraded: boolean, now: number, piggyback: boolean): { batch: Uint8Array | null; coalesced: number; waiting: boolean; retryInMs: number };
}

export function createLinkPositions(degradedIntervalMs: number, flushIntervalMs = 0): LinkPositions {
  const turn: Uint8Array[] = [];
  const held = new Map<string, Uint8Array>();
  let sentAt = -Infinity;
  return {
    push: (record) => void turn.push(record),
    take(degraded, now, piggyback) {
      if (!degraded && held.size === 0) {
        if (turn.length === 0) return { batch: null, coalesced: 0, waiting: false, retryInMs: 0 };
        const wait = flushIntervalMs - (now - sentAt);
        if (!piggyback && wait > 0) return { batch: null, coalesced: 0, waiting: true, retryInMs: wait };
        const batch = concatClientPositions(turn);
        turn.length = 0;
        sentAt = now;
        return { batch, coalesced: 0, waiting: false, retryInMs: 0 };
      }
      let coalesced = 0;
      for (const record of turn) {
        const entityId = readId(record, 0);
        if (held.has(entityId)) coalesced++;
        held.set(entityId, record);
      }
      turn.length = 0;
      if (held.size === 0) return { batch: null, coalesced, waiting: false, retryInMs: 0 };
      if (degraded && now - sentAt < degradedIntervalMs) return { batch: null, coalesced, waiting: true, retryInMs: degradedIntervalMs - (now - sentAt) };
      const batch = concatClientPositions([...held.values()]);
      held.clear();
      sentAt = now;
      return { batch, coalesced, waiting: false, retryInMs: 0 };
    },
  };
}
