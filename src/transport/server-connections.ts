import { CLOSE_CODES } from '../protocol/wire-errors.ts';
import type { ClientConnection, ClientServer, TransportKind } from './client-transport.ts';

/**
 * A WebSocket close reason fits in 123 bytes of UTF-8 (RFC 6455); longer ones make `ws` throw. Cut on
 * a character boundary, so a reason with non-ASCII text still closes cleanly.
 */
export function closeReason(reason: string): string {
  if (Buffer.byteLength(reason) <= 123) return reason;
  let cut = reason.slice(0, 123);
  while (Buffer.byteLength(cut) > 123) cut = cut.slice(0, -1);
  return cut;
}

/**
 * Runs one of the user's handlers for a connection. A handler bug drops that client (1011) instead of
 * escaping into the transport: in uWS an exception there ends the process.
 */
export function guardHandler(connection: ClientConnection, fn: () => void): void {
  try {
    fn();
  } catch {
    connection.close(1011, 'internal error');
  }
}

/** The open connections of one server, and the shutdown that waits for all of them to close. */
export class OpenConnections<C extends ClientConnection> extends Set<C> {
  private allClosed: (() => void) | null = null;

  /** Forgets a connection that has closed and runs its close handler; the last one ends a shutdown. */
  closed(connection: C, onClose: () => void): void {
    this.delete(connection);
    try {
      onClose();
    } finally {
      if (this.size === 0) this.allClosed?.();
    }
  }

  /** Closes every connection with 1001 and calls `finish` once none is left (at once when none is open). */
  closeAll(finish: () => void): void {
    if (this.size === 0) {
      finish();
      return;
    }
    this.allClosed = finish;
    for (const connection of [...this]) connection.close(CLOSE_CODES['server-shutdown'], 'server shutdown');
  }
}

/** A listening server; `shutdown` runs once, on the first `stop()`, and every `stop()` awaits it. */
export function clientServer(
  implementation: TransportKind,
  port: number,
  open: OpenConnections<ClientConnection>,
  shutdown: (done: () => void) => void,
): ClientServer {
  let stopping: Promise<void> | null = null;
  return {
    implementation,
    port,
    get connectionCount() {
      return open.size;
    },
    stop() {
      stopping ??= new Promise<void>(shutdown);
      return stopping;
    },
  };
}
