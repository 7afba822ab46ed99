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

const NO_BYTES = new Uint8Array(0);

/**
 * A class, not a closure-built object: every link of a process appends each frame through it, and
 * methods on one prototype are inlined at those call sites, where each closure-built batch had its own
 * (a call through a generic stub per frame, as with the link's acks: link-acks.ts).
 */
class Batch implements FrameBatch {
  private readonly spare: Uint8Array[] = [];
  private buffer: Uint8Array;
  private bytes = 0;
  private count = 0;
  private reservedAt = -1;

  constructor(initialCapacity: number) {
    this.buffer = new Uint8Array(initialCapacity);
  }

  get length(): number {
    return this.bytes;
  }

  get frames(): number {
    return this.count;
  }

  append(type: number, body: Uint8Array): void {
    this.sendParts(type, body, NO_BYTES);
  }

  sendParts(type: number, head: Uint8Array, tail: Uint8Array): void {
    this.assertNotReserved();
    const payload = TYPE_SIZE + head.length + tail.length;
    this.ensure(FRAME_HEADER_SIZE + payload);
    const { buffer, bytes } = this;
    writeHeader(buffer, bytes, payload, type);
    buffer.set(head, bytes + FRAME_HEADER_SIZE + TYPE_SIZE);
    buffer.set(tail, bytes + FRAME_HEADER_SIZE + TYPE_SIZE + head.length);
    this.bytes = bytes + FRAME_HEADER_SIZE + payload;
    this.count++;
  }

  reserve(type: number, maxBodyLength: number): { buffer: Uint8Array; offset: number } {
    this.assertNotReserved();
    this.ensure(FRAME_HEADER_SIZE + TYPE_SIZE + maxBodyLength);
    this.reservedAt = this.bytes;
    writeHeader(this.buffer, this.bytes, 0, type);
    return { buffer: this.buffer, offset: this.bytes + FRAME_HEADER_SIZE + TYPE_SIZE };
  }

  commit(bodyLength: number): void {
    const { buffer, reservedAt } = this;
    if (reservedAt < 0) throw new TsworldError('INVALID_STATE', 'frame batch: commit without reserve');
    const payload = TYPE_SIZE + bodyLength;
    const type = buffer[reservedAt + 4] | (buffer[reservedAt + 5] << 8);
    writeHeader(buffer, reservedAt, payload, type);
    this.bytes = reservedAt + FRAME_HEADER_SIZE + payload;
    this.reservedAt = -1;
    this.count++;
  }

  takeBytes(): Uint8Array {
    this.assertNotReserved();
    const taken = this.buffer.subarray(0, this.bytes);
    // With no spare (every buffer still waits for its write or its acknowledgement), a new one the
    // size of what this batch needed, not of the largest batch so far: a busy link flushes thousands of
    // small batches a second, and a 64 KiB buffer for each was most of a dispatcher's garbage.
    this.buffer = this.spare.pop() ?? new Uint8Array(Math.min(this.buffer.length, Math.max(FRESH_MIN, 2 * this.bytes)));
    this.bytes = 0;
    this.count = 0;
    return taken;
  }

  recycle(bytes: Uint8Array): void {
    // A few spares cover one write in flight, one awaiting its acknowledgement (link-retention.ts)
    // and the batch being filled.
    if (this.spare.length < MAX_SPARES && bytes.byteOffset === 0) this.spare.push(new Uint8Array(bytes.buffer));
  }

  peek(): Uint8Array {
    return this.buffer.subarray(0, this.bytes);
  }

  private ensure(extra: number): void {
    const needed = this.bytes + extra;
    if (needed <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.buffer.subarray(0, this.bytes));
    this.buffer = grown;
  }

  private assertNotReserved(): void {
    if (this.reservedAt >= 0) throw new TsworldError('INVALID_STATE', 'frame batch: a reserved frame is not committed');
  }
}

export function createFrameBatch(options: { initialCapacity?: number } = {}): FrameBatch {
  return new Batch(options.initialCapacity ?? 64 * 1024);
}
