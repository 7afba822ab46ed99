import { MSG } from '../protocol/messages.ts';
import type { Link } from './link.ts';
import type { RetainedFrame } from './link-retention.ts';

/**
 * Frames that belong to one connection: its authentication, its hello and what follows each hello.
 * The next link sends its own, so these are never written again from a lost link's unacknowledged ones.
 */
const CONNECTION_SCOPED: ReadonlySet<number> = new Set([MSG.LINK_AUTH.id, MSG.SET_GAME_ID.id, MSG.SET_GATE_ID.id, MSG.SERVICE_DECLARE.id]);

/**
 * A game's or gate's link to one dispatcher that survives the dispatcher going away. While attached it
 * is the real link; while the dispatcher is gone (restarting), frames are parked here in order and
 * written first, before anything newer, once a new link is attached. Per-tick streams (position
 * batches) are not parked: each supersedes the last, so they are dropped and counted. The queue is
 * bounded like the freeze queue, in bytes and in time: past either, `onOverflow` says so and the
 * owner gives the dispatcher up (what happened before this existed, at once).
 *
 * What the lost link had sent and the dispatcher had not acknowledged (LINK_ACK) is parked first, at
 * detach: a dispatcher killed with frames in its socket or its memory never routed them, so the next one
 * gets them, in the order they were first sent.
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
  return new Parking(opts);
}

/** A class for once: the state is a handful of fields, and each Link member is one small method. */
class Parking implements ParkingLink {
  private real: Link | null = null;
  private parked: Parked[] = [];
  private bytes = 0;
  private since = 0;
  private isClosed = false;
  private reserved: { type: number; buffer: Uint8Array } | null = null;

  constructor(private readonly opts: ParkingOptions) {}

  private overflow(why: string): void {
    const frames = this.parked.length;
    this.parked = [];
    this.bytes = 0;
    this.opts.onOverflow(why, frames);
  }

  private park(type: number, body: Uint8Array): void {
    if (this.isClosed) return;
    if (this.opts.isStream(type)) return this.opts.onStreamDropped?.(type);
    if (this.parked.length === 0) this.since = this.opts.now();
    this.parked.push({ type, body });
    this.bytes += body.length;
    if (this.bytes > this.opts.maxBytes) this.overflow(`${this.bytes} bytes parked for a missing dispatcher exceed ${this.opts.maxBytes}`);
  }

  get remoteAddress(): string {
    return this.real?.remoteAddress ?? '';
  }
  get remotePort(): number {
    return this.real?.remotePort ?? 0;
  }
  send(type: number, body: Uint8Array): void {
    if (this.real) this.real.send(type, body);
    else this.park(type, body.slice());
  }
  sendParts(type: number, head: Uint8Array, tail: Uint8Array): void {
    if (this.real) return this.real.sendParts(type, head, tail);
    const body = new Uint8Array(head.length + tail.length);
    body.set(head);
    body.set(tail, head.length);
    this.park(type, body);
  }
  reserve(type: number, maxBodyLength: number): { buffer: Uint8Array; offset: number } {
    if (this.real) return this.real.reserve(type, maxBodyLength);
    this.reserved = { type, buffer: new Uint8Array(maxBodyLength) };
    return { buffer: this.reserved.buffer, offset: 0 };
  }
  commit(bodyLength: number): void {
    if (this.real) return this.real.commit(bodyLength);
    if (this.reserved) this.park(this.reserved.type, this.reserved.buffer.slice(0, bodyLength));
    this.reserved = null;
  }
  flush(): boolean {
    if (this.real) return this.real.flush();
    if (this.parked.length > 0 && this.opts.now() - this.since > this.opts.maxMs) {
      this.overflow(`frames parked for a missing dispatcher for over ${this.opts.maxMs} ms`);
    }
    return false;
  }
  get batchedBytes(): number {
    return this.real?.batchedBytes ?? this.bytes;
  }
  get pendingBytes(): number {
    return this.real?.pendingBytes ?? 0;
  }
  get receivedBytes(): number {
    return this.real?.receivedBytes ?? 0;
  }
  get backpressured(): boolean {
    return this.real ? this.real.backpressured : true;
  }
  /** Parking counts as degraded: senders shed what is superseded, as they do for a slow link. */
  get degraded(): boolean {
    return this.real ? this.real.degraded : true;
  }
  get closed(): boolean {
    return this.isClosed;
  }
  get framesIn(): number {
    return this.real?.framesIn ?? 0;
  }
  get unackedBytes(): number {
    return this.real?.unackedBytes ?? 0;
  }
  processedUpTo(count: number): void {
    this.real?.processedUpTo(count);
  }
  get ackDue(): boolean {
    return this.real?.ackDue ?? false;
  }
  unacked(): RetainedFrame[] {
    return this.real?.unacked() ?? [];
  }
  /** Parked frames have no peer to process them yet: no wait, as for a closed link. */
  whenAcked(done: () => void): void {
    if (this.real) this.real.whenAcked(done);
    else done();
  }
  close(): void {
    this.isClosed = true;
    this.real?.close();
  }
  destroy(): void {
    this.isClosed = true;
    this.real?.destroy();
  }
  get attached(): Link | null {
    return this.real;
  }
  attach(next: Link): void {
    for (const frame of this.parked) next.send(frame.type, frame.body);
    this.parked = [];
    this.bytes = 0;
    this.real = next;
  }
  detach(): void {
    const inFlight = this.real?.unacked() ?? [];
    this.real = null;
    for (const frame of inFlight) if (!CONNECTION_SCOPED.has(frame.type)) this.park(frame.type, frame.body);
  }
  get parkedFrames(): number {
    return this.parked.length;
  }
  get parkedBytes(): number {
    return this.bytes;
  }
}
