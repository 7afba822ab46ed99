import type { Link } from '../../transport/index.ts';

/** Where a frame came from: its link, and its number among that link's counted frames. */
export interface FrameOrigin {
  readonly link: Link;
  readonly seq: number;
}

/**
 * When a game acknowledges a frame (LINK_ACK): once it is applied, and once what it started that must
 * last is done. A handler that saves its entity (`e.save(cb)`, the way a service makes a call durable
 * before it answers) holds its frame's acknowledgement until the save is committed and its callback has
 * run. If the game dies first, the dispatcher still has the frame and gives it to the entity's next
 * instance, whose state does not have it yet; so such a call is neither lost nor applied twice.
 *
 * Acknowledgements are a count, so a held frame holds back those applied after it on the same link.
 * A hold is bounded by `maxHoldMs` (`links.ackHoldMaxMs`): a storage outage must not stall a link until
 * its unacknowledged bytes fail it. Past the bound the frame is acknowledged anyway (`onExpired`).
 */
export interface AckGate {
  /** Runs `apply(arg)` as the frame from `origin`, then acknowledges it unless something holds it. */
  apply<T>(origin: FrameOrigin | undefined, apply: (arg: T) => void, arg: T): void;
  /** Holds the acknowledgement of the frame being applied now; call the result when done. No-op outside one. */
  hold(): () => void;
  /** Acknowledges what has been held past the bound. */
  sweep(now: number): void;
}

interface Pending {
  readonly seq: number;
  holds: number;
  readonly since: number;
}

export function createAckGate(opts: { maxHoldMs: number; now: () => number; onExpired(frames: number): void }): AckGate {
  const pending = new Map<Link, Pending[]>();
  // The frame being applied, in plain fields: this runs for every frame a game applies, and a frame
  // that nothing holds (almost all of them) must cost no allocation.
  let currentLink: Link | null = null;
  let currentSeq = 0;
  let currentEntry: Pending | null = null;

  function advance(link: Link): void {
    const queue = pending.get(link);
    if (!queue) return;
    let seq = -1;
    while (queue.length > 0 && queue[0]!.holds === 0) seq = queue.shift()!.seq;
    if (seq >= 0) link.processedUpTo(seq);
    if (queue.length === 0) pending.delete(link);
  }

  return {
    apply(origin, apply, arg) {
      if (!origin) return apply(arg);
      currentLink = origin.link;
      currentSeq = origin.seq;
      currentEntry = null;
      try {
        apply(arg);
      } finally {
        currentLink = null;
      }
      const entry = currentEntry as Pending | null;
      const queue = pending.get(origin.link);
      if (entry === null && !queue) return origin.link.processedUpTo(origin.seq);
      const held = entry ?? { seq: origin.seq, holds: 0, since: opts.now() };
      if (queue) queue.push(held);
      else pending.set(origin.link, [held]);
    },
    hold() {
      const link = currentLink;
      if (!link) return () => undefined;
      currentEntry ??= { seq: currentSeq, holds: 0, since: opts.now() };
      const entry = currentEntry;
      entry.holds++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        entry.holds = Math.max(0, entry.holds - 1);
        advance(link);
      };
    },
    sweep(now) {
      for (const [link, queue] of pending) {
        let expired = 0;
        for (const entry of queue) {
          if (now - entry.since < opts.maxHoldMs) break;
          if (entry.holds > 0) expired++;
          entry.holds = 0;
        }
        if (expired > 0) opts.onExpired(expired);
        advance(link);
      }
    },
  };
}
