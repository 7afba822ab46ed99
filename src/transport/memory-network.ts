import { TsworldError } from '../core/errors.ts';
import { createLink } from './link.ts';
import { createLinkAcceptor } from './link-net.ts';
import type { ConnectLinkOptions, LinkNetwork, LinkServer, ListenLinksOptions } from './link-net.ts';
import { memorySocketPair, type MemorySocket } from './memory-socket.ts';

/**
 * Internal links without sockets: a whole cluster in one process (createTestCluster), with the same
 * Link code as TCP on top. Addresses are `host:port` names in this network only; port 0 picks a free one.
 * One network per cluster: two clusters in one test never see each other.
 */
export interface MemoryNetwork extends LinkNetwork {
  readonly kind: 'memory';
  /** A raw socket to a listener, for tests that send bytes no Link would. */
  rawConnect(host: string, port: number): MemorySocket;
  /** A raw listener, for tests that need a peer which misbehaves (stops reading, sends garbage). */
  rawListen(host: string, port: number, onSocket: (socket: MemorySocket) => void): { port: number; close(): void };
}

type Accept = (socket: MemorySocket) => void;

/**
 * `maxChunk` splits every write into reads of at most that many bytes (default 1460, a TCP segment's
 * payload on Ethernet), so frames cross read boundaries and the Link's reassembly runs as it does on TCP.
 */
export function createMemoryNetwork(options: { maxChunk?: number } = {}): MemoryNetwork {
  const maxChunk = options.maxChunk ?? 1460;
  const listeners = new Map<string, Accept>();
  let nextPort = 40_000;
  let nextClientPort = 50_000;
  const key = (host: string, port: number) => `${host}:${port}`;

  function bind(host: string, port: number, accept: Accept): number {
    const chosen = port === 0 ? nextPort++ : port;
    if (listeners.has(key(host, chosen))) {
      throw new TsworldError('TRANSPORT_FAILURE', `cannot listen on ${host}:${chosen}: address in use`);
    }
    listeners.set(key(host, chosen), accept);
    return chosen;
  }

  function dial(host: string, port: number): MemorySocket {
    const accept = listeners.get(key(host, port));
    if (accept === undefined) throw new TsworldError('TRANSPORT_FAILURE', `cannot connect to ${host}:${port}: nobody listens`);
    const [client, server] = memorySocketPair({ address: '127.0.0.1', port: nextClientPort++ }, { address: host, port }, maxChunk);
    // Accepted on a later turn, as a TCP accept would be: the dialer sees its socket first.
    setImmediate(() => accept(server));
    return client;
  }

  return {
    kind: 'memory',
    async listen(options: ListenLinksOptions): Promise<LinkServer> {
      const acceptor = createLinkAcceptor(options);
      const port = bind(options.host, options.port, (socket) => acceptor.accept(socket));
      return {
        host: options.host,
        port,
        links: acceptor.links,
        async close() {
          listeners.delete(key(options.host, port));
          acceptor.destroyAll();
        },
      };
    },
    async connect(options: ConnectLinkOptions) {
      return createLink(dial(options.host, options.port), options);
    },
    rawConnect: dial,
    rawListen(host, port, onSocket) {
      const chosen = bind(host, port, onSocket);
      return { port: chosen, close: () => void listeners.delete(key(host, chosen)) };
    },
  };
}
