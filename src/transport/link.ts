import { TsworldError } from '../core/errors.ts';
import { createFrameBatch } from '../protocol/frame-batch.ts';
import { DEFAULT_MAX_FRAME_SIZE, createFrameParser } from '../protocol/frame-parser.ts';
import type { FrameSink } from '../protocol/codec.ts';
import type { LinkSocket } from './link-socket.ts';
import { createLinkAcks, type AckWhen } from './link-acks.ts';
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
  const maxPendingBytes = options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES;
  const maxUnackedBytes = Math.max(options.maxUnackedBytes ?? DEFAULT_MAX_UNACKED_BYTES, maxPendingBytes);
  const high = Math.min(options.highWatermarkBytes ?? DEFAULT_HIGH_WATERMARK_BYTES, maxPendingBytes);
  const low = Math.min(options.lowWatermarkBytes ?? DEFAULT_LOW_WATERMARK_BYTES, high);
  const batch = createFrameBatch({ initialCapacity: options.initialBatchCapacity });
  const acks = createLinkAcks({ when: options.ackWhen ?? 'delivery', recycle: (bytes) => batch.recycle(bytes) });
  let reservedType = 0;
  let backpressured = false;
  let degraded = false;
  let closed = false;
  let failure: TsworldError | null = null;

  /** Moves between normal and degraded with hysteresis: in above `high`, out at or below `low`. */
  function checkPressure(): void {
    const pending = socket.writableLength;
    const next = degraded ? pending > low : pending > high;
    if (next === degraded || closed) return;
    degraded = next;
    try {
      options.onPressure?.(link, degraded);
    } catch (cause) {
      report(new TsworldError('INVALID_STATE', 'link pressure handler threw', { cause }));
    }
  }
  let receivedBytes = 0;

  function report(error: TsworldError): void {
    try {
      options.onError?.(error, link);
    } catch {
      // An error handler that throws must not take the socket handler (and the process) down with it.
    }
  }

  function fail(error: TsworldError): void {
    if (closed) return;
    failure ??= error;
    report(error);
    parser.stop();
    socket.destroy();
  }

  const parser = createFrameParser({
    maxFrameSize: options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE,
    onFrame(type, body) {
      const received = acks.received(type, body);
      if (received === 'ack') return;
      if (received !== 'frame') return fail(new TsworldError('PROTOCOL_VIOLATION', received));
      try {
        options.onFrame(type, body, link);
      } catch (cause) {
        report(new TsworldError('INVALID_STATE', `frame handler threw on type ${type}`, { cause }));
      }
    },
  });

  const link: Link = {
    remoteAddress: socket.remoteAddress ?? '',
    remotePort: socket.remotePort ?? 0,
    send(type, body) {
      batch.append(type, body);
      acks.appended(type);
    },
    sendParts(type, head, tail) {
      batch.sendParts(type, head, tail);
      acks.appended(type);
    },
    reserve(type, maxBodyLength) {
      reservedType = type;
      return batch.reserve(type, maxBodyLength);
    },
    commit(bodyLength) {
      batch.commit(bodyLength);
      acks.appended(reservedType);
    },
    flush() {
      if (closed || socket.destroyed) return false;
      acks.beforeFlush(batch);
      if (batch.length === 0) {
        checkPressure();
        return !backpressured;
      }
      // A peer that reads but never acknowledges must not eat our memory either.
      if (acks.retainedBytes + batch.length > maxUnackedBytes) {
        fail(
          new TsworldError(
            'TRANSPORT_FAILURE',
            `link to ${link.remoteAddress}:${link.remotePort}: ${acks.retainedBytes + batch.length} bytes written and not ` +
              `acknowledged exceed maxUnackedBytes ${maxUnackedBytes}; the peer reads but does not say it processed them`,
          ),
        );
        return false;
      }
      const pending = socket.writableLength + batch.length;
      if (pending > maxPendingBytes) {
        fail(
          new TsworldError(
            'TRANSPORT_FAILURE',
            `link to ${link.remoteAddress}:${link.remotePort}: ${pending} bytes ` +
              `pending exceed the hard bound maxPendingBytes ${maxPendingBytes} (degraded since the high ` +
              `watermark ${high}); the peer is not reading fast enough`,
          ),
        );
        return false;
      }
      const bytes = batch.takeBytes();
      // The socket may hold `bytes` until the kernel takes them, and the peer may still need them until it
      // acknowledges them, so the buffer is recycled only after both. The write's end is also when a
      // degraded link may have drained: a sender gone quiet still recovers without a flush.
      const chunk = acks.retain(bytes);
      const ok = socket.write(bytes, () => {
        acks.written(chunk);
        if (degraded) checkPressure();
      });
      if (!ok) backpressured = true;
      checkPressure();
      return ok;
    },
    get batchedBytes() {
      return batch.length;
    },
    get pendingBytes() {
      return socket.writableLength;
    },
    get receivedBytes() {
      return receivedBytes;
    },
    get backpressured() {
      return backpressured;
    },
    get degraded() {
      return degraded;
    },
    get closed() {
      return closed;
    },
    get framesIn() {
      return acks.framesIn;
    },
    get unackedBytes() {
      return acks.retainedBytes;
    },
    processedUpTo(count) {
      acks.processedUpTo(count);
    },
    get ackDue() {
      return acks.ackDue;
    },
    unacked: () => acks.unacked(batch),
    close() {
      if (closed) return;
      link.flush();
      parser.stop();
      socket.end();
    },
    destroy() {
      parser.stop();
      socket.destroy();
    },
  };

  socket.setNoDelay(true);
  socket.on('data', (chunk: Buffer) => {
    receivedBytes += chunk.length;
    const fault = parser.push(chunk);
    if (fault !== null) fail(fault);
  });
  socket.on('drain', () => {
    backpressured = false;
    checkPressure();
    options.onDrain?.(link);
  });
  socket.on('error', (cause) => {
    fail(new TsworldError('TRANSPORT_FAILURE', `link socket error: ${cause.message}`, { cause }));
  });
  socket.on('close', () => {
    if (closed) return;
    closed = true;
    parser.stop();
    options.onClose?.(link, failure);
  });
  return link;
}
