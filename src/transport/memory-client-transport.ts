import type { WebSocketLike } from '../client/client.ts';
import { TsworldError } from '../core/errors.ts';
import { CLOSE_CODES } from '../protocol/wire-errors.ts';
import { ownedCopy } from '../protocol/owned-copy.ts';
import { DEFAULTS } from './client-transport.ts';
import type { ClientConnection, ClientListenOptions, ClientServer, ClientTransport, SendResult } from './client-transport.ts';
import { OpenConnections, clientServer, guardHandler as guard } from './server-connections.ts';

/** What the client SDK needs of a WebSocket (the browser's, `ws`, or this one). */
export type MemoryWebSocket = WebSocketLike;

/**
 * Gates and clients in one process without sockets: `transport` is what a gate listens on, `WebSocket`
 * what the SDK connects with (`mem://host:port/ws`). Messages are delivered on a later event-loop turn,
 * in order, through the same handler contract as uWS and `ws` (admission, binary only, maxPayload).
 * `from` sets the address a client appears to connect from, so per-address limits can be exercised.
 */
export interface MemoryClientNetwork {
  readonly transport: ClientTransport;
  readonly WebSocket: new (url: string) => MemoryWebSocket;
  /** A WebSocket constructor whose connections come from `address`. */
  from(address: string): new (url: string) => MemoryWebSocket;
}

interface Listener {
  readonly options: ClientListenOptions;
  readonly open: OpenConnections<ClientConnection>;
  nextId: number;
}

const OPEN = 1;
const CLOSED = 3;

/** A client's end of an in-memory WebSocket, with the browser API the SDK uses. */
class MemorySocketClient implements MemoryWebSocket {
  binaryType = 'arraybuffer';
  readyState = 0;
  onopen: MemoryWebSocket['onopen'] = null;
  onmessage: MemoryWebSocket['onmessage'] = null;
  onclose: MemoryWebSocket['onclose'] = null;
  onerror: MemoryWebSocket['onerror'] = null;
  private server: { listener: Listener; connection: ClientConnection } | null = null;

  constructor(url: string, address: string, servers: ReadonlyMap<number, Listener>) {
    setImmediate(() => connect(servers, this, url, address));
  }

  fail(code: number, reason: string): void {
    this.readyState = CLOSED;
    this.onerror?.({ message: reason });
    this.onclose?.({ code, reason });
  }

  attach(listener: Listener, address: string): void {
    const client = this;
    let closed = false;
    const maxPayload = listener.options.maxPayload ?? DEFAULTS.maxPayload;
    const finish = (code: number, reason: string) => {
      if (closed) return;
      closed = true;
      client.readyState = CLOSED;
      listener.open.closed(connection, () => listener.options.onClose(connection, code, reason));
      setImmediate(() => client.onclose?.({ code, reason }));
    };
    const connection: ClientConnection & { deliver(data: Uint8Array): void } = {
      id: listener.nextId++,
      remoteAddress: address,
      userData: null,
      get closed() {
        return closed;
      },
      bufferedAmount: 0,
      send(message): SendResult {
        if (closed) return 'dropped';
        const copy = ownedCopy(message).buffer;
        setImmediate(() => {
          if (client.readyState === OPEN) client.onmessage?.({ data: copy });
        });
        return 'ok';
      },
      cork(fn) {
        fn();
      },
      close(code, reason = '') {
        setImmediate(() => finish(code, reason));
      },
      deliver(data) {
        if (closed) return;
        if (data.length > maxPayload) {
          guard(connection, () => listener.options.onRefused?.(connection, 'frame-too-large'));
          return finish(CLOSE_CODES['frame-too-large'], 'message too big');
        }
        guard(connection, () => listener.options.onMessage(connection, data));
      },
    };
    this.server = { listener, connection };
    listener.open.add(connection);
    this.readyState = OPEN;
    guard(connection, () => listener.options.onOpen(connection));
    this.onopen?.({});
  }

  send(data: Uint8Array): void {
    if (this.readyState !== OPEN || this.server === null) throw new TsworldError('INVALID_STATE', 'memory WebSocket is not open');
    const copy = ownedCopy(data);
    const { connection } = this.server;
    setImmediate(() => (connection as ClientConnection & { deliver(d: Uint8Array): void }).deliver(copy));
  }

  close(code = 1000, reason = ''): void {
    if (this.server === null || this.readyState !== OPEN) return;
    this.server.connection.close(code, reason);
  }
}

/** Finds the listener of a `mem://host:port/path` URL and runs its admission, as an upgrade would. */
function connect(servers: ReadonlyMap<number, Listener>, socket: MemorySocketClient, url: string, address: string): void {
  const parsed = /^mem:\/\/[^:/]+:(\d+)(\/[^?]*)?/.exec(url);
  const listener = parsed ? servers.get(Number(parsed[1])) : undefined;
  const path = parsed?.[2] ?? '/';
  if (!listener || path !== (listener.options.path ?? DEFAULTS.path)) return socket.fail(1006, `nothing listens at ${url}`);
  const refusal = listener.options.admit?.({ remoteAddress: address, origin: undefined });
  if (refusal) return socket.fail(1006, `Unexpected server response: ${refusal.status}`);
  socket.attach(listener, address);
}

export function createMemoryClientNetwork(): MemoryClientNetwork {
  const servers = new Map<number, Listener>();
  let nextPort = 45_000;


  const transport: ClientTransport = {
    kind: 'memory',
    async listen(options) {
      const port = options.port === 0 ? nextPort++ : options.port;
      if (servers.has(port)) throw new TsworldError('TRANSPORT_FAILURE', `memory gate port ${port} is in use`);
      const listener: Listener = { options, open: new OpenConnections(), nextId: 1 };
      servers.set(port, listener);
      const server: ClientServer = clientServer('memory', port, listener.open, (done) => {
        servers.delete(port);
        listener.open.closeAll(done);
      });
      return server;
    },
  };

  const from = (address: string) =>
    class extends MemorySocketClient {
      constructor(url: string) {
        super(url, address, servers);
      }
    };
  return { transport, WebSocket: from('127.0.0.1'), from };
}
