import { fencedByStall } from './game-liveness.ts';
import { sendClientEvents, type GameState } from './game-state.ts';
import type { InboundFrame } from './inbound.ts';

/**
 * Frames are applied as they arrive, between ticks, instead of waiting for the next tick's inbound
 * phase: a call's handler runs at once and its replies leave at the end of the same event-loop turn, so
 * a call costs a few milliseconds, not up to a tick. Order is unchanged (frames are applied in arrival
 * order, by one thread, never inside a tick), structural changes still wait for the commit phase, and
 * position sync and AOI stay per tick.
 *
 * While the game is starting or a freeze is in progress, frames are queued for the tick's inbound
 * phase as before, so the freezer's rules (every answer applied within a quiet tick) stay exact.
 */
export interface Arrivals {
  /** A frame from a dispatcher (its body already copied). */
  take(frame: InboundFrame): void;
  /** Applies what is queued (the tick's inbound phase). */
  drain(): void;
}

export function createArrivals(s: GameState, handle: (frame: InboundFrame) => void): Arrivals {
  let flushScheduled = false;

  function guarded(frame: InboundFrame): void {
    try {
      handle(frame);
    } catch (err) {
      s.log.error({ err, type: frame.type }, 'inbound frame failed');
    }
  }

  function apply(frame: InboundFrame): void {
    s.ackGate.apply(frame.from, guarded, frame);
  }

  /** What the frames of this turn produced for clients and other games, sent now rather than next tick. */
  function flush(): void {
    flushScheduled = false;
    if (s.run !== 'running' || s.freezer.state !== 'running') return;
    sendClientEvents(s);
    // A batch boundary, as a tick's end is: entities created on a client in this flush are no longer
    // 'fresh', so the next deltas reach them (their snapshot held only what was drained with it).
    s.outbound.endTick();
    for (const link of s.links) link?.flush();
  }

  return {
    take(frame) {
      // After a stall, frames that waited in the socket may be read before any timer runs. A stall
      // happens between event-loop turns, so the first frame of a turn is the one to check: the flag
      // is set by that frame and cleared by the turn's flush.
      if (!flushScheduled && fencedByStall(s)) return;
      if (s.fenced) return;
      if (s.run !== 'running' || s.freezer.state !== 'running') {
        s.inboundQueue.push(frame);
        return;
      }
      s.opts.metrics?.messagesIn('internal');
      apply(frame);
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flush);
      }
    },
    drain() {
      const frames = s.inboundQueue.splice(0);
      s.opts.metrics?.messagesIn('internal', frames.length);
      for (const frame of frames) apply(frame);
    },
  };
}
