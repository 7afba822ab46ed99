import type { Link } from './link.ts';

/**
 * A game's or gate's link to one dispatcher that survives the dispatcher going away. While attached it
 * is the real link; while the dispatcher is gone (restarting), frames are parked here in order and
 * written first, before anything newer, once a new link is attached. Per-tick streams (position
 * batches) are not parked: each supersedes the last, so they are dropped and counted. The queue is
 * bounded like the freeze queue, in bytes and in time: past either, `onOverflow` says so and the
 * owner gives the dispatcher up (what happened before this existed, at once).
 */
export interface ParkingLink extends Link {
  /** The real link now; null while parking. */
  readonly attached: Link | null;
  /** Writes what was parked into `link`, in order, then forwards everything to it. */
  attach(link: Link): void;
  /** The real link is gone: park from now on. */
  detach(): void;
  readonly parkedFrames: number;
  readonly parkedBytes: number;
}

export interface ParkingOptions {
  readonly maxBytes: number;
  readonly maxMs: number;
  readonly now: () => number;
  /** Frames of this type supersede each other: dropped while parking, not queued. */
  isStream(type: number): boolean;
  /** A stream frame was dropped while parking. */
  onStreamDropped?(type: number): void;
  /** The parked queue passed a bound; it is emptied and parking continues only if the owner says so. */
  onOverflow(why: string, frames: number): void;
}

interface Parked {
  readonly type: number;
  readonly body: Uint8Array;
}

export function createParkingLink(opts: ParkingOptions): ParkingLink {
  let real: Link | null = null;
  let parked: Parked[] = [];
  let bytes = 0;
  let since = 0;
  let closed = false;
  let reserved: { type: number; buffer: Uint8Array } | null = null;

  function overflow(why: string): void {
    const frames = parked.length;
    parked = [];
    bytes = 0;
    opts.onOverflow(why, frames);
  }

  function park(type: number, body: Uint8Array): void {
    if (closed) return;
    if (opts.isStream(type)) return opts.onStreamDropped?.(type);
    if (parked.length === 0) since = opts.now();
    parked.push({ type, body });
    bytes += body.length;
    if (bytes > opts.maxBytes) overflow(`${bytes} bytes parked for a missing dispatcher exceed ${opts.maxBytes}`);
  }

  const link: ParkingLink = {
    get remoteAddress() {
      return real?.remoteAddress ?? '';
    },
    get remotePort() {
      return real?.remotePort ?? 0;
    },
    send(type, body) {
      if (real) real.send(type, body);
      else park(type, body.slice());
    },
    sendParts(type, head, tail) {
      if (real) return real.sendParts(type, head, tail);
      const body = new Uint8Array(head.length + tail.length);
      body.set(head);
      body.set(tail, head.length);
      park(type, body);
    },
    reserve(type, maxBodyLength) {
      if (real) return real.reserve(type, maxBodyLength);
      reserved = { type, buffer: new Uint8Array(maxBodyLength) };
      return { buffer: reserved.buffer, offset: 0 };
    },
    commit(bodyLength) {
      if (real) return real.commit(bodyLength);
      if (reserved) park(reserved.type, reserved.buffer.slice(0, bodyLength));
      reserved = null;
    },
    flush() {
      if (real) return real.flush();
      if (parked.length > 0 && opts.now() - since > opts.maxMs) overflow(`frames parked for a missing dispatcher for over ${opts.maxMs} ms`);
      return false;
    },
    get batchedBytes() {
      return real?.batchedBytes ?? bytes;
    },
    get pendingBytes() {
      return real?.pendingBytes ?? 0;
    },
    get receivedBytes() {
      return real?.receivedBytes ?? 0;
    },
    get backpressured() {
      return real ? real.backpressured : true;
    },
    // Parking counts as degraded: senders shed what is superseded, as they do for a slow link.
    get degraded() {
      return real ? real.degraded : true;
    },
    get closed() {
      return closed;
    },
    close() {
      closed = true;
      real?.close();
    },
    destroy() {
      closed = true;
      real?.destroy();
    },
    get attached() {
      return real;
    },
    attach(next) {
      for (const frame of parked) next.send(frame.type, frame.body);
      parked = [];
      bytes = 0;
      real = next;
    },
    detach() {
      real = null;
    },
    get parkedFrames() {
      return parked.length;
    },
    get parkedBytes() {
      return bytes;
    },
  };
  return link;
}
