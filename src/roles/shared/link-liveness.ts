import { every, type Clock, type Scheduler } from '../../tick/clock.ts';
import type { Link } from '../../transport/index.ts';

/** The liveness settings every role reads from the config's `liveness` section. */
export interface LivenessSettings {
  /** How often each side sends LINK_HEARTBEAT on every internal link, and checks what it heard. */
  readonly heartbeatMs: number;
  /** Silence after which the peer is declared down; at half of it, the peer is SUSPECT. */
  readonly timeoutMs: number;
}

export interface LivenessOptions extends LivenessSettings {
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  /** Writes one heartbeat on the link (the role's own batching flushes it). */
  beat(link: Link): void;
  /** The peer has been silent for half the timeout: logged and counted, nothing else yet. */
  onSuspect(link: Link, silentMs: number): void;
  /** The peer has been silent for the timeout; the link is no longer watched. */
  onDown(link: Link, silentMs: number): void;
  /** This process's own loop did not run for `stalledMs` (SIGSTOP, a long GC, a blocking call). */
  onStall?(stalledMs: number): void;
}

export interface Liveness {
  watch(link: Link): void;
  unwatch(link: Link): void;
  /** Heartbeats and checks now, without waiting for the period (tests, and a freeze resuming). */
  check(): void;
  stop(): void;
}

interface Watched {
  /** receivedBytes at the last check: liveness is "the byte count moved", so no per-frame work. */
  bytes: number;
  heardAt: number;
  suspect: boolean;
}

/**
 * Heartbeats and silence detection on internal links. Any bytes count as a sign of life, heartbeats
 * only fill the quiet, so a busy link costs nothing extra. A process that was itself stalled cannot
 * judge its peers (their bytes are unread in its socket): after its own stall it restarts every peer's
 * clock instead of declaring them all down, and reports the stall, which a game treats as being fenced.
 */
export function createLiveness(opts: LivenessOptions): Liveness {
  const watched = new Map<Link, Watched>();
  let lastCheck = opts.clock.now();

  function judge(link: Link, w: Watched, now: number): void {
    if (link.receivedBytes !== w.bytes) {
      w.bytes = link.receivedBytes;
      w.heardAt = now;
      w.suspect = false;
      return;
    }
    const silent = now - w.heardAt;
    if (silent >= opts.timeoutMs) {
      watched.delete(link);
      opts.onDown(link, silent);
    } else if (!w.suspect && silent >= opts.timeoutMs / 2) {
      w.suspect = true;
      opts.onSuspect(link, silent);
    }
  }

  function check(): void {
    const now = opts.clock.now();
    const gap = now - lastCheck;
    lastCheck = now;
    // Two periods late: our own loop stood still, so peer silence measured over that gap means nothing.
    if (gap > 2 * opts.heartbeatMs + 250) {
      for (const w of watched.values()) w.heardAt = now;
      opts.onStall?.(gap);
    }
    for (const [link, w] of [...watched]) {
      if (link.closed) {
        watched.delete(link);
        continue;
      }
      judge(link, w, now);
      if (watched.has(link)) opts.beat(link);
    }
  }

  const stop = every(opts.scheduler, opts.heartbeatMs, check);
  return {
    watch(link) {
      watched.set(link, { bytes: link.receivedBytes, heardAt: opts.clock.now(), suspect: false });
    },
    unwatch(link) {
      watched.delete(link);
    },
    check,
    stop,
  };
}
