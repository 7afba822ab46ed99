import { FRAME_HEADER_SIZE, TYPE_SIZE } from '../protocol/frame-parser.ts';

/**
 * What a link has written and its peer has not yet acknowledged (LINK_ACK), kept as the flushed batch
 * buffers themselves: retention costs no copy, only a later recycle. When the link dies, these frames
 * are what the peer may never have acted on: a game or gate writes them again to the restarted
 * dispatcher, and a dispatcher hands those addressed to a service shard to its new instance
 * (SPEC.md, "Delivery across a lost process").
 *
 * Frames are counted by the sender and by the receiver the same way (the `counted` predicate link-acks.ts passes in), so an
 * acknowledgement is one number: how many of the link's counted frames the peer has processed.
 */
export interface Retention {
  /** A flushed batch holding counted frames `start` + 1 through `end` (cumulative numbers). */
  add(bytes: Uint8Array, start: number, end: number): RetainedChunk;
  /** The socket took the chunk; it is recycled once it is also acknowledged. */
  written(chunk: RetainedChunk): void;
  /** The peer processed the first `count` counted frames. Returns false for a count it cannot mean. */
  acknowledge(count: number, sent: number): boolean;
  /** Counted frames not acknowledged, in order: those of retained chunks, then of `unflushed`. */
  unacked(unflushed: Uint8Array): RetainedFrame[];
  /** Bytes retained (written or not). */
  readonly bytes: number;
  readonly acknowledged: number;
}

export interface RetainedChunk {
  readonly bytes: Uint8Array;
  readonly start: number;
  readonly end: number;
  written: boolean;
  acked: boolean;
}

export interface RetainedFrame {
  readonly type: number;
  readonly body: Uint8Array;
}

export function createRetention(opts: {
  recycle(bytes: Uint8Array): void;
  counted(type: number): boolean;
}): Retention {
  const chunks: RetainedChunk[] = [];
  let bytes = 0;
  let acknowledged = 0;

  function release(chunk: RetainedChunk): void {
    bytes -= chunk.bytes.length;
    if (chunk.written) opts.recycle(chunk.bytes);
  }

  /** The counted frames of `buffer` after the first `skip` of them. */
  function framesOf(buffer: Uint8Array, skip: number, into: RetainedFrame[]): void {
    let at = 0;
    let seen = 0;
    while (at + FRAME_HEADER_SIZE + TYPE_SIZE <= buffer.length) {
      const payload = (buffer[at]! | (buffer[at + 1]! << 8) | (buffer[at + 2]! << 16) | (buffer[at + 3]! << 24)) >>> 0;
      const type = buffer[at + 4]! | (buffer[at + 5]! << 8);
      const end = at + FRAME_HEADER_SIZE + payload;
      if (opts.counted(type) && seen++ >= skip) into.push({ type, body: buffer.slice(at + FRAME_HEADER_SIZE + TYPE_SIZE, end) });
      at = end;
    }
  }

  return {
    add(chunkBytes, start, end) {
      const chunk: RetainedChunk = { bytes: chunkBytes, start, end, written: false, acked: false };
      chunks.push(chunk);
      bytes += chunkBytes.length;
      return chunk;
    },
    written(chunk) {
      chunk.written = true;
      if (chunk.acked) opts.recycle(chunk.bytes);
    },
    acknowledge(count, sent) {
      if (!Number.isInteger(count) || count < acknowledged || count > sent) return false;
      acknowledged = count;
      while (chunks.length > 0 && chunks[0]!.end <= count) {
        const chunk = chunks.shift()!;
        chunk.acked = true;
        release(chunk);
      }
      return true;
    },
    unacked(unflushed) {
      const frames: RetainedFrame[] = [];
      // The first chunk may be acknowledged in part: its first frames are skipped.
      for (const chunk of chunks) framesOf(chunk.bytes, Math.max(0, acknowledged - chunk.start), frames);
      framesOf(unflushed, 0, frames);
      return frames;
    },
    get bytes() {
      return bytes;
    },
    get acknowledged() {
      return acknowledged;
    },
  };
}
