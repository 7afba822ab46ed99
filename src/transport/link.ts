import { TsworldError } from '../core/errors.ts';
import { createFrameBatch } from '../protocol/frame-batch.ts';
import { DEFAULT_MAX_FRAME_SIZE, createFrameParser } from '../protocol/frame-parser.ts';
import type { FrameSink } from '../protocol/codec.ts';
import type { LinkSocket } from './link-socket.ts';

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
  readonly backpressured: boolean;
  readonly closed: boolean;
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
}

export interface LinkOptions extends LinkHandlers {
  /** Largest accepted incoming frame payload; default 16 MiB. */
  maxFrameSize?: number;
  /** Bound on flushed-but-unsent bytes; default 64 MiB. */
  maxPendingBytes?: number;
  /** Initial batch buffer size; default 64 KiB. */
  initialBatchCapacity?: number;
}

export const DEFAULT_MAX_PENDING_BYTES = 64 * 1024 * 1024;

/** Wraps a connected socket (TCP or in-memory). Used by the LinkNetworks; rarely called directly. */
export function createLink(socket: LinkSocket, options: LinkOptions): Link {
  const maxPendingBytes = options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES;
  const batch = createFrameBatch({ initialCapacity: options.initialBatchCapacity });
  let backpressured = false;
  let closed = false;
  let failure: TsworldError | null = null;

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
    },
    sendParts(type, head, tail) {
      batch.sendParts(type, head, tail);
    },
    reserve(type, maxBodyLength) {
      return batch.reserve(type, maxBodyLength);
    },
    commit(bodyLength) {
      batch.commit(bodyLength);
    },
    flush() {
      if (closed || socket.destroyed) return false;
      if (batch.length === 0) return !backpressured;
      if (socket.writableLength + batch.length > maxPendingBytes) {
        fail(
          new TsworldError(
            'TRANSPORT_FAILURE',
            `link to ${link.remoteAddress}:${link.remotePort}: ${socket.writableLength + batch.length} bytes ` +
              `pending exceed the bound ${maxPendingBytes}; the peer is not reading`,
          ),
        );
        return false;
      }
      const bytes = batch.takeBytes();
      // The socket may hold `bytes` until the kernel takes them, so the buffer is recycled only then.
      const ok = socket.write(bytes, () => batch.recycle(bytes));
      if (!ok) backpressured = true;
      return ok;
    },
    get batchedBytes() {
      return batch.length;
    },
    get pendingBytes() {
      return socket.writableLength;
    },
    get backpressured() {
      return backpressured;
    },
    get closed() {
      return closed;
    },
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
    const fault = parser.push(chunk);
    if (fault !== null) fail(fault);
  });
  socket.on('drain', () => {
    backpressured = false;
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
