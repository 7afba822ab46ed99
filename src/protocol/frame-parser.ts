import { ProtocolError } from './wire-errors.ts';

/** Internal TCP framing: u32 LE payload length · payload, where payload = u16 LE type · body. */
export const FRAME_HEADER_SIZE = 4;
export const TYPE_SIZE = 2;
export const DEFAULT_MAX_FRAME_SIZE = 16 * 1024 * 1024;

/**
 * Called once per complete frame. `body` may be a view into the socket chunk or into the parser's
 * reassembly buffer: it is valid only during the call. Copy it to keep it.
 */
export type FrameHandler = (type: number, body: Uint8Array) => void;

export interface FrameParser {
  /**
   * Feeds one chunk. Delivers every complete frame in order, keeps the incomplete tail, and returns null,
   * or the fault that stopped it. After a fault, or after `stop()`, the parser is dead and every later
   * push returns that fault (or null when stopped) without reading.
   */
  push(chunk: Uint8Array): ProtocolError | null;
  /** Stops delivery at once, even in the middle of a chunk (used when the handler closes the link). */
  stop(): void;
  /** Bytes held for an incomplete frame. */
  readonly buffered: number;
}

export interface FrameParserOptions {
  /** Largest accepted payload (type + body) in bytes. */
  maxFrameSize?: number;
  onFrame: FrameHandler;
}

// A reassembly buffer that grew for one big frame is released afterwards, so one burst does not pin memory.
const KEEP_CAPACITY = 64 * 1024;

/** The start of a frame that a chunk ended in the middle of, held until the rest arrives. */
interface Reassembly {
  bytes: Uint8Array;
  /** Bytes of `bytes` in use; 0 when no frame is held. */
  filled: number;
}

export function createFrameParser(options: FrameParserOptions): FrameParser {
  const maxFrameSize = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
  const onFrame = options.onFrame;
  const held: Reassembly = { bytes: new Uint8Array(KEEP_CAPACITY), filled: 0 };
  let fault: ProtocolError | null = null;
  let stopped = false;

  function fail(error: ProtocolError): ProtocolError {
    fault = error;
    held.filled = 0;
    return error;
  }

  return {
    get buffered() {
      return held.filled;
    },
    stop() {
      stopped = true;
      held.filled = 0;
    },
    push(chunk) {
      if (fault !== null) return fault;
      if (stopped) return null;
      let pos = 0;
      if (held.filled > 0) {
        const used = continuePending(held, chunk, maxFrameSize, onFrame);
        if (typeof used !== 'number') return fail(used);
        pos = used;
      }
      while (!stopped && chunk.length - pos >= FRAME_HEADER_SIZE) {
        const length = readLength(chunk, pos);
        const error = checkLength(length, maxFrameSize);
        if (error !== null) return fail(error);
        if (chunk.length - pos < FRAME_HEADER_SIZE + length) break;
        deliver(onFrame, chunk, pos, length);
        pos += FRAME_HEADER_SIZE + length;
      }
      if (!stopped && pos < chunk.length) keepTail(held, chunk, pos);
      return null;
    },
  };
}

function checkLength(length: number, maxFrameSize: number): ProtocolError | null {
  if (length < TYPE_SIZE) {
    return new ProtocolError('frame-malformed', `frame length ${length} is shorter than the type field`);
  }
  if (length > maxFrameSize) {
    return new ProtocolError('frame-too-large', `frame length ${length} exceeds the limit ${maxFrameSize}`);
  }
  return null;
}

function readLength(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16)) + bytes[at + 3] * 0x1000000;
}

function deliver(onFrame: FrameHandler, bytes: Uint8Array, at: number, length: number): void {
  const type = bytes[at + FRAME_HEADER_SIZE] | (bytes[at + FRAME_HEADER_SIZE + 1] << 8);
  const start = at + FRAME_HEADER_SIZE + TYPE_SIZE;
  onFrame(type, bytes.subarray(start, at + FRAME_HEADER_SIZE + length));
}

function ensureCapacity(held: Reassembly, size: number): void {
  if (held.bytes.length >= size) return;
  const grown = new Uint8Array(Math.max(size, held.bytes.length * 2));
  grown.set(held.bytes.subarray(0, held.filled));
  held.bytes = grown;
}

/** Completes the frame held from the head of `chunk`; returns bytes consumed or a fault. */
function continuePending(held: Reassembly, chunk: Uint8Array, maxFrameSize: number, onFrame: FrameHandler): number | ProtocolError {
  let used = 0;
  if (held.filled < FRAME_HEADER_SIZE) {
    used = Math.min(FRAME_HEADER_SIZE - held.filled, chunk.length);
    held.bytes.set(chunk.subarray(0, used), held.filled);
    held.filled += used;
    if (held.filled < FRAME_HEADER_SIZE) return used;
  }
  const length = readLength(held.bytes, 0);
  const error = checkLength(length, maxFrameSize);
  if (error !== null) return error;
  const total = FRAME_HEADER_SIZE + length;
  ensureCapacity(held, total);
  const take = Math.min(total - held.filled, chunk.length - used);
  held.bytes.set(chunk.subarray(used, used + take), held.filled);
  held.filled += take;
  used += take;
  if (held.filled === total) {
    held.filled = 0;
    deliver(onFrame, held.bytes, 0, length);
    if (held.bytes.length > KEEP_CAPACITY) held.bytes = new Uint8Array(KEEP_CAPACITY);
  }
  return used;
}

/** Holds `chunk` from `pos`: the start of a frame whose end has not arrived. */
function keepTail(held: Reassembly, chunk: Uint8Array, pos: number): void {
  // Only the incomplete tail is copied; the header (if complete) is validated when completed.
  const rest = chunk.length - pos;
  if (rest >= FRAME_HEADER_SIZE) ensureCapacity(held, FRAME_HEADER_SIZE + readLength(chunk, pos));
  held.bytes.set(chunk.subarray(pos), 0);
  held.filled = rest;
}
