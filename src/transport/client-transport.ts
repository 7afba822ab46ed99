/**
 * The Transport seam between the gate and its clients: WebSocket connections carrying binary messages,
 * plus static files over HTTP on the same port (the example client page). Two implementations pass the
 * same contract suite (test/contract/transport.test.ts): uWebSockets.js (default) and `ws` (fallback).
 */

/** What `send` did: written, queued behind backpressure (still delivered), or dropped (buffer full). */
export type SendResult = 'ok' | 'backpressure' | 'dropped';

export interface ClientConnection {
  /** Serial number, unique within one server. */
  readonly id: number;
  readonly remoteAddress: string;
  /** Sends one binary message. Never throws; 'dropped' also after the connection closed. */
  send(message: Uint8Array): SendResult;
  /** Runs `fn`, sending everything it sends with as few syscalls as the implementation allows. */
  cork(fn: () => void): void;
  /** Bytes queued for this client and not yet written to the socket. */
  readonly bufferedAmount: number;
  /** Closes with a code (see CLOSE_CODES) and a short reason (≤ 123 bytes). Idempotent. */
  close(code: number, reason?: string): void;
  readonly closed: boolean;
  /**
   * Whatever the transport's user keeps with the connection (the gate: its client proxy), null until
   * it sets one. The transport never reads it: it saves the user a map from connection to its own
   * record, one hash entry per client.
   */
  userData: unknown;
}

/** What a transport knows of a WebSocket upgrade request before accepting it. */
export interface UpgradeRequest {
  readonly remoteAddress: string;
  /** The Origin header (browsers always send it), or undefined. */
  readonly origin: string | undefined;
}

/** An upgrade refused with a plain HTTP response: no WebSocket is made, nothing else is allocated. */
export interface UpgradeRefusal {
  readonly status: 403 | 429 | 503;
  readonly reason: string;
}

export interface ClientTransportHandlers {
  /**
   * Runs at the HTTP upgrade, before the WebSocket exists: null accepts, a refusal answers with its
   * status (and Retry-After for 429/503). Absent: every upgrade to the path is accepted.
   */
  admit?(request: UpgradeRequest): UpgradeRefusal | null;
  onOpen(connection: ClientConnection): void;
  /**
   * One binary message. `message` is a copy owned by the handler (uWS frees its buffer after the
   * callback, so the transport copies synchronously). Text messages never get here: they close the
   * connection with 4000 (frame-malformed).
   */
  onMessage(connection: ClientConnection, message: Uint8Array): void;
  /** The transport itself refused a message (text frame, over maxPayload) and is closing the connection. */
  onRefused?(connection: ClientConnection, fault: 'frame-malformed' | 'frame-too-large'): void;
  /** Once per connection, whoever closed it. */
  onClose(connection: ClientConnection, code: number, reason: string): void;
  /** The connection's send buffer has drained after a 'backpressure' result. */
  onDrain?(connection: ClientConnection): void;
}

export interface ClientListenOptions extends ClientTransportHandlers {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** WebSocket path; default '/ws'. */
  path?: string;
  /** Largest accepted message in bytes; larger ones close the connection with 1009. Default 64 KiB. */
  maxPayload?: number;
  /** Seconds without any traffic before the connection is closed; 0 disables. Default 120. */
  idleTimeoutSec?: number;
  /** Bytes a connection may have queued before `send` returns 'dropped'. Default 1 MiB. */
  maxBackpressure?: number;
  /** Directory served over HTTP on the same port ('/' → index.html); none → every HTTP request is 404. */
  staticDir?: string;
}

export interface ClientServer {
  readonly implementation: TransportKind;
  readonly port: number;
  /** Open connections. */
  readonly connectionCount: number;
  /** Closes every connection with 1001 (server-shutdown), stops listening, resolves when all closed. */
  stop(): Promise<void>;
}

export type TransportKind = 'uws' | 'ws' | 'memory';

export interface ClientTransport {
  readonly kind: TransportKind;
  listen(options: ClientListenOptions): Promise<ClientServer>;
}

/** Minimal logger (a pino logger fits). */
export interface TransportLog {
  info(message: string): void;
  warn(message: string): void;
}

export const DEFAULTS = {
  path: '/ws',
  maxPayload: 64 * 1024,
  idleTimeoutSec: 120,
  maxBackpressure: 1024 * 1024,
} as const;
