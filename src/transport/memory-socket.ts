import { EventEmitter } from 'node:events';
import type { LinkSocket } from './link-socket.ts';

/** Above this many untaken bytes `write` returns false, as a TCP socket's high-water mark would. */
const HIGH_WATER = 64 * 1024;

interface Chunk {
  bytes: Uint8Array;
  done: () => void;
}

/**
 * One end of an in-memory byte stream. Bytes are delivered on a later event-loop turn (never inside
 * `write`), in order, and only while the reading end is not paused, so a peer that stops reading makes
 * `writableLength` grow exactly as a TCP peer would. `done` callbacks run once the reader took the bytes,
 * which is when a Link may recycle its batch buffer.
 */
export class MemorySocket extends EventEmitter implements LinkSocket {
  peer: MemorySocket | null = null;
  readonly remoteAddress: string;
  readonly remotePort: number;
  destroyed = false;
  private readonly outbox: Chunk[] = [];
  private queued = 0;
  private paused = false;
  private ending = false;
  private pumpScheduled = false;
  private closeEmitted = false;
  private needDrain = false;

  /** Largest piece one read hands over; a write is split into pieces, as TCP segments a stream. */
  private readonly maxChunk: number;

  constructor(remoteAddress: string, remotePort: number, maxChunk = Infinity) {
    super();
    this.remoteAddress = remoteAddress;
    this.remotePort = remotePort;
    this.maxChunk = maxChunk;
  }

  get writableLength(): number {
    return this.queued;
  }

  setNoDelay(): this {
    return this;
  }

  write(bytes: Uint8Array, done: () => void = () => undefined): boolean {
    if (this.destroyed || this.ending) return false;
    this.outbox.push({ bytes, done });
    this.queued += bytes.length;
    this.peer?.schedulePump();
    const ok = this.queued <= HIGH_WATER;
    if (!ok) this.needDrain = true;
    return ok;
  }

  end(): this {
    this.ending = true;
    this.peer?.schedulePump();
    return this;
  }

  destroy(): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    this.outbox.length = 0;
    this.queued = 0;
    setImmediate(() => this.emitClose());
    this.peer?.destroy();
    return this;
  }

  /** Stops reading: the writer's bytes pile up on its side (tests of a peer that stopped reading). */
  pause(): this {
    this.paused = true;
    return this;
  }

  resume(): this {
    this.paused = false;
    this.schedulePump();
    return this;
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Takes what the peer wrote, in order, then closes both ends once an ended peer is drained. */
  private pump(): void {
    const writer = this.peer;
    if (writer === null || this.destroyed || this.paused) return;
    while (writer.outbox.length > 0 && !this.destroyed && !this.paused) {
      const chunk = writer.outbox.shift()!;
      writer.queued -= chunk.bytes.length;
      // Chunks of their own, as TCP reads give: the writer recycles its batch buffer once `done` runs.
      for (let at = 0; at < chunk.bytes.length && !this.destroyed; at += this.maxChunk) {
        this.emit('data', Buffer.from(chunk.bytes.subarray(at, Math.min(chunk.bytes.length, at + this.maxChunk))));
      }
      chunk.done();
    }
    if (writer.needDrain && writer.queued <= HIGH_WATER) {
      writer.needDrain = false;
      writer.emit('drain');
    }
    if (writer.ending && writer.outbox.length === 0) {
      writer.destroyed = true;
      this.destroyed = true;
      writer.emitClose();
      this.emitClose();
    }
  }

  private emitClose(): void {
    if (this.closeEmitted) return;
    this.closeEmitted = true;
    this.emit('close');
  }
}

/** Two connected ends: what one writes, the other reads. */
export function memorySocketPair(
  a: { address: string; port: number },
  b: { address: string; port: number },
  maxChunk = Infinity,
): [MemorySocket, MemorySocket] {
  const left = new MemorySocket(b.address, b.port, maxChunk);
  const right = new MemorySocket(a.address, a.port, maxChunk);
  left.peer = right;
  right.peer = left;
  return [left, right];
}
