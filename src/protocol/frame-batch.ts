import { TsworldError } from '../core/errors.ts';
import { FRAME_HEADER_SIZE, TYPE_SIZE } from './frame-parser.ts';

/**
 * Frames appended during one tick, written with one socket write at flush. The buffer grows by doubling
 * and is reused, so steady state allocates nothing.
 */
export interface FrameBatch {
  append(type: number, body: Uint8Array): void;
  /** Appends one frame whose body is `head` followed by `tail` (routing key + payload), no concatenation. */
  sendParts(type: number, head: Uint8Array, tail: Uint8Array): void;
  /**
   * Reserves room for a frame with a body of at most `maxBodyLength` bytes and returns the buffer and the
   * body's offset, for encoders that write in place (position sync). Must be followed by `commit`.
   */
  reserve(type: number, maxBodyLength: number): { buffer: Uint8Array; offset: number };
  /** Ends the reserved frame with its actual body length (≤ the reserved maximum). */
  commit(bodyLength: number): void;
  /** Bytes appended since the last `takeBytes`. */
  readonly length: number;
  readonly frames: number;
  /**
   * Returns the appended bytes and starts a new batch. The returned view stays valid until it is handed
   * back with `recycle` (a socket may hold it until its write completes), so the batch switches buffers.
   */
  takeBytes(): Uint8Array;
  /** Returns a buffer obtained from `takeBytes` once nothing references it any more. */
  recycle(bytes: Uint8Array): void;
  /** The bytes appended since the last `takeBytes`, as a view that the next append may invalidate. */
  peek(): Uint8Array;
}

/** Smallest buffer made when no spare is left; it grows by doubling like any other. */
const FRESH_MIN = 4096;
/** Spares kept per batch: writes in flight plus batches awaiting their acknowledgement, a few turns' worth. */
const MAX_SPARES = 8;

/** A frame header at `at`: u32 LE payload length (type included), then u16 LE type. */
function writeHeader(buffer: Uint8Array, at: number, payloadLength: number, type: number): void {
  buffer[at] = payloadLength & 0xff;
  buffer[at + 1] = (payloadLength >>> 8) & 0xff;
  buffer[at + 2] = (payloadLength >>> 16) & 0xff;
  buffer[at + 3] = (payloadLength >>> 24) & 0xff;
  buffer[at + 4] = type & 0xff;
  buffer[at + 5] = (type >>> 8) & 0xff;
}

export function createFrameBatch(options: { initialCapacity?: number } = {}): FrameBatch {
  const initialCapacity = options.initialCapacity ?? 64 * 1024;
  const spare: Uint8Array[] = [];
  let buffer: Uint8Array = new Uint8Array(initialCapacity);
  let length = 0;
  let frames = 0;
  let reservedAt = -1;

  function ensure(extra: number): void {
    if (length + extra <= buffer.length) return;
    let capacity = buffer.length * 2;
    while (capacity < length + extra) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(buffer.subarray(0, length));
    buffer = grown;
  }

  function assertNotReserved(): void {
    if (reservedAt >= 0) throw new TsworldError('INVALID_STATE', 'frame batch: a reserved frame is not committed');
  }

  const batch: FrameBatch = {
    get length() {
      return length;
    },
    get frames() {
      return frames;
    },
    append(type, body) {
      batch.sendParts(type, body, body.subarray(0, 0));
    },
    sendParts(type, head, tail) {
      assertNotReserved();
      const payload = TYPE_SIZE + head.length + tail.length;
      ensure(FRAME_HEADER_SIZE + payload);
      writeHeader(buffer, length, payload, type);
      buffer.set(head, length + FRAME_HEADER_SIZE + TYPE_SIZE);
      buffer.set(tail, length + FRAME_HEADER_SIZE + TYPE_SIZE + head.length);
      length += FRAME_HEADER_SIZE + payload;
      frames++;
    },
    reserve(type, maxBodyLength) {
      assertNotReserved();
      ensure(FRAME_HEADER_SIZE + TYPE_SIZE + maxBodyLength);
      reservedAt = length;
      writeHeader(buffer, length, 0, type);
      return { buffer, offset: length + FRAME_HEADER_SIZE + TYPE_SIZE };
    },
    commit(bodyLength) {
      if (reservedAt < 0) throw new TsworldError('INVALID_STATE', 'frame batch: commit without reserve');
      const payload = TYPE_SIZE + bodyLength;
      const type = buffer[reservedAt + 4] | (buffer[reservedAt + 5] << 8);
      writeHeader(buffer, reservedAt, payload, type);
      length = reservedAt + FRAME_HEADER_SIZE + payload;
      reservedAt = -1;
      frames++;
    },
    takeBytes() {
      assertNotReserved();
      const bytes = buffer.subarray(0, length);
      // With no spare (every buffer still waits for its write or its acknowledgement), a new one the
      // size of what this batch needed, not of the largest batch so far: a busy link flushes thousands of
      // small batches a second, and a 64 KiB buffer for each was most of a dispatcher's garbage.
      buffer = spare.pop() ?? new Uint8Array(Math.min(buffer.length, Math.max(FRESH_MIN, 2 * length)));
      length = 0;
      frames = 0;
      return bytes;
    },
    recycle(bytes) {
      // A few spares cover one write in flight, one awaiting its acknowledgement (link-retention.ts)
      // and the batch being filled.
      if (spare.length < MAX_SPARES && bytes.byteOffset === 0) spare.push(new Uint8Array(bytes.buffer));
    },
    peek() {
      return buffer.subarray(0, length);
    },
  };
  return batch;
}
