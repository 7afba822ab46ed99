import { TsworldError } from '../core/errors.ts';
import { createFrameBatch, type FrameBatch } from '../protocol/frame-batch.ts';
import { DEFAULT_MAX_FRAME_SIZE, createFrameParser, type FrameParser } from '../protocol/frame-parser.ts';
import type { FrameSink } from '../protocol/codec.ts';
import type { LinkSocket } from './link-socket.ts';
import { createLinkAcks, type AckWhen, type LinkAcks } from './link-acks.ts';
import type { RetainedFrame } from './link-retention.ts';

/**
 * One internal connection (gate ↔ dispatcher ↔ game), over TCP or in memory. Sends are appended to a batch and written by
 * `flush`, which the owning loop calls once per tick: one syscall per destination per tick.
 */
export interface Link extends FrameSink {
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Appends a frame to this tick's batch (copies `body`; the caller may reuse it at once). */
  send(type: number, body: Uint8Array): void;
  /** Appends a frame whose body is `head` then `tail` (routing key + payload) without concatenating. */
  sendParts(type: number, head: Uint8Array, tail: Uint8Array): void;
  /** Reserves a frame for in-place writing (e.g. a position batch); follow with `commit`. */
  reserve(type: number, maxBodyLength: number): { buffer: Uint8Array; offset: number };
  commit(bodyLength: number): void;
  /**
   * Writes the whole batch with one socket write. Returns false when the socket is backpressured (the
   * data is still queued; `onDrain` fires later) or the link is closed. Exceeding `maxPendingBytes`
   * reports TRANSPORT_FAILURE and closes the link: a peer that stopped reading must not eat our memory.
   */
  flush(): boolean;
  /** Bytes appended but not yet flushed. */
  readonly batchedBytes: number;
  /** Bytes flushed but not yet accepted by the kernel. */
  readonly pendingBytes: number;
  /** Bytes received so far: liveness watches it move (link-liveness.ts), at no cost per frame. */
  readonly receivedBytes: number;
  readonly backpressured: boolean;
  /**
   * Set when the flushed-but-unsent bytes pass the high watermark, cleared once they drain to the low
   * one (hysteresis, so a link near the mark does not flap); `onPressure` reports each change. The sender
   * then sheds what is superseded (position streams) long before `maxPendingBytes` fails the link.
   */
  readonly degraded: boolean;
  readonly closed: boolean;
  /** Counted frames received so far (SPEC.md, "Delivery across a lost process"). */
  readonly framesIn: number;
  /** Bytes written and not yet acknowledged by the peer (kept for a replay). */
  readonly unackedBytes: number;
  /** With `ackWhen: 'owner'`: the first `count` counted frames received are processed (count from `framesIn`). */
  processedUpTo(count: number): void;
  /** Processed frames the peer has not been told about yet: the next flush carries a LINK_ACK. */
  readonly ackDue: boolean;
  /** Frames sent that the peer has not acknowledged, in order, unflushed ones included. */
  unacked(): RetainedFrame[];
  /**
   * Runs `done` once the peer has processed every frame sent so far (unflushed ones included: they
   * must be flushed for it to happen), or once the link closes and nothing more can be. A barrier for
   * frames of one sender that take different links (migration.ts).
   */
  whenAcked(done: () => void): void;
  /** Flushes what is batched, then ends the connection gracefully. */
  close(): void;
  /** Drops the connection at once, unflushed data included. */
  destroy(): void;
}

export interface LinkHandlers {
  /** Called per incoming frame; `body` is valid only during the call. A throw is reported, not fatal. */
  onFrame(type: number, body: Uint8Array, link: Link): void;
  /** Protocol faults (ProtocolError), socket failures and handler throws. Faults close the link. */
  onError?(error: TsworldError, link: Link): void;
  /** Once per link; `error` is the failure that closed it, or null for a clean close. */
  onClose?(link: Link, error: TsworldError | null): void;
  onDrain?(link: Link): void;
  /** The link entered (true) or left (false) degraded mode; see `Link.degraded`. */
  onPressure?(link: Link, degraded: boolean): void;
}

/** The bounds on a link's outgoing backlog; each has a config key (`links` in tsworld.config.json). */
export interface LinkLimits {
  /** Backlog above which the link is degraded; default 8 MiB. */
  highWatermarkBytes?: number;
  /** Backlog at or below which a degraded link recovers; default 2 MiB. */
  lowWatermarkBytes?: number;
  /** Bound on flushed-but-unsent bytes; past it the link fails (TRANSPORT_FAILURE). Default 64 MiB. */
  maxPendingBytes?: number;
  /**
   * Bound on bytes written and not yet acknowledged (LINK_ACK), kept for a replay; past it the link fails.
   * They include what the kernels and the network hold, so this is above `maxPendingBytes`. Default 64 MiB.
   */
  maxUnackedBytes?: number;
}

export interface LinkOptions extends LinkHandlers, LinkLimits {
  /** Largest accepted incoming frame payload; default 16 MiB. */
  maxFrameSize?: number;
  /** Initial batch buffer size; default 64 KiB. */
  initialBatchCapacity?: number;
  /** When a received frame counts as processed for LINK_ACK: on delivery (default) or when the owner says. */
  ackWhen?: AckWhen;
}

export const DEFAULT_MAX_PENDING_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_UNACKED_BYTES = 64 * 1024 * 1024;
export const DEFAULT_HIGH_WATERMARK_BYTES = 8 * 1024 * 1024;
export const DEFAULT_LOW_WATERMARK_BYTES = 2 * 1024 * 1024;

/** Wraps a connected socket (TCP or in-memory). Used by the LinkNetworks; rarely called directly. */
export function createLink(socket: LinkSocket, options: LinkOptions): Link {
  return new SocketLink(socket, options);
}

/** The hard bounds and watermarks of one link, from its options and the defaults. */
function boundsOf(options: LinkLimits): { maxPendingBytes: number; maxUnackedBytes: number; high: number; low: number } {
  const maxPendingBytes = options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES;
  const high = Math.min(options.highWatermarkBytes ?? DEFAULT_HIGH_WATERMARK_BYTES, maxPendingBytes);
  return {
    maxPendingBytes,
    maxUnackedBytes: Math.max(options.maxUnackedBytes ?? DEFAULT_MAX_UNACKED_BYTES, maxPendingBytes),
    high,
    low: Math.min(options.lowWatermarkBytes ?? DEFAULT_LOW_WATERMARK_BYTES, high),
  };
}

/**
 * A class for once, as ParkingLink is: the state is a handful of fields shared by every member, and
 * each member is one small method.
 */
class SocketLink implements Link {
  readonly remoteAddress: string;
  readonly remotePort: number;
  private readonly bounds: ReturnType<typeof boundsOf>;
  private readonly batch: FrameBatch;
  private readonly acks: LinkAcks;
  private readonly parser: FrameParser;
  private reservedType = 0;
  private isBackpressured = false;
  private isDegraded = false;
  private isClosed = false;
  private failure: TsworldError | null = null;
  private received = 0;

  constructor(private readonly socket: LinkSocket, private readonly options: LinkOptions) {
    this.remoteAddress = socket.remoteAddress ?? '';
    this.remotePort = socket.remotePort ?? 0;
    this.bounds = boundsOf(options);
    this.batch = createFrameBatch({ initialCapacity: options.initialBatchCapacity });
    this.acks = createLinkAcks({ when: options.ackWhen ?? 'delivery', recycle: (bytes) => this.batch.recycle(bytes) });
    this.parser = createFrameParser({ maxFrameSize: options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE, onFrame: (type, body) => this.deliver(type, body) });
    this.wire();
  }

  private wire(): void {
    const { socket } = this;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.received += chunk.length;
      // A plain Uint8Array view, not the Buffer itself: every frame body is then a subarray of one kind of
      // object (V8's own subarray, not Buffer's JavaScript one, which builds a FastBuffer per frame), so
      // the routing code downstream sees one kind of array. `npm run bench -- dispatcher`: 15-20% less
      // time per burst of small frames.
      const fault = this.parser.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
      if (fault !== null) this.fail(fault);
    });
    socket.on('drain', () => {
      this.isBackpressured = false;
      this.checkPressure();
      this.options.onDrain?.(this);
    });
    socket.on('error', (cause) => {
      this.fail(new TsworldError('TRANSPORT_FAILURE', `link socket error: ${cause.message}`, { cause }));
    });
    socket.on('close', () => {
      if (this.isClosed) return;
      this.isClosed = true;
      this.parser.stop();
      this.acks.settleAll();
      this.options.onClose?.(this, this.failure);
    });
  }

  private deliver(type: number, body: Uint8Array): void {
    const received = this.acks.received(type, body);
    if (received === 'ack') return;
    if (received !== 'frame') return this.fail(new TsworldError('PROTOCOL_VIOLATION', received));
    try {
      this.options.onFrame(type, body, this);
    } catch (cause) {
      this.report(new TsworldError('INVALID_STATE', `frame handler threw on type ${type}`, { cause }));
    }
  }

  /** Moves between normal and degraded with hysteresis: in above `high`, out at or below `low`. */
  private checkPressure(): void {
    const pending = this.socket.writableLength;
    const next = this.isDegraded ? pending > this.bounds.low : pending > this.bounds.high;
    if (next === this.isDegraded || this.isClosed) return;
    this.isDegraded = next;
    try {
      this.options.onPressure?.(this, next);
    } catch (cause) {
      this.report(new TsworldError('INVALID_STATE', 'link pressure handler threw', { cause }));
    }
  }

  private report(error: TsworldError): void {
    try {
      this.options.onError?.(error, this);
    } catch {
      // An error handler that throws must not take the socket handler (and the process) down with it.
    }
  }

  private fail(error: TsworldError): void {
    if (this.isClosed) return;
    this.failure ??= error;
    this.report(error);
    this.parser.stop();
    this.socket.destroy();
  }

  /** Why writing the batch now must fail the link, or null. */
  private overBound(): TsworldError | null {
    const { maxPendingBytes, maxUnackedBytes, high } = this.bounds;
    const where = `link to ${this.remoteAddress}:${this.remotePort}`;
    // A peer that reads but never acknowledges must not eat our memory, any more than one that stops reading.
    const unacked = this.acks.retainedBytes + this.batch.length;
    if (unacked > maxUnackedBytes) {
      return new TsworldError('TRANSPORT_FAILURE', `${where}: ${unacked} bytes written and not acknowledged exceed ` +
        `maxUnackedBytes ${maxUnackedBytes}; the peer reads but does not say it processed them`);
    }
    const pending = this.socket.writableLength + this.batch.length;
    if (pending <= maxPendingBytes) return null;
    return new TsworldError('TRANSPORT_FAILURE', `${where}: ${pending} bytes pending exceed the hard bound ` +
      `maxPendingBytes ${maxPendingBytes} (degraded since the high watermark ${high}); the peer is not reading fast enough`);
  }

  send(type: number, body: Uint8Array): void {
    this.batch.append(type, body);
    this.acks.appended(type);
  }
  sendParts(type: number, head: Uint8Array, tail: Uint8Array): void {
    this.batch.sendParts(type, head, tail);
    this.acks.appended(type);
  }
  reserve(type: number, maxBodyLength: number): { buffer: Uint8Array; offset: number } {
    this.reservedType = type;
    return this.batch.reserve(type, maxBodyLength);
  }
  commit(bodyLength: number): void {
    this.batch.commit(bodyLength);
    this.acks.appended(this.reservedType);
  }
  flush(): boolean {
    if (this.isClosed || this.socket.destroyed) return false;
    this.acks.beforeFlush(this.batch);
    if (this.batch.length === 0) {
      this.checkPressure();
      return !this.isBackpressured;
    }
    const fault = this.overBound();
    if (fault) {
      this.fail(fault);
      return false;
    }
    const bytes = this.batch.takeBytes();
    // The socket may hold `bytes` until the kernel takes them, and the peer may still need them until it
    // acknowledges them, so the buffer is recycled only after both. The write's end is also when a
    // degraded link may have drained: a sender gone quiet still recovers without a flush.
    const chunk = this.acks.retain(bytes);
    const ok = this.socket.write(bytes, () => {
      this.acks.written(chunk);
      if (this.isDegraded) this.checkPressure();
    });
    if (!ok) this.isBackpressured = true;
    this.checkPressure();
    return ok;
  }
  get batchedBytes(): number {
    return this.batch.length;
  }
  get pendingBytes(): number {
    return this.socket.writableLength;
  }
  get receivedBytes(): number {
    return this.received;
  }
  get backpressured(): boolean {
    return this.isBackpressured;
  }
  get degraded(): boolean {
    return this.isDegraded;
  }
  get closed(): boolean {
    return this.isClosed;
  }
  get framesIn(): number {
    return this.acks.framesIn;
  }
  get unackedBytes(): number {
    return this.acks.retainedBytes;
  }
  processedUpTo(count: number): void {
    this.acks.processedUpTo(count);
  }
  get ackDue(): boolean {
    return this.acks.ackDue;
  }
  unacked(): RetainedFrame[] {
    return this.acks.unacked(this.batch);
  }
  whenAcked(done: () => void): void {
    if (this.isClosed) return done();
    this.acks.whenAcked(done);
  }
  close(): void {
    if (this.isClosed) return;
    this.flush();
    this.parser.stop();
    this.socket.end();
  }
  destroy(): void {
    this.parser.stop();
    this.socket.destroy();
  }
}
