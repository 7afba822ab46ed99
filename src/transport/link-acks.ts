import { MSG } from '../protocol/messages.ts';
import type { FrameBatch } from '../protocol/frame-batch.ts';
import { createRetention, type RetainedChunk, type RetainedFrame } from './link-retention.ts';

const ACK = MSG.LINK_ACK.id;
const HEARTBEAT = MSG.LINK_HEARTBEAT.id;
/** Frames a link counts and acknowledges: all but its own acknowledgements and heartbeats. */
const counted = (type: number): boolean => type !== ACK && type !== HEARTBEAT;
const NO_BYTES = new Uint8Array(0);

/**
 * A link's half of LINK_ACK, both ways. Sending: counted frames are numbered as they are appended,
 * and each flushed batch is retained until the peer says it processed them. Receiving: counted
 * frames are numbered as they arrive, and the flush after they were processed says so, as the last
 * frame of that batch, so an ACK never leaves before what the acknowledged frames produced on this
 * link.
 *
 * `processed` is when a frame counts as done: on `delivery` (a dispatcher, which routes each frame
 * within its handler) or when the owner says so with `processedUpTo` (a game, which may queue a frame
 * until its tick or a freeze ends).
 */
export interface LinkAcks {
  appended(type: number): void;
  /** Appends the ACK when one is due; call before the batch is taken. */
  beforeFlush(batch: FrameBatch): void;
  retain(bytes: Uint8Array): RetainedChunk;
  written(chunk: RetainedChunk): void;
  /** A frame arrived: 'ack' when it was one (consumed here), an error text for a bad one, else 'frame'. */
  received(type: number, body: Uint8Array): 'ack' | 'frame' | string;
  processedUpTo(count: number): void;
  unacked(batch: FrameBatch): RetainedFrame[];
  /** Runs `done` once every counted frame appended so far is acknowledged, or at `settleAll`. */
  whenAcked(done: () => void): void;
  /** The link is gone: nothing more will be acknowledged, and whoever waits is let go. */
  settleAll(): void;
  readonly framesIn: number;
  readonly ackDue: boolean;
  readonly retainedBytes: number;
}

export type AckWhen = 'delivery' | 'owner';

/**
 * A class, not a closure-built object: a link asks `received` and `ackDue` for every frame, and methods
 * and getters on one prototype are inlined where a process has several links. Each closure-built object
 * had getters and methods of its own, which V8 reached through its generic load stub, frame after frame
 * (seen in the dispatcher's `--print-opt-code`).
 */
class LinkAckState implements LinkAcks {
  private readonly retention: ReturnType<typeof createRetention>;
  private readonly ackBody = new Uint8Array(8);
  private readonly ackView = new DataView(this.ackBody.buffer);
  private sent = 0;
  private chunkStart = 0;
  private frames = 0;
  private processed = 0;
  private ackSent = 0;
  // In `sent` order, since `sent` only grows: the acknowledged ones are always a prefix.
  private readonly waiters: { upTo: number; done: () => void }[] = [];

  constructor(private readonly when: AckWhen, recycle: (bytes: Uint8Array) => void) {
    this.retention = createRetention({ recycle, counted });
  }

  appended(type: number): void {
    if (counted(type)) this.sent++;
  }

  beforeFlush(batch: FrameBatch): void {
    if (this.processed <= this.ackSent) return;
    this.ackView.setFloat64(0, this.processed, true);
    batch.sendParts(MSG.LINK_ACK.id, this.ackBody, NO_BYTES);
    this.ackSent = this.processed;
  }

  retain(bytes: Uint8Array): RetainedChunk {
    const chunk = this.retention.add(bytes, this.chunkStart, this.sent);
    this.chunkStart = this.sent;
    return chunk;
  }

  written(chunk: RetainedChunk): void {
    this.retention.written(chunk);
  }

  received(type: number, body: Uint8Array): 'ack' | 'frame' | string {
    if (type === ACK) {
      const count = body.length === 8 ? new DataView(body.buffer, body.byteOffset, 8).getFloat64(0, true) : NaN;
      if (this.retention.acknowledge(count, this.sent)) {
        if (this.waiters.length > 0) this.release(count);
        return 'ack';
      }
      return `LINK_ACK of ${count} frames (${body.length} bytes): ${this.retention.acknowledged} were acknowledged and ${this.sent} sent`;
    }
    if (counted(type)) {
      this.frames++;
      if (this.when === 'delivery') this.processed = this.frames;
    }
    return 'frame';
  }

  processedUpTo(count: number): void {
    if (count > this.processed && count <= this.frames) this.processed = count;
  }

  unacked(batch: FrameBatch): RetainedFrame[] {
    return this.retention.unacked(batch.peek());
  }

  whenAcked(done: () => void): void {
    if (this.retention.acknowledged >= this.sent) return done();
    this.waiters.push({ upTo: this.sent, done });
  }

  settleAll(): void {
    this.release(Infinity);
  }

  get framesIn(): number {
    return this.frames;
  }

  get ackDue(): boolean {
    return this.processed > this.ackSent;
  }

  get retainedBytes(): number {
    return this.retention.bytes;
  }

  private release(upTo: number): void {
    const { waiters } = this;
    let n = 0;
    while (n < waiters.length && waiters[n]!.upTo <= upTo) n++;
    for (const w of waiters.splice(0, n)) w.done();
  }
}

export function createLinkAcks(opts: { when: AckWhen; recycle(bytes: Uint8Array): void }): LinkAcks {
  return new LinkAckState(opts.when, (bytes) => opts.recycle(bytes));
}

/** Frames every link handles itself, before any role's table sees a frame of it. */
export const LINK_LAYER_TYPES: ReadonlySet<number> = new Set([ACK]);
