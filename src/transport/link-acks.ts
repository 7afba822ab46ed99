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

export function createLinkAcks(opts: { when: AckWhen; recycle(bytes: Uint8Array): void }): LinkAcks {
  const retention = createRetention({ recycle: opts.recycle, counted });
  const ackBody = new Uint8Array(8);
  const ackView = new DataView(ackBody.buffer);
  let sent = 0;
  let chunkStart = 0;
  let framesIn = 0;
  let processed = 0;
  let ackSent = 0;
  // In `sent` order, since `sent` only grows: the acknowledged ones are always a prefix.
  const waiters: { upTo: number; done: () => void }[] = [];
  const release = (upTo: number) => {
    let n = 0;
    while (n < waiters.length && waiters[n]!.upTo <= upTo) n++;
    for (const w of waiters.splice(0, n)) w.done();
  };

  return {
    appended(type) {
      if (counted(type)) sent++;
    },
    beforeFlush(batch) {
      if (processed <= ackSent) return;
      ackView.setFloat64(0, processed, true);
      batch.sendParts(MSG.LINK_ACK.id, ackBody, NO_BYTES);
      ackSent = processed;
    },
    retain(bytes) {
      const chunk = retention.add(bytes, chunkStart, sent);
      chunkStart = sent;
      return chunk;
    },
    written: (chunk) => retention.written(chunk),
    received(type, body) {
      if (type === ACK) {
        const count = body.length === 8 ? new DataView(body.buffer, body.byteOffset, 8).getFloat64(0, true) : NaN;
        if (retention.acknowledge(count, sent)) {
          if (waiters.length > 0) release(count);
          return 'ack';
        }
        return `LINK_ACK of ${count} frames (${body.length} bytes): ${retention.acknowledged} were acknowledged and ${sent} sent`;
      }
      if (counted(type)) {
        framesIn++;
        if (opts.when === 'delivery') processed = framesIn;
      }
      return 'frame';
    },
    processedUpTo(count) {
      if (count > processed && count <= framesIn) processed = count;
    },
    unacked: (batch) => retention.unacked(batch.peek()),
    whenAcked(done) {
      if (retention.acknowledged >= sent) return done();
      waiters.push({ upTo: sent, done });
    },
    settleAll: () => release(Infinity),
    get framesIn() {
      return framesIn;
    },
    get ackDue() {
      return processed > ackSent;
    },
    get retainedBytes() {
      return retention.bytes;
    },
  };
}

/** Frames every link handles itself, before any role's table sees a frame of it. */
export const LINK_LAYER_TYPES: ReadonlySet<number> = new Set([ACK]);
