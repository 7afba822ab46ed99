import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { TsworldError } from '../core/errors.ts';
import { CLOSE_CODES } from '../protocol/wire-errors.ts';
import { DEFAULTS } from './client-transport.ts';
import type { ClientConnection, ClientListenOptions, ClientServer, ClientTransport, UpgradeRefusal } from './client-transport.ts';
import { OpenConnections, clientServer, closeReason, guardHandler as guard } from './server-connections.ts';
import { RETRY_AFTER_SEC, STATUS_LINES, serveStatic } from './static-files.ts';

/** How long `stop()` waits for clients to answer the close handshake before dropping them. */
const STOP_GRACE_MS = 1000;

interface WsConnection extends ClientConnection {
  lastSeen: number;
  readonly socket: WebSocket;
}

/** The `ws` implementation of the Transport seam: the fallback when uWS native is unavailable. */
export function createWsTransport(): ClientTransport {
  return { kind: 'ws', listen: listenWs };
}

function makeConnection(
  id: number,
  socket: WebSocket,
  request: IncomingMessage,
  options: ClientListenOptions,
): WsConnection {
  const maxBackpressure = options.maxBackpressure ?? DEFAULTS.maxBackpressure;
  let waitingForDrain = false;
  const connection: WsConnection = {
    id,
    remoteAddress: request.socket.remoteAddress ?? '',
    socket,
    lastSeen: Date.now(),
    userData: null,
    get closed() {
      return socket.readyState !== socket.OPEN;
    },
    get bufferedAmount() {
      return socket.bufferedAmount;
    },
    send(message) {
      if (socket.readyState !== socket.OPEN) return 'dropped';
      if (socket.bufferedAmount > maxBackpressure) return 'dropped';
      socket.send(message, { binary: true }, () => {
        // ws has no public drain event; the write callback of the last queued message stands in for it.
        if (waitingForDrain && socket.bufferedAmount === 0 && socket.readyState === socket.OPEN) {
          waitingForDrain = false;
          options.onDrain?.(connection);
        }
      });
      if (socket.bufferedAmount > 0) {
        waitingForDrain = true;
        return 'backpressure';
      }
      return 'ok';
    },
    cork(fn) {
      // ws writes each message straight to its socket; there is no public way to batch syscalls.
      fn();
    },
    close(code, reason = '') {
      if (socket.readyState === socket.OPEN) socket.close(code, closeReason(reason));
    },
  };
  return connection;
}

/** Any other GET or HEAD: the gate's static files (the page and the SDK). */
function serveHttp(options: ClientListenOptions, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(404).end();
    return;
  }
  void serveStatic(options.staticDir, req.url ?? '/').then((reply) => {
    res.writeHead(reply.status, { 'Content-Type': reply.contentType, 'Content-Length': reply.body.length });
    res.end(req.method === 'HEAD' ? undefined : reply.body);
  });
}

/** Admission said no: a plain HTTP answer on the raw socket, and no WebSocket. */
function refuseUpgrade(socket: Duplex, refusal: UpgradeRefusal): void {
  const retry = refusal.status === 403 ? '' : `Retry-After: ${RETRY_AFTER_SEC}\r\n`;
  const body = Buffer.from(refusal.reason);
  socket.end(`HTTP/1.1 ${STATUS_LINES[refusal.status]}\r\n${retry}Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${refusal.reason}`);
}

/** A new connection's socket events, passed on to the transport's handlers. */
function wireSocket(options: ClientListenOptions, open: OpenConnections<WsConnection>, connection: WsConnection, socket: WebSocket): void {
  // ws reports protocol errors (oversize, bad frames) here and then closes with the right code itself.
  socket.on('error', (err: Error & { code?: string }) => {
    if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') guard(connection, () => options.onRefused?.(connection, 'frame-too-large'));
  });
  socket.on('pong', () => {
    connection.lastSeen = Date.now();
  });
  socket.on('message', (data, isBinary) => {
    connection.lastSeen = Date.now();
    if (!isBinary) {
      guard(connection, () => options.onRefused?.(connection, 'frame-malformed'));
      connection.close(CLOSE_CODES['frame-malformed'], 'binary messages only');
      return;
    }
    const bytes = data as Buffer;
    guard(connection, () => options.onMessage(connection, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length)));
  });
  socket.on('close', (code, reason) => {
    open.closed(connection, () => options.onClose(connection, code, reason.toString('utf8')));
  });
  guard(connection, () => options.onOpen(connection));
}

/** Mirrors uWS idleTimeout + sendPingsAutomatically: ping at half the window, drop at the full window. */
function startIdleSweep(open: OpenConnections<WsConnection>, idleMs: number): ReturnType<typeof setInterval> | null {
  if (idleMs <= 0) return null;
  const timer = setInterval(() => {
    const now = Date.now();
    for (const connection of open) {
      const quiet = now - connection.lastSeen;
      if (quiet > idleMs) connection.socket.terminate();
      else if (quiet > idleMs / 2) connection.socket.ping();
    }
  }, Math.max(250, idleMs / 4));
  timer.unref();
  return timer;
}

function listenWs(options: ClientListenOptions): Promise<ClientServer> {
  const path = options.path ?? DEFAULTS.path;
  const idleMs = (options.idleTimeoutSec ?? DEFAULTS.idleTimeoutSec) * 1000;
  const open = new OpenConnections<WsConnection>();
  let nextId = 1;

  const http = createServer((req, res) => serveHttp(options, req, res));
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayload ?? DEFAULTS.maxPayload,
    perMessageDeflate: false,
  });

  const accept = (socket: WebSocket, request: IncomingMessage): void => {
    const connection = makeConnection(nextId++, socket, request, options);
    open.add(connection);
    wireSocket(options, open, connection, socket);
  };

  http.on('upgrade', (request, socket, head) => {
    // Once handed to 'upgrade' the socket has no error listener of Node's: a reset must not be fatal.
    socket.on('error', () => undefined);
    const requestPath = (request.url ?? '').split('?', 1)[0];
    if (requestPath !== path) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    const origin = request.headers.origin;
    const refusal = options.admit?.({ remoteAddress: request.socket.remoteAddress ?? '', origin: origin || undefined });
    if (refusal) return refuseUpgrade(socket, refusal);
    wss.handleUpgrade(request, socket, head, (ws) => accept(ws, request));
  });

  const idleTimer = startIdleSweep(open, idleMs);

  return new Promise((resolve, reject) => {
    http.once('error', (cause) => {
      if (idleTimer !== null) clearInterval(idleTimer);
      reject(new TsworldError('TRANSPORT_FAILURE', `ws cannot listen on ${options.host}:${options.port}`, { cause }));
    });
    http.listen(options.port, options.host, () => {
      const address = http.address();
      const port = typeof address === 'object' && address !== null ? address.port : options.port;
      resolve(
        clientServer('ws', port, open, (done) => {
          if (idleTimer !== null) clearInterval(idleTimer);
          const grace = setTimeout(() => {
            for (const connection of open) connection.socket.terminate();
          }, STOP_GRACE_MS);
          open.closeAll(() => {
            clearTimeout(grace);
            wss.close();
            http.closeAllConnections();
            http.close(() => done());
          });
        }),
      );
    });
  });
}
