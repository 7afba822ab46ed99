import type { HttpRequest, HttpResponse, WebSocket as UwsSocket, us_listen_socket, us_socket_context_t } from '@trufflesuite/uws-js-unofficial';
import { TsworldError } from '../core/errors.ts';
import { CLOSE_CODES } from '../protocol/wire-errors.ts';
import { DEFAULTS } from './client-transport.ts';
import type { ClientConnection, ClientListenOptions, ClientServer, ClientTransport, SendResult } from './client-transport.ts';
import { OpenConnections, clientServer, closeReason, guardHandler as guard } from './server-connections.ts';
import { RETRY_AFTER_SEC, STATUS_LINES, serveStatic } from './static-files.ts';

export type Uws = typeof import('@trufflesuite/uws-js-unofficial');

export interface LoadedUws {
  uws: Uws;
  /** False when the package fell back to its JS shim (its native binary did not load). */
  native: boolean;
}

/** Loads uWebSockets.js lazily (processes that never serve clients never load it). */
export async function loadUws(): Promise<LoadedUws | null> {
  try {
    const mod = (await import('@trufflesuite/uws-js-unofficial')) as Uws & { default?: Uws };
    const uws = mod.default ?? mod;
    return { uws, native: /\[native code\]/.test(uws.App.toString()) };
  } catch {
    return null;
  }
}

interface UserData {
  connection: UwsConnection | null;
}

interface UwsConnection extends ClientConnection {
  markClosed(): void;
}

const SEND_STATUS: readonly SendResult[] = ['backpressure', 'ok', 'dropped'];
const decoder = new TextDecoder();

/**
 * One client socket. A class, so that its methods live once on the prototype: an idle client costs its
 * fields only, not six closures and their context (about 380 bytes each, measured by heap-profile.ts).
 * uWS invalidates the socket object at close; touching it afterwards aborts the process, so every method
 * checks `closed` first.
 */
class UwsClientConnection implements UwsConnection {
  readonly remoteAddress: string;
  userData: unknown = null;
  private isClosed = false;

  constructor(readonly id: number, private readonly ws: UwsSocket<UserData>) {
    this.remoteAddress = decoder.decode(ws.getRemoteAddressAsText());
  }

  get closed(): boolean {
    return this.isClosed;
  }
  get bufferedAmount(): number {
    return this.isClosed ? 0 : (this.ws.getBufferedAmount() as number);
  }
  send(message: Uint8Array): SendResult {
    if (this.isClosed) return 'dropped';
    return SEND_STATUS[this.ws.send(message, true, false) as number] ?? 'dropped';
  }
  cork(fn: () => void): void {
    if (this.isClosed) fn();
    else this.ws.cork(fn);
  }
  close(code: number, reason = ''): void {
    if (this.isClosed) return;
    this.ws.end(code, closeReason(reason));
  }
  markClosed(): void {
    this.isClosed = true;
  }
}

/** The uWebSockets.js implementation of the Transport seam. */
export function createUwsTransport(uws: Uws): ClientTransport {
  return {
    kind: 'uws',
    listen(options) {
      return listenUws(uws, options);
    },
  };
}

/** The HTTP upgrade: admission first (request data is only valid during this callback), then the socket. */
function upgradeOrRefuse(options: ClientListenOptions, res: HttpResponse, req: HttpRequest, context: us_socket_context_t): void {
  const refusal = options.admit?.({
    remoteAddress: decoder.decode(res.getRemoteAddressAsText()),
    origin: req.getHeader('origin') || undefined,
  });
  if (refusal) {
    res.cork(() => {
      res.writeStatus(STATUS_LINES[refusal.status]);
      if (refusal.status !== 403) res.writeHeader('Retry-After', String(RETRY_AFTER_SEC));
      res.writeHeader('Connection', 'close').end(refusal.reason, true);
    });
    return;
  }
  res.upgrade<UserData>(
    { connection: null },
    req.getHeader('sec-websocket-key'),
    req.getHeader('sec-websocket-protocol'),
    req.getHeader('sec-websocket-extensions'),
    context,
  );
}

/** A client message: binary and within `maxPayload`, else the connection is closed with the reason. */
function onMessage(options: ClientListenOptions, maxPayload: number, ws: UwsSocket<UserData>, message: ArrayBuffer, isBinary: boolean): void {
  const connection = ws.getUserData().connection;
  if (connection === null) return;
  if (!isBinary) {
    guard(connection, () => options.onRefused?.(connection, 'frame-malformed'));
    connection.close(CLOSE_CODES['frame-malformed'], 'binary messages only');
    return;
  }
  if (message.byteLength > maxPayload) {
    guard(connection, () => options.onRefused?.(connection, 'frame-too-large'));
    connection.close(CLOSE_CODES['frame-too-large'], 'message too big');
    return;
  }
  // uWS frees `message` when this callback returns: copy it now.
  const copy = new Uint8Array(message.byteLength);
  copy.set(new Uint8Array(message));
  guard(connection, () => options.onMessage(connection, copy));
}

/** Any other GET: the gate's static files (the page and the SDK). */
function serveHttp(options: ClientListenOptions, res: HttpResponse, req: HttpRequest): void {
  const url = req.getUrl();
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
  });
  void serveStatic(options.staticDir, url).then((reply) => {
    if (aborted) return;
    res.cork(() => {
      res.writeStatus(STATUS_LINES[reply.status]).writeHeader('Content-Type', reply.contentType).end(reply.body);
    });
  });
}

function listenUws(uws: Uws, options: ClientListenOptions): Promise<ClientServer> {
  const app = uws.App();
  const open = new OpenConnections<UwsConnection>();
  let nextId = 1;
  const maxPayload = options.maxPayload ?? DEFAULTS.maxPayload;

  app.ws<UserData>(options.path ?? DEFAULTS.path, {
    // uWS drops an oversize message by cutting the TCP connection (the client sees 1006, no reason). Its
    // limit is set at twice ours so a message over `maxPayload` but within that margin gets a proper
    // 1009 close from the message handler; only grossly oversize frames are cut.
    maxPayloadLength: 2 * maxPayload,
    idleTimeout: options.idleTimeoutSec ?? DEFAULTS.idleTimeoutSec,
    maxBackpressure: options.maxBackpressure ?? DEFAULTS.maxBackpressure,
    sendPingsAutomatically: true,
    compression: uws.DISABLED,
    upgrade: (res, req, context) => upgradeOrRefuse(options, res, req, context),
    open(ws) {
      const connection = new UwsClientConnection(nextId++, ws);
      ws.getUserData().connection = connection;
      open.add(connection);
      guard(connection, () => options.onOpen(connection));
    },
    message: (ws, message, isBinary) => onMessage(options, maxPayload, ws, message, isBinary),
    drain(ws) {
      const connection = ws.getUserData().connection;
      if (connection !== null && options.onDrain) guard(connection, () => options.onDrain!(connection));
    },
    close(ws, code, message) {
      const connection = ws.getUserData().connection;
      if (connection === null) return;
      const reason = decoder.decode(new Uint8Array(message).slice());
      connection.markClosed();
      open.closed(connection, () => options.onClose(connection, code, reason));
    },
  });

  app.get('/*', (res, req) => serveHttp(options, res, req));

  return new Promise((resolve, reject) => {
    app.listen(options.host, options.port, (listenSocket: us_listen_socket | false) => {
      if (listenSocket === false) {
        reject(new TsworldError('TRANSPORT_FAILURE', `uWS cannot listen on ${options.host}:${options.port}`));
        return;
      }
      const port = uws.us_socket_local_port(listenSocket as never);
      resolve(
        clientServer('uws', port, open, (done) => {
          uws.us_listen_socket_close(listenSocket);
          open.closeAll(() => {
            // app.close() also drops idle keep-alive HTTP sockets, which would otherwise keep the
            // process alive; the listen socket is closed first so nothing new arrives meanwhile.
            (app as { close?: () => void }).close?.();
            done();
          });
        }),
      );
    });
  });
}
